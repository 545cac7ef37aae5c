"""Billing rules: drafts and their totals, issuing with gapless numbers, voiding, payments, credit,
consumption files, and what a customer may see of it all.

Money is integer minor units of the invoice's currency. Status "overdue" is never stored: an open
invoice (issued or partially paid) whose due date has passed is overdue, computed in SQL from the
due date when read. Storing it would need a job to flip rows at midnight and would be wrong
between runs; computing it is one indexed comparison.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlmodel import Session, func, select

from portal_app.core.config import get_settings
from portal_app.core.models.accounts import Account, Contact
from portal_app.billing.models import (DRAFT, ISSUED, OPEN_STATUSES, PAID, PARTIALLY_PAID, VOID, BillingSettings, ConsumptionFile, Invoice, InvoiceCounter, InvoiceLine, Payment, PaymentAllocation)
from portal_app.core import audit, clock, notify
from portal_app.core.accounts import effective_rights
from portal_app.core.business import branding, business_view
from portal_app.core.errors import DomainError, Forbidden, NotFound
from portal_app.core.i18n import currency_precision, format_date, format_money
from portal_app.core.auth.sessions import PortalContext, refuse_when_impersonating
from portal_app.core.auth.staff import StaffContext

MODULE = "invoices"
PAGE_SIZE = 20
MAX_LINES = 200
CONSUMPTION_MAX_BYTES = 20 * 1024 * 1024
PDF_MAX_BYTES = 10 * 1024 * 1024
CUSTOMER_STATUS_FILTERS = ("", "unpaid", ISSUED, PARTIALLY_PAID, "overdue", PAID, VOID)
STAFF_STATUS_FILTERS = ("", DRAFT, "unpaid", ISSUED, PARTIALLY_PAID, "overdue", PAID, VOID)
_PREFIX_RE = re.compile(r"^[A-Za-z0-9/_.-]{0,20}$")
_BIC_RE = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def today() -> date:
    """The billing calendar's today (UTC): due dates are compared with it."""
    return clock.now().date()


MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL: anything larger is nothing, not an error


def as_id(value) -> int | None:
    """An id from the outside world (URL, handler argument), or None when it cannot be one."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


# ---- actors -------------------------------------------------------------------------------------


portal_actor = audit.portal_actor


def require_billing(db: Session, ctx: PortalContext, client_ip: str = "") -> None:
    """Billing is for contacts whose role and rights include invoices (and a business that offers it)."""
    if not ctx.can(MODULE):
        audit.record(db, portal_actor(ctx, client_ip), "billing.forbidden", account_id=ctx.account_id)
        raise Forbidden()


def _denied(db: Session, ctx: PortalContext, target_type: str, target_id, client_ip: str = "") -> NotFound:
    """Another account's object, a draft, or nothing at all: the same answer, and a line in the audit log."""
    audit.record(db, portal_actor(ctx, client_ip), "billing.denied", target_type=target_type,
                 target_id=as_id(target_id), account_id=ctx.account_id)
    return NotFound()


# ---- settings -----------------------------------------------------------------------------------


def get_settings_row(db: Session) -> BillingSettings:
    row = db.get(BillingSettings, 1)
    if row is None:
        row = BillingSettings(id=1)
        db.add(row)
        db.flush()
    return row


