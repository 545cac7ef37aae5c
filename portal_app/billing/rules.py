"""An invoice's life on the staff side: drafts and their lines, issuing (number, PDF, credit, emails),
voiding, and the console's invoice list and look-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, func, select

from portal_app.billing import alerts, usage_files
from portal_app.billing.access import invoice_row, lines_of
from portal_app.billing.amounts import (MODULE, PAGE_SIZE, STAFF_STATUS_FILTERS, Totals, as_id, compute_totals,
                                        line_net, status_condition, today)
from portal_app.billing.models import (ConsumptionFile, DRAFT, ISSUED, Invoice, InvoiceLine, PAID, PARTIALLY_PAID,
                                       Payment, PaymentAllocation, VOID)
from portal_app.billing.numbering import next_number
from portal_app.billing.payments import apply_credit
from portal_app.billing.settings import check_currency, get_settings_row
from portal_app.billing.storage import invoices_dir, store_new_pdf, stored_path
from portal_app.core import audit, clock, notify
from portal_app.core.accounts import effective_rights
from portal_app.core.auth.staff import StaffContext
from portal_app.core.business import branding, business_view
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.i18n import format_date, format_money
from portal_app.core.models.accounts import Account, Contact

MAX_LINES = 200


def _draft(db: Session, invoice_id) -> Invoice:
    row = invoice_row(db, invoice_id)
    if row.status != DRAFT:
        raise DomainError("billing.error.not_draft")
    return row


def _retotal(db: Session, inv: Invoice) -> None:
    t = compute_totals(lines_of(db, inv.id))
    inv.subtotal_minor, inv.tax_minor, inv.total_minor = t.subtotal, t.tax, t.total
    inv.usage_minor, inv.tax_breakdown = t.usage, t.breakdown
    db.add(inv)
    db.flush()


def create_draft(db: Session, staff: StaffContext, account_id: int) -> Invoice:
    key = as_id(account_id)
    account = db.get(Account, key) if key else None
    if account is None:
        raise NotFound()
    s = get_settings_row(db)
    inv = Invoice(account_id=account.id, currency=s.default_currency, status=DRAFT, created_at=clock.now(),
                  created_by_staff_id=staff.staff_id, language=document_language(db, account.id))
    db.add(inv)
    db.flush()
    audit.record(db, staff.actor, "invoice.create", target_type="invoice", target_id=inv.id, account_id=account.id)
    return inv


def account_by_number(db: Session, account_number: str) -> Account:
    """An account by the number staff type (any case); an unknown one is a clear refusal."""
    account = db.exec(select(Account).where(func.lower(Account.number) == account_number.strip().lower())).first()
    if account is None:
        raise DomainError("billing.error.account_unknown", number=account_number.strip()[:40])
    return account


def create_draft_for_number(db: Session, staff: StaffContext, account_number: str) -> Invoice:
    return create_draft(db, staff, account_by_number(db, account_number).id)


def update_draft(db: Session, staff: StaffContext, invoice_id: int, *, currency: str, due_date: str,
                 notes: str) -> Invoice:
    inv = _draft(db, invoice_id)
    checked_currency = check_currency(currency)
    raw = (due_date or "").strip()
    try:
        due = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise DomainError("billing.error.date") from None
    inv.currency, inv.due_date = checked_currency, due  # after the checks: a refusal is committed with its session
    inv.notes = notes.strip()[:2000]
    db.add(inv)
    _retotal(db, inv)
    audit.record(db, staff.actor, "invoice.update", target_type="invoice", target_id=inv.id, account_id=inv.account_id)
    return inv


def save_line(db: Session, staff: StaffContext, invoice_id: int, *, line_id: int | None, description: str,
              quantity: str, unit_price: str, tax_rate: str, is_usage: bool = False) -> InvoiceLine:
    inv = _draft(db, invoice_id)
    description, qty, price, rate = _line_values(inv, description, quantity, unit_price, tax_rate)
    if line_id:
        line = db.get(InvoiceLine, as_id(line_id) or 0)
        if line is None or line.invoice_id != inv.id:
            raise NotFound()
    else:
        count = db.exec(select(func.count()).select_from(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)).one()
        if count >= MAX_LINES:
            raise DomainError("billing.error.too_many_lines", max=MAX_LINES)
        line = InvoiceLine(invoice_id=inv.id, position=count + 1, description="")
    line.description, line.quantity_milli, line.unit_price_minor = description[:500], qty, price
    line.tax_rate_bp, line.is_usage = rate, bool(is_usage)
    line.net_minor = line_net(qty, price)
    db.add(line)
    db.flush()
    _retotal(db, inv)
    return line


def _line_values(inv: Invoice, description: str, quantity: str, unit_price: str,
                 tax_rate: str) -> tuple[str, int, int, int]:
    """A line's fields checked: (description, quantity in thousandths, unit price in minor units, rate bp)."""
    return usage_files.line_values(inv.currency, description, quantity, unit_price, tax_rate)