def check_currency(raw: str) -> str:
    from babel.numbers import is_currency

    code = (raw or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or not is_currency(code):
        raise DomainError("billing.error.currency")
    return code


def check_iban(raw: str) -> str:
    iban = re.sub(r"\s+", "", raw or "").upper()
    if not iban:
        return ""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", iban):
        raise DomainError("billing.error.iban")
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise DomainError("billing.error.iban")
    return iban


def format_iban(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def update_settings(db: Session, staff: StaffContext, *, default_currency: str, default_tax_rate: str,
                    tax_label: str, number_prefix: str, number_digits: str, number_yearly: bool,
                    payment_terms_days: str, issuer_details: str, bank_beneficiary: str, bank_iban: str,
                    bank_bic: str, bank_name: str) -> BillingSettings:
    row = get_settings_row(db)
    prefix = number_prefix.strip()
    if not _PREFIX_RE.match(prefix):
        raise DomainError("billing.error.prefix")
    try:
        digits, terms = int(str(number_digits).strip()), int(str(payment_terms_days).strip())
    except ValueError:
        raise DomainError("billing.error.number") from None
    if not 3 <= digits <= 8:
        raise DomainError("billing.error.digits")
    if not 0 <= terms <= 365:
        raise DomainError("billing.error.terms")
    bic = re.sub(r"\s+", "", bank_bic or "").upper()
    if bic and not _BIC_RE.match(bic):
        raise DomainError("billing.error.bic")
    row.default_currency = check_currency(default_currency)
    row.default_tax_rate_bp = parse_rate(default_tax_rate)
    row.tax_label = tax_label.strip()[:40] or "VAT"
    row.number_prefix, row.number_digits, row.number_yearly = prefix, digits, bool(number_yearly)
    row.payment_terms_days = terms
    row.issuer_details = issuer_details.strip()[:1000]
    row.bank_beneficiary, row.bank_name = bank_beneficiary.strip()[:200], bank_name.strip()[:200]
    row.bank_iban, row.bank_bic = check_iban(bank_iban), bic
    row.updated_at = clock.now()
    db.add(row)
    audit.record(db, staff.actor, "billing.settings", target_type="billing_settings", target_id=1)
    return row


# ---- parsing and arithmetic ---------------------------------------------------------------------


def _decimal(text: str, key: str) -> Decimal:
    """A number typed by a person: "1 234,56", "1,234.56", "1234.56" or "-12"."""
    raw = re.sub(r"[\s\u00a0\u202f']", "", str(text or ""))
    if not raw:
        raise DomainError(key)
    if "," in raw and "." in raw:  # the last separator is the decimal one
        if raw.rfind(",") > raw.rfind("."):
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
    else:
        raw = raw.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", raw):
        raise DomainError(key)
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise DomainError(key) from None


def parse_money(text: str, currency: str, *, allow_negative: bool = False) -> int:
    """Minor units of `currency`; more decimals than the currency has is an error, not a rounding."""
    value = _decimal(text, "billing.error.amount")
    places = currency_precision(currency)
    minor = value.scaleb(places)
    if minor != minor.to_integral_value():
        raise DomainError("billing.error.amount_decimals", places=places)
    if (minor < 0 and not allow_negative) or abs(minor) >= 10**13:
        raise DomainError("billing.error.amount")
    return int(minor)


def parse_quantity(text: str) -> int:
    value = _decimal(text, "billing.error.quantity")
    milli = value * 1000
    if milli != milli.to_integral_value() or milli <= 0 or milli >= 10**9:
        raise DomainError("billing.error.quantity")
    return int(milli)


def parse_rate(text: str) -> int:
    """A percentage with at most two decimals, as basis points (5.5 → 550)."""
    value = _decimal(text if str(text).strip() else "0", "billing.error.tax_rate")
    bp = value * 100
    if bp != bp.to_integral_value() or not 0 <= bp <= 10000:
        raise DomainError("billing.error.tax_rate")
    return int(bp)


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_net(quantity_milli: int, unit_price_minor: int) -> int:
    return _round_half_up(Decimal(quantity_milli) * Decimal(unit_price_minor) / 1000)


@dataclass(frozen=True)
class Totals:
    subtotal: int
    tax: int
    total: int
    usage: int
    breakdown: list[dict]


def compute_totals(lines: list[InvoiceLine]) -> Totals:
    """Tax is computed once per rate on the sum of that rate's lines, rounded half up: rounding
    line by line would let a long invoice drift by a cent per line."""
    by_rate: dict[int, int] = {}
    usage = 0
    for line in lines:
        by_rate[line.tax_rate_bp] = by_rate.get(line.tax_rate_bp, 0) + line.net_minor
        if line.is_usage:
            usage += line.net_minor
    breakdown = [{"rate_bp": rate, "net": net, "tax": _round_half_up(Decimal(net) * rate / 10000)}
                 for rate, net in sorted(by_rate.items())]
    subtotal = sum(b["net"] for b in breakdown)
    tax = sum(b["tax"] for b in breakdown)
    return Totals(subtotal, tax, subtotal + tax, usage, breakdown)


def amount_due(inv: Invoice) -> int:
    """What is still owed on an invoice: never negative (over-payments are credit), nothing on void."""
    if inv.status in (DRAFT, VOID):
        return 0
    return max(inv.total_minor - inv.paid_minor, 0)


def display_status(inv: Invoice, on: date | None = None) -> str:
    if inv.status in OPEN_STATUSES and inv.due_date is not None and inv.due_date < (on or today()) \
            and amount_due(inv) > 0:
        return "overdue"
    return inv.status


def _due_expr():
    return sa.case((Invoice.total_minor > Invoice.paid_minor, Invoice.total_minor - Invoice.paid_minor), else_=0)


def _status_condition(status: str, on: date):
    not_late = sa.or_(Invoice.due_date.is_(None), Invoice.due_date >= on)
    return {
        "unpaid": Invoice.status.in_(OPEN_STATUSES),
        "overdue": sa.and_(Invoice.status.in_(OPEN_STATUSES), Invoice.due_date < on),
        ISSUED: sa.and_(Invoice.status == ISSUED, not_late),
        PARTIALLY_PAID: sa.and_(Invoice.status == PARTIALLY_PAID, not_late),
        PAID: Invoice.status == PAID,
        VOID: Invoice.status == VOID,
        DRAFT: Invoice.status == DRAFT,
    }.get(status)


# ---- files --------------------------------------------------------------------------------------


def _files_dir(area: str) -> Path:
    path = get_settings().data_dir / area
    path.mkdir(parents=True, exist_ok=True)
    return path


def invoices_dir() -> Path:
    return _files_dir("invoices")


def consumption_dir() -> Path:
    return _files_dir("consumption")


def _stored_path(directory: Path, name: str | None) -> Path | None:
    """A stored file by its generated name; anything that is not one of ours is nothing."""
    if not name or not re.fullmatch(r"[0-9a-f]{32}\.(pdf|csv|txt)", name):
        return None
    path = directory / name
    return path if path.is_file() else None


def safe_filename(raw: str, default: str = "file") -> str:
    """A display name without paths, control characters or quotes."""
    name = Path(str(raw or "").replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", name).strip(" .")
    return name[:200] or default


def sniff_upload(data: bytes) -> tuple[str, str]:
    """(extension, content type) read from the content: a PDF, or text (CSV, UTF-8 or Windows-1252)."""
    if data.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if not data or b"\x00" in data:
        raise DomainError("billing.error.file_type")
    head = data[:4096]
    for magic in (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"MZ", b"\x7fELF", b"<?xml", b"<svg",
                  b"<!DOCTYPE", b"<html", b"<HTML"):
        if head.lstrip().startswith(magic):
            raise DomainError("billing.error.file_type")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise DomainError("billing.error.file_type") from None
    if any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text[:4096]):
        raise DomainError("billing.error.file_type")
    return "csv", "text/csv"


# ---- staff: drafts ------------------------------------------------------------------------------


def _invoice(db: Session, invoice_id) -> Invoice:
    key = as_id(invoice_id)
    row = db.get(Invoice, key) if key else None
    if row is None:
        raise NotFound()
    return row


def _draft(db: Session, invoice_id) -> Invoice:
    row = _invoice(db, invoice_id)
    if row.status != DRAFT:
        raise DomainError("billing.error.not_draft")
    return row


def lines_of(db: Session, invoice_id: int) -> list[InvoiceLine]:
    return list(db.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
                        .order_by(InvoiceLine.position, InvoiceLine.id)).all())


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
                  created_by_staff_id=staff.staff_id, language=_document_language(db, account.id))
    db.add(inv)
    db.flush()
    audit.record(db, staff.actor, "invoice.create", target_type="invoice", target_id=inv.id, account_id=account.id)
    return inv


def create_draft_for_number(db: Session, staff: StaffContext, account_number: str) -> Invoice:
    account = db.exec(select(Account).where(func.lower(Account.number) == account_number.strip().lower())).first()
    if account is None:
        raise DomainError("billing.error.account_unknown", number=account_number.strip()[:40])
    return create_draft(db, staff, account.id)


def update_draft(db: Session, staff: StaffContext, invoice_id: int, *, currency: str, due_date: str,
                 notes: str) -> Invoice:
    inv = _draft(db, invoice_id)
    inv.currency = check_currency(currency)
    raw = (due_date or "").strip()
    try:
        inv.due_date = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise DomainError("billing.error.date") from None
    inv.notes = notes.strip()[:2000]
    db.add(inv)
    _retotal(db, inv)
    audit.record(db, staff.actor, "invoice.update", target_type="invoice", target_id=inv.id, account_id=inv.account_id)
    return inv


def save_line(db: Session, staff: StaffContext, invoice_id: int, *, line_id: int | None, description: str,
              quantity: str, unit_price: str, tax_rate: str, is_usage: bool = False) -> InvoiceLine:
    inv = _draft(db, invoice_id)
    description = description.strip()
    if not description:
        raise DomainError("billing.error.description")
    qty = parse_quantity(quantity)
    price = parse_money(unit_price, inv.currency, allow_negative=True)
    rate = parse_rate(tax_rate)
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


# ---- staff: issuing -----------------------------------------------------------------------------


def _document_language(db: Session, account_id: int) -> str:
    """The PDF's language: the account's first billing contact's, else the business default."""
    contacts = billing_contacts(db, account_id)
    return contacts[0].language if contacts else business_view(db).default_language


def billing_contacts(db: Session, account_id: int) -> list[Contact]:
    """Who receives billing mail: account admins whose rights include invoices, active, with access."""
    rows = db.exec(select(Contact).where(Contact.account_id == account_id, Contact.active.is_(True),
                                         Contact.portal_access.is_(True)).order_by(Contact.id)).all()
    return [c for c in rows if MODULE in effective_rights(c)]


def format_number(s: BillingSettings, year: int, seq: int) -> tuple[str, str]:
    """(counter key, number) for the `seq`th invoice of `year`."""
    if s.number_yearly:
        return str(year), f"{s.number_prefix}{year}-{seq:0{s.number_digits}d}"
    return "all", f"{s.number_prefix}{seq:0{s.number_digits}d}"