def add_usage_lines(db: Session, staff: StaffContext, file_id) -> int:
    """A consumption CSV of a draft invoice becomes that invoice's usage lines, once: every row or none.

    Any bad row refuses the whole file with each bad row's CSV line number and column, so staff fix the
    file and try again; nothing is added in between. Returns how many lines were added."""
    from portal_app.billing.consumption import consumption_file_for_staff

    row, path = consumption_file_for_staff(db, staff, file_id)
    if row.invoice_id is None:
        raise DomainError("billing.usage.for_period")  # joins its period's invoice by itself
    inv = _draft(db, row.invoice_id)
    if row.content_type != "text/csv":
        raise DomainError("billing.usage.not_csv")
    if row.lines_added_at is not None:
        raise DomainError("billing.usage.already_added")
    count = db.exec(select(func.count()).select_from(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)).one()
    values = usage_files.csv_values(db, inv.currency, path.read_bytes(), room=MAX_LINES - count)
    usage_files.add_lines(db, inv.id, values, count + 1)
    row.lines_added_at = clock.now()
    db.add(row)
    db.flush()
    _retotal(db, inv)
    audit.record(db, staff.actor, "consumption.lines_added", target_type="consumption_file", target_id=row.id,
                 account_id=inv.account_id, invoice_id=inv.id, lines=len(values))
    return len(values)


def delete_line(db: Session, staff: StaffContext, invoice_id: int, line_id: int) -> None:
    inv = _draft(db, invoice_id)
    line = db.get(InvoiceLine, as_id(line_id) or 0)
    if line is None or line.invoice_id != inv.id:
        raise NotFound()
    db.delete(line)
    db.flush()
    _retotal(db, inv)


def delete_draft(db: Session, staff: StaffContext, invoice_id: int) -> None:
    """A draft never seen by anyone can go; an issued invoice can only be voided."""
    inv = _draft(db, invoice_id)
    for line in lines_of(db, inv.id):
        db.delete(line)
    for f in db.exec(select(ConsumptionFile).where(ConsumptionFile.invoice_id == inv.id)).all():
        db.delete(f)
    db.flush()
    db.delete(inv)
    audit.record(db, staff.actor, "invoice.delete_draft", target_type="invoice", target_id=invoice_id,
                 account_id=inv.account_id)


def document_language(db: Session, account_id: int) -> str:
    """The PDF's language: the account's first billing contact's, else the business default."""
    contacts = billing_contacts(db, account_id)
    return contacts[0].language if contacts else business_view(db).default_language


def billing_contacts(db: Session, account_id: int) -> list[Contact]:
    """Who receives billing mail: account admins whose rights include invoices, active, with access."""
    rows = db.exec(select(Contact).where(Contact.account_id == account_id, Contact.active.is_(True),
                                         Contact.portal_access.is_(True)).order_by(Contact.id)).all()
    return [c for c in rows if MODULE in effective_rights(c)]