def _next_number(db: Session, s: BillingSettings, year: int) -> str:
    """Bump the sequence's counter row and return the number, inside the caller's transaction.

    The row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite already holds the database's write
    lock, taken by the status change before this), so two issuers never get the same value, and a
    rolled-back issue rolls the counter back with it: no gap.
    """
    key = "all" if not s.number_yearly else str(year)
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    db.exec(upsert(InvoiceCounter).values(key=key, last_value=0).on_conflict_do_nothing(index_elements=["key"]))
    counter = db.exec(select(InvoiceCounter).where(InvoiceCounter.key == key).with_for_update()
                      .execution_options(populate_existing=True)).one()
    counter.last_value += 1
    db.add(counter)
    db.flush()
    return format_number(s, year, counter.last_value)[1]


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
    then dispatches the deliveries."""
    inv = _draft(db, invoice_id)
    _check_issuable(lines_of(db, inv.id))
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
    inv.language = _document_language(db, inv.account_id)
    number = _next_number(db, s, issued_on.year)
    if db.exec(select(Invoice.id).where(Invoice.number == number)).first() is not None:
        raise DomainError("billing.error.number_taken", number=number)
    inv.number = number
    inv.status = ISSUED if totals.total > 0 else PAID
    db.add(inv)
    db.flush()
    _apply_credit(db, inv)
    # Generated once, now, and kept: an issued invoice's PDF is never regenerated silently.
    from portal_app.billing.pdf import render_invoice_pdf

    pdf = render_invoice_pdf(db, inv, account, lines, s)
    name = f"{secrets.token_hex(16)}.pdf"
    (invoices_dir() / name).write_bytes(pdf)
    inv.pdf_file = name
    db.add(inv)
    db.flush()
    audit.record(db, staff.actor, "invoice.issue", target_type="invoice", target_id=inv.id,
                 account_id=inv.account_id, number=number, total=inv.total_minor, currency=inv.currency)
    return Issued(inv, queue_new_invoice_mail(db, inv, account))


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
    inv = _invoice(db, invoice_id)
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


# ---- payments and credit ------------------------------------------------------------------------


def _refresh_paid(db: Session, inv: Invoice) -> None:
    paid = db.exec(select(func.coalesce(func.sum(PaymentAllocation.amount_minor), 0))
                   .where(PaymentAllocation.invoice_id == inv.id)).one()
    inv.paid_minor = int(paid)
    if inv.status != VOID:
        inv.status = PAID if inv.paid_minor >= inv.total_minor else PARTIALLY_PAID if inv.paid_minor > 0 else ISSUED
    db.add(inv)


def allocate(db: Session, payment: Payment, invoices: list[Invoice], amount: int) -> int:
    """Settle `invoices` in order from `amount` of `payment`, each up to what it still owes; returns
    the rest (credit). Invoices in another currency or void are skipped."""
    left = amount
    for inv in invoices:
        if left <= 0:
            break
        if inv.currency != payment.currency or inv.account_id != payment.account_id:
            continue
        owed = amount_due(inv)
        if owed <= 0:
            continue
        part = min(owed, left)
        db.add(PaymentAllocation(payment_id=payment.id, invoice_id=inv.id, amount_minor=part, created_at=clock.now()))
        db.flush()
        _refresh_paid(db, inv)
        left -= part
    return left


def _apply_credit(db: Session, inv: Invoice) -> None:
    """Credit left from earlier over-payments settles a new invoice of the same currency."""
    payments = db.exec(select(Payment).where(Payment.account_id == inv.account_id, Payment.unallocated_minor > 0,
                                             Payment.status == "succeeded", Payment.currency == inv.currency)
                       .order_by(Payment.id)).all()
    for p in payments:
        if amount_due(inv) <= 0:
            break
        p.unallocated_minor = allocate(db, p, [inv], p.unallocated_minor)
        db.add(p)
    db.flush()


def record_manual_payment(db: Session, staff: StaffContext, invoice_id: int, *, amount: str, received_on: str,
                          reference: str) -> Payment:
    """A bank transfer seen on the statement: settles this invoice; anything above what it owes is credit."""
    inv = _invoice(db, invoice_id)
    if inv.status not in OPEN_STATUSES and inv.status != PAID:
        raise DomainError("billing.error.not_payable")
    minor = parse_money(amount, inv.currency)
    if minor <= 0:
        raise DomainError("billing.error.amount")
    try:
        day = date.fromisoformat(received_on.strip()) if received_on.strip() else today()
    except ValueError:
        raise DomainError("billing.error.date") from None
    if day > today():
        raise DomainError("billing.error.future_date")
    received = datetime(day.year, day.month, day.day, 12, tzinfo=clock.now().tzinfo)
    p = Payment(account_id=inv.account_id, currency=inv.currency, amount_minor=minor, method="bank_transfer",
                status="succeeded", provider="manual", reference=reference.strip()[:200], invoice_ids=[inv.id],
                created_at=clock.now(), received_at=received, recorded_by_staff_id=staff.staff_id)
    db.add(p)
    db.flush()
    p.unallocated_minor = allocate(db, p, [inv], minor)
    db.add(p)
    db.flush()
    audit.record(db, staff.actor, "payment.manual", target_type="payment", target_id=p.id, account_id=inv.account_id,
                 invoice_id=inv.id, amount=minor, currency=inv.currency)
    return p


@lru_cache(maxsize=1)
def _credit_statement():
    return (select(Payment.currency, func.sum(Payment.unallocated_minor))
            .where(Payment.account_id == sa.bindparam("account_id"), Payment.unallocated_minor > 0,
                   Payment.status == "succeeded")
            .group_by(Payment.currency))


def account_credit(db: Session, account_id: int) -> dict[str, int]:
    rows = db.exec(_credit_statement(), params={"account_id": account_id}).all()
    return {cur: int(total) for cur, total in rows if total}


# ---- staff: consumption files -------------------------------------------------------------------


def attach_consumption_file(db: Session, staff: StaffContext, invoice_id: int, filename: str,
                            data: bytes) -> ConsumptionFile:
    inv = _invoice(db, invoice_id)
    if inv.status == VOID:
        raise DomainError("billing.error.void")
    if len(data) > CONSUMPTION_MAX_BYTES:
        raise DomainError("billing.error.file_too_large", max_mb=CONSUMPTION_MAX_BYTES // (1024 * 1024))
    ext, content_type = sniff_upload(data)
    stored = f"{secrets.token_hex(16)}.{ext}"
    (consumption_dir() / stored).write_bytes(data)
    shown = safe_filename(filename, f"consumption.{ext}")
    if not shown.lower().endswith(f".{ext}"):
        shown = f"{shown.rsplit('.', 1)[0] if '.' in shown else shown}.{ext}"
    row = ConsumptionFile(invoice_id=inv.id, account_id=inv.account_id, filename=shown[:200], stored_name=stored,
                          content_type=content_type, size_bytes=len(data), created_at=clock.now(),
                          uploaded_by_staff_id=staff.staff_id)
    db.add(row)
    db.flush()
    audit.record(db, staff.actor, "consumption.attach", target_type="consumption_file", target_id=row.id,
                 account_id=inv.account_id, invoice_id=inv.id)
    return row


def delete_consumption_file(db: Session, staff: StaffContext, file_id: int) -> None:
    row = db.get(ConsumptionFile, as_id(file_id) or 0)
    if row is None:
        raise NotFound()
    path = _stored_path(consumption_dir(), row.stored_name)
    db.delete(row)
    db.flush()
    audit.record(db, staff.actor, "consumption.delete", target_type="consumption_file", target_id=file_id,
                 account_id=row.account_id, invoice_id=row.invoice_id)
    if path is not None:
        path.unlink(missing_ok=True)


def files_of(db: Session, invoice_id: int) -> list[ConsumptionFile]:
    return list(db.exec(select(ConsumptionFile).where(ConsumptionFile.invoice_id == invoice_id)
                        .order_by(ConsumptionFile.id)).all())


def payments_of(db: Session, invoice_id: int) -> list[tuple[Payment, int]]:
    """(payment, amount allocated to this invoice), oldest first."""
    rows = db.exec(select(Payment, PaymentAllocation.amount_minor)
                   .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
                   .where(PaymentAllocation.invoice_id == invoice_id).order_by(Payment.id)).all()
    return [(p, int(a)) for p, a in rows]


# ---- staff: lists -------------------------------------------------------------------------------


def list_invoices_admin(db: Session, *, q: str = "", status: str = "", page: int = 1, page_size: int = PAGE_SIZE):
    query = select(Invoice, Account).join(Account, Account.id == Invoice.account_id)
    count = select(func.count()).select_from(Invoice).join(Account, Account.id == Invoice.account_id)
    conds = []
    cond = _status_condition(status, today()) if status in STAFF_STATUS_FILTERS and status else None
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
    inv = _invoice(db, invoice_id)
    return inv, db.get(Account, inv.account_id)


def list_payments_admin(db: Session, *, page: int = 1, page_size: int = PAGE_SIZE):
    query = select(Payment, Account).join(Account, Account.id == Payment.account_id).where(
        Payment.status != "pending")
    total = db.exec(select(func.count()).select_from(Payment).where(Payment.status != "pending")).one()
    rows = db.exec(query.order_by(Payment.id.desc()).offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return rows, total


def invoice_pdf_for_staff(db: Session, staff: StaffContext, invoice_id) -> tuple[Invoice, Path | bytes]:
    """The stored PDF of an issued invoice, or a preview marked DRAFT (never stored) of a draft."""
    inv = _invoice(db, invoice_id)
    if inv.status == DRAFT:
        from portal_app.billing.pdf import render_invoice_pdf

        return inv, render_invoice_pdf(db, inv, db.get(Account, inv.account_id), lines_of(db, inv.id),
                                       get_settings_row(db), draft=True)
    path = _stored_path(invoices_dir(), inv.pdf_file)
    if path is None:
        raise NotFound()
    return inv, path


def consumption_file_for_staff(db: Session, staff: StaffContext, file_id) -> tuple[ConsumptionFile, Path]:
    key = as_id(file_id)
    row = db.get(ConsumptionFile, key) if key else None
    path = _stored_path(consumption_dir(), row.stored_name) if row else None
    if row is None or path is None:
        raise NotFound()
    return row, path


# ---- customers ----------------------------------------------------------------------------------


def _visible(ctx: PortalContext):
    """An account's invoices a customer may see: never a draft (drafts have no issue date either)."""
    return sa.and_(Invoice.account_id == ctx.account_id, Invoice.issue_date.is_not(None), Invoice.status != DRAFT)