def _check_issuable(lines: list[InvoiceLine]) -> Totals:
    if not lines:
        raise DomainError("billing.error.no_lines")
    totals = compute_totals(lines)
    if totals.total < 0:
        raise DomainError("billing.error.negative_total")
    return totals


@dataclass
class Issued:
    invoice: Invoice
    deliveries: list[notify.Delivery] = field(default_factory=list)


def issue_invoice(db: Session, staff: StaffContext, invoice_id: int) -> Issued:
    """Draft → issued: number, dates, PDF, credit applied, emails queued. The caller commits and
    then dispatches the deliveries.

    All or nothing: the issue runs inside a SAVEPOINT. A refusal met on the way (the number is already
    taken, another worker issued it first) rolls back the status, dates, totals, counter and credit
    and removes the PDF, while the refusal's audit line is kept by the caller's commit."""
    inv = _draft(db, invoice_id)
    _check_issuable(lines_of(db, inv.id))
    account_id = inv.account_id
    written: list[Path] = []
    try:
        with db.begin_nested():
            return _issue(db, staff, inv, written)
    except DomainError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        audit.record(db, staff.actor, "invoice.issue_refused", target_type="invoice", target_id=invoice_id,
                     account_id=account_id, reason=exc.key)
        raise
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _issue(db: Session, staff: StaffContext, inv: Invoice, written: list[Path]) -> Issued:
    # The status change is the transaction's first write: it takes the write lock (SQLite) or the
    # row lock (PostgreSQL), and of two concurrent issues of one draft only one finds it a draft.
    now = clock.now()
    took = db.exec(sa.update(Invoice).where(Invoice.id == inv.id, Invoice.status == DRAFT)
                   .values(status=ISSUED, issued_at=now)
                   .execution_options(synchronize_session=False))
    if took.rowcount != 1:
        raise DomainError("billing.error.not_draft")
    db.refresh(inv)
    lines = lines_of(db, inv.id)  # again, under the lock: an edit may have landed in between
    totals = _check_issuable(lines)
    s = get_settings_row(db)
    account = db.get(Account, inv.account_id)
    issued_on = now.date()
    inv.issue_date = issued_on
    if inv.due_date is None or inv.due_date < issued_on:
        inv.due_date = issued_on + timedelta(days=s.payment_terms_days)
    inv.subtotal_minor, inv.tax_minor, inv.total_minor = totals.subtotal, totals.tax, totals.total
    inv.usage_minor, inv.tax_breakdown = totals.usage, totals.breakdown
    inv.language = document_language(db, inv.account_id)
    number = next_number(db, s, issued_on.year)
    if db.exec(select(Invoice.id).where(Invoice.number == number)).first() is not None:
        raise DomainError("billing.error.number_taken", number=number)
    inv.number = number
    inv.status = ISSUED if totals.total > 0 else PAID
    db.add(inv)
    db.flush()
    apply_credit(db, inv)
    # Generated once, now, and kept: an issued invoice's PDF is never regenerated silently.
    from portal_app.billing.pdf import render_invoice_pdf

    from portal_app.billing import einvoice

    # A Factur-X PDF: the EN 16931 XML, checked against the official schema, travels inside it.
    pdf = einvoice.embed(render_invoice_pdf(db, inv, account, lines, s),
                         einvoice.invoice_xml(db, inv, account, lines, s), inv.language)
    inv.pdf_file = store_new_pdf(pdf, written)
    db.add(inv)
    db.flush()
    audit.record(db, staff.actor, "invoice.issue", target_type="invoice", target_id=inv.id,
                 account_id=inv.account_id, number=number, total=inv.total_minor, currency=inv.currency)
    return Issued(inv, queue_new_invoice_mail(db, inv, account) + alerts.check_invoice(db, inv))