# What a list row shows: plain rows (attribute access like an Invoice), no ORM objects to build.
_LIST_COLUMNS = (Invoice.id, Invoice.number, Invoice.status, Invoice.currency, Invoice.issue_date, Invoice.due_date,
                 Invoice.subtotal_minor, Invoice.tax_minor, Invoice.total_minor, Invoice.paid_minor, Invoice.pdf_file,
                 Invoice.source)


def list_invoices(db: Session, ctx: PortalContext, *, status: str = "", year: int | None = None, page: int = 1,
                  page_size: int = PAGE_SIZE) -> tuple[list, int]:
    """A page of the account's issued invoices (rows with the list's columns), newest first, filtered
    in the database."""
    require_billing(db, ctx)
    status = status if status in CUSTOMER_STATUS_FILTERS else ""
    count, rows = _list_statements(status, bool(year))
    params = {"account_id": ctx.account_id, "today": today(), "offset": (max(page, 1) - 1) * page_size,
              "limit": page_size}
    if year:
        params.update(year_start=date(year, 1, 1), year_end=date(year + 1, 1, 1))
    total = db.exec(count, params=params).one()
    return list(db.exec(rows, params=params).all()), int(total)


@lru_cache(maxsize=32)
def _list_statements(status: str, by_year: bool):
    """The list's count and page statements for one filter combination, built once (building a
    statement costs about as much as SQLite takes to run it)."""
    conds = [Invoice.account_id == sa.bindparam("account_id"), Invoice.issue_date.is_not(None),
             Invoice.status != DRAFT]
    if status:
        conds.append(_status_condition(status, sa.bindparam("today", type_=sa.Date)))
    if by_year:
        conds += [Invoice.issue_date >= sa.bindparam("year_start", type_=sa.Date),
                  Invoice.issue_date < sa.bindparam("year_end", type_=sa.Date)]
    count = select(func.count()).select_from(Invoice).where(*conds)
    rows = (select(*_LIST_COLUMNS).where(*conds).order_by(Invoice.issue_date.desc(), Invoice.id.desc())
            .offset(sa.bindparam("offset")).limit(sa.bindparam("limit")))
    return count, rows


def invoice_years(db: Session, ctx: PortalContext) -> list[int]:
    """Years from the newest to the oldest invoice (index look-ups at both ends, whatever the volume)."""
    require_billing(db, ctx)
    first_q, last_q = _years_statements()
    first = db.exec(first_q, params={"account_id": ctx.account_id}).one()
    last = db.exec(last_q, params={"account_id": ctx.account_id}).one()
    if isinstance(first, str):
        first, last = date.fromisoformat(first), date.fromisoformat(last)
    if first is None or last is None:
        return []
    return list(range(last.year, first.year - 1, -1))


@lru_cache(maxsize=1)
def _years_statements():
    # Two statements: SQLite answers a lone min() or max() from the index's ends, but not both at once.
    account = Invoice.account_id == sa.bindparam("account_id")
    return select(func.min(Invoice.issue_date)).where(account), select(func.max(Invoice.issue_date)).where(account)


def consumption_counts(db: Session, ctx: PortalContext, invoice_ids: list[int]) -> dict[int, int]:
    """How many consumption files each invoice has, or nothing when the account has statements off."""
    if not invoice_ids:
        return {}
    rows = db.exec(_consumption_count_statement(),
                   params={"ids": list(invoice_ids), "account_id": ctx.account_id}).all()
    return {int(i): int(n) for i, n in rows}


@lru_cache(maxsize=1)
def _consumption_count_statement():
    # The account's flag in the same statement: one round trip for the list's paperclips.
    return (select(ConsumptionFile.invoice_id, func.count())
            .join(Account, Account.id == ConsumptionFile.account_id)
            .where(ConsumptionFile.invoice_id.in_(sa.bindparam("ids", expanding=True)),
                   ConsumptionFile.account_id == sa.bindparam("account_id"),
                   Account.send_consumption_statements.is_(True))
            .group_by(ConsumptionFile.invoice_id))


def consumption_allowed(db: Session, ctx: PortalContext) -> bool:
    account = db.get(Account, ctx.account_id)
    return bool(account and account.send_consumption_statements)


def get_invoice(db: Session, ctx: PortalContext, invoice_id, client_ip: str = "") -> Invoice:
    """One of the account's issued invoices; anything else is "not found" (and audited)."""
    require_billing(db, ctx, client_ip)
    key = as_id(invoice_id)
    inv = db.get(Invoice, key) if key else None
    if inv is None or inv.account_id != ctx.account_id or inv.status == DRAFT or inv.issue_date is None:
        raise _denied(db, ctx, "invoice", invoice_id, client_ip)
    return inv