def queue_new_invoice_mail(db: Session, inv: Invoice, account: Account) -> list[notify.Delivery]:
    """The "new invoice" email to each billing contact in their language, and to the billing address."""
    if MODULE not in business_view(db).modules:
        return []
    brand = branding(db)
    link = notify.portal_url(f"/invoice?id={inv.id}")
    out = []
    seen = set()

    def queue(to: str, lang: str, name: str, contact_id: int | None):
        mail = notify.render_email("new_invoice", lang, brand, link=link, name=name, number=inv.number,
                                   amount=format_money(inv.total_minor, inv.currency, lang),
                                   due_date=format_date(inv.due_date, lang))
        out.append(notify.queue_email(db, to=to, template="new_invoice", language=lang, rendered=mail,
                                      sender_name=brand.sender_name, contact_id=contact_id,
                                      account_id=account.id, track_clicks=False))

    for c in billing_contacts(db, account.id):
        seen.add(c.email)
        queue(c.email, c.language, c.first_name or c.full_name, c.id)
    if account.billing_email and account.billing_email.lower() not in seen:
        lang = business_view(db).default_language
        queue(account.billing_email, lang, account.name, None)
    return out


def void_invoice(db: Session, staff: StaffContext, invoice_id: int, reason: str) -> Invoice:
    """Void keeps the number (no gap) and the PDF; what was paid on it becomes account credit."""
    inv = invoice_row(db, invoice_id)
    if inv.status not in (ISSUED, PARTIALLY_PAID, PAID):
        raise DomainError("billing.error.cannot_void")
    reason = reason.strip()
    if not reason:
        raise DomainError("billing.error.void_reason")
    for alloc in db.exec(select(PaymentAllocation).where(PaymentAllocation.invoice_id == inv.id)).all():
        payment = db.get(Payment, alloc.payment_id)
        payment.unallocated_minor += alloc.amount_minor
        db.add(payment)
        db.delete(alloc)
    inv.status, inv.paid_minor, inv.voided_at, inv.void_reason = VOID, 0, clock.now(), reason[:300]
    db.add(inv)
    db.flush()
    audit.record(db, staff.actor, "invoice.void", target_type="invoice", target_id=inv.id, account_id=inv.account_id)
    return inv


def list_invoices_admin(db: Session, *, q: str = "", status: str = "", page: int = 1, page_size: int = PAGE_SIZE):
    query = select(Invoice, Account).join(Account, Account.id == Invoice.account_id)
    count = select(func.count()).select_from(Invoice).join(Account, Account.id == Invoice.account_id)
    conds = []
    cond = status_condition(status, today()) if status in STAFF_STATUS_FILTERS and status else None
    if cond is not None:
        conds.append(cond)
    if q.strip():
        like = f"%{q.strip().lower()}%"
        conds.append(sa.or_(func.lower(Invoice.number).like(like), func.lower(Account.name).like(like),
                            func.lower(Account.number).like(like)))
    for c in conds:
        query, count = query.where(c), count.where(c)
    total = db.exec(count).one()
    rows = db.exec(query.order_by(Invoice.id.desc()).offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return rows, total


def get_invoice_admin(db: Session, staff: StaffContext, invoice_id) -> tuple[Invoice, Account]:
    inv = invoice_row(db, invoice_id)
    return inv, db.get(Account, inv.account_id)


def invoice_pdf_for_staff(db: Session, staff: StaffContext, invoice_id) -> tuple[Invoice, Path | bytes]:
    """The stored PDF of an issued invoice, or a preview marked DRAFT (never stored) of a draft."""
    inv = invoice_row(db, invoice_id)
    if inv.status == DRAFT:
        from portal_app.billing.pdf import render_invoice_pdf

        return inv, render_invoice_pdf(db, inv, db.get(Account, inv.account_id), lines_of(db, inv.id),
                                       get_settings_row(db), draft=True)
    path = stored_path(invoices_dir(), inv.pdf_file)
    if path is None:
        raise NotFound()
    return inv, path