@dataclass
class InvoiceDetail:
    invoice: Invoice
    lines: list[InvoiceLine]
    files: list[ConsumptionFile]
    payments: list[tuple[Payment, int]]
    status: str
    due: int


def invoice_detail(db: Session, ctx: PortalContext, invoice_id) -> InvoiceDetail:
    inv = get_invoice(db, ctx, invoice_id)
    files = files_of(db, inv.id) if consumption_allowed(db, ctx) else []
    payments = [(p, a) for p, a in payments_of(db, inv.id) if p.status == "succeeded"]
    return InvoiceDetail(inv, lines_of(db, inv.id), files, payments, display_status(inv), amount_due(inv))


def invoice_pdf_for_customer(db: Session, ctx: PortalContext, invoice_id, client_ip: str = "") -> tuple[Invoice, Path]:
    inv = get_invoice(db, ctx, invoice_id, client_ip)
    path = _stored_path(invoices_dir(), inv.pdf_file)
    if path is None:
        raise NotFound()
    return inv, path


def consumption_file_for_customer(db: Session, ctx: PortalContext, file_id,
                                  client_ip: str = "") -> tuple[ConsumptionFile, Path]:
    """A consumption file of one of the account's visible invoices, when statements are on."""
    require_billing(db, ctx, client_ip)
    key = as_id(file_id)
    row = db.get(ConsumptionFile, key) if key else None
    inv = db.get(Invoice, row.invoice_id) if row else None
    if row is None or inv is None or row.account_id != ctx.account_id or inv.account_id != ctx.account_id \
            or inv.status == DRAFT or not consumption_allowed(db, ctx):
        raise _denied(db, ctx, "consumption_file", file_id, client_ip)
    path = _stored_path(consumption_dir(), row.stored_name)
    if path is None:
        raise NotFound()
    return row, path


@dataclass(frozen=True)
class DueSummary:
    currency: str
    due: int
    overdue: int
    open_count: int
    overdue_count: int
    next_due: date | None


@lru_cache(maxsize=1)
def _due_statement():
    on = sa.bindparam("today", type_=sa.Date)
    due = _due_expr()
    late = Invoice.due_date < on
    return (select(Invoice.currency, func.sum(due), func.sum(sa.case((late, due), else_=0)), func.count(),
                   func.sum(sa.case((late, 1), else_=0)),
                   func.min(sa.case((Invoice.due_date >= on, Invoice.due_date))))
            .where(Invoice.account_id == sa.bindparam("account_id"), Invoice.status.in_(OPEN_STATUSES))
            .group_by(Invoice.currency))


def amount_due_summary(db: Session, ctx: PortalContext) -> list[DueSummary]:
    """Total still owed, overdue part and next due date, per currency: one aggregate query over the
    account's open invoices (index on account, status, due date), no rows loaded."""
    require_billing(db, ctx)
    rows = db.exec(_due_statement(), params={"account_id": ctx.account_id, "today": today()}).all()
    out = []
    for cur, total, overdue, n, n_late, next_due in rows:
        if isinstance(next_due, str):  # SQLite hands a CASE'd date back as text
            next_due = date.fromisoformat(next_due)
        out.append(DueSummary(cur, int(total or 0), int(overdue or 0), int(n), int(n_late or 0), next_due))
    return sorted(out, key=lambda s: -s.due)


@lru_cache(maxsize=1)
def _monthly_statement():
    return (select(Invoice.issue_date, Invoice.currency, func.sum(Invoice.total_minor), func.sum(Invoice.usage_minor))
            .where(Invoice.account_id == sa.bindparam("account_id"),
                   Invoice.issue_date >= sa.bindparam("start", type_=sa.Date),
                   Invoice.status.in_((ISSUED, PARTIALLY_PAID, PAID)))
            .group_by(Invoice.issue_date, Invoice.currency))


def monthly_billed(db: Session, ctx: PortalContext, months: int = 12) -> tuple[str, list[dict]]:
    """(currency, [{month: date, billed: minor, usage: minor}]) for the last `months` months, oldest
    first, in the currency the account is mostly billed in. Summed in SQL per day and currency (at
    most a few hundred rows, read in index order), then per month here."""
    require_billing(db, ctx)
    on = today()
    y, m = on.year, on.month - (months - 1)
    while m <= 0:
        y, m = y - 1, m + 12
    start = date(y, m, 1)
    rows = db.exec(_monthly_statement(), params={"account_id": ctx.account_id, "start": start}).all()
    if not rows:
        return "", []
    per_currency: dict[str, int] = {}
    found: dict[tuple[str, int, int], list[int]] = {}
    for day, cur, total, usage in rows:
        if isinstance(day, str):
            day = date.fromisoformat(day)
        per_currency[cur] = per_currency.get(cur, 0) + int(total or 0)
        slot = found.setdefault((cur, day.year, day.month), [0, 0])
        slot[0] += int(total or 0)
        slot[1] += int(usage or 0)
    currency = max(per_currency, key=per_currency.get)
    out = []
    yy, mm = start.year, start.month
    for _ in range(months):
        billed, usage = found.get((currency, yy, mm), (0, 0))
        out.append({"month": date(yy, mm, 1), "billed": billed, "usage": usage})
        yy, mm = (yy + 1, 1) if mm == 12 else (yy, mm + 1)
    return currency, out


def list_payments(db: Session, ctx: PortalContext, *, page: int = 1, page_size: int = PAGE_SIZE):
    """A page of the account's received payments, newest first, with the invoice numbers each settled."""
    require_billing(db, ctx)
    conds = (Payment.account_id == ctx.account_id, Payment.status == "succeeded")
    total = db.exec(select(func.count()).select_from(Payment).where(*conds)).one()
    rows = list(db.exec(select(Payment).where(*conds).order_by(Payment.received_at.desc(), Payment.id.desc())
                        .offset((max(page, 1) - 1) * page_size).limit(page_size)).all())
    numbers: dict[int, list[str]] = {}
    if rows:
        for pid, number in db.exec(select(PaymentAllocation.payment_id, Invoice.number)
                                   .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
                                   .where(PaymentAllocation.payment_id.in_([p.id for p in rows]))
                                   .order_by(PaymentAllocation.id)).all():
            numbers.setdefault(pid, []).append(number or "")
    return rows, int(total), numbers


def get_payment(db: Session, ctx: PortalContext, payment_id, client_ip: str = "") -> Payment:
    require_billing(db, ctx, client_ip)
    key = as_id(payment_id)
    p = db.get(Payment, key) if key else None
    if p is None or p.account_id != ctx.account_id or p.status != "succeeded":
        raise _denied(db, ctx, "payment", payment_id, client_ip)
    return p


def payment_lines(db: Session, payment_id: int) -> list[tuple[str, int, str]]:
    """(invoice number, amount, currency) a payment settled."""
    rows = db.exec(select(Invoice.number, PaymentAllocation.amount_minor, Invoice.currency)
                   .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
                   .where(PaymentAllocation.payment_id == payment_id).order_by(PaymentAllocation.id)).all()
    return [(n or "", int(a), c) for n, a, c in rows]


# ---- paying -------------------------------------------------------------------------------------


@dataclass
class PayPlan:
    """What a customer is about to pay: open invoices of one currency and their total due."""

    currency: str
    invoices: list[Invoice]
    amount: int


def pay_plans(db: Session, ctx: PortalContext, *, invoice_id=None) -> list[PayPlan]:
    """One invoice, or everything due (one plan per currency: a card payment has one currency)."""
    require_billing(db, ctx)
    if invoice_id is not None:
        inv = get_invoice(db, ctx, invoice_id)
        if inv.status not in OPEN_STATUSES or amount_due(inv) <= 0:
            return []
        return [PayPlan(inv.currency, [inv], amount_due(inv))]
    rows = db.exec(select(Invoice).where(Invoice.account_id == ctx.account_id, Invoice.status.in_(OPEN_STATUSES))
                   .order_by(Invoice.due_date, Invoice.id).limit(500)).all()
    plans: dict[str, PayPlan] = {}
    for inv in rows:
        owed = amount_due(inv)
        if owed <= 0:
            continue
        plan = plans.setdefault(inv.currency, PayPlan(inv.currency, [], 0))
        plan.invoices.append(inv)
        plan.amount += owed
    return sorted(plans.values(), key=lambda p: -p.amount)


def check_can_pay(db: Session, ctx: PortalContext, client_ip: str = "") -> None:
    """Paying is the customer's own act: refused (and audited) while staff impersonate them."""
    require_billing(db, ctx, client_ip)
    if ctx.impersonating:
        audit.record(db, portal_actor(ctx, client_ip), "payment.refused_impersonating", account_id=ctx.account_id)
        refuse_when_impersonating(ctx, "pay")


def bank_details(db: Session) -> dict[str, str]:
    s = get_settings_row(db)
    return {"beneficiary": s.bank_beneficiary or business_view(db).name, "iban": format_iban(s.bank_iban),
            "bic": s.bank_bic, "bank": s.bank_name}


def transfer_reference(db: Session, ctx: PortalContext, plan: PayPlan) -> str:
    """What the customer writes on a bank transfer so staff can match it."""
    if len(plan.invoices) == 1:
        return plan.invoices[0].number or ""
    account = db.get(Account, ctx.account_id)
    return account.number if account else ""


# ---- import helpers ----------------------------------------------------------------------------


def read_csv(data: bytes) -> list[dict[str, str]]:
    """Rows of a CSV file (comma or semicolon, UTF-8 or Windows-1252), with trimmed lower-case headers."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader]
