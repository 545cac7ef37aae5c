"""Credit notes: cancelling an issued invoice, wholly or for chosen lines and quantities.

An issued invoice is never deleted or edited: a credit note with its own gapless number and its own
PDF takes back what it names. What the invoice still owes drops by the credited amount; what had
already been paid beyond what is left owing goes back to the payments it came from, as account credit
(newest allocation first). Crediting everything that remains voids the invoice.

Like issuing, a credit note is all or nothing inside a SAVEPOINT: its number (counter row locked with
SELECT … FOR UPDATE on PostgreSQL), its lines, the invoice's amounts, the released credit and the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, func, select

from portal_app.billing.access import denied, invoice_row, lines_of, require_billing
from portal_app.billing.amounts import Totals, as_id, compute_totals, line_net, parse_quantity
from portal_app.billing.models import (CreditNote, CreditNoteLine, ISSUED, Invoice, InvoiceLine, PAID, PARTIALLY_PAID,
                                       Payment, PaymentAllocation, VOID)
from portal_app.billing.numbering import CREDIT_NOTE, next_number
from portal_app.billing.payments import refresh_paid, take_back
from portal_app.billing.settings import get_settings_row
from portal_app.billing.storage import invoices_dir, store_new_pdf, stored_path
from portal_app.core import audit, clock
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.auth.staff import StaffContext
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import Account

CREDITABLE = (ISSUED, PARTIALLY_PAID, PAID)


@dataclass(frozen=True)
class Remaining:
    """What is still creditable of one invoice line."""

    line: InvoiceLine
    quantity_milli: int
    net_minor: int


def credited_by_line(db: Session, invoice_id: int) -> dict[int, tuple[int, int]]:
    """{invoice line id: (quantity credited, net credited)} over the invoice's credit notes."""
    rows = db.exec(select(CreditNoteLine.invoice_line_id, func.sum(CreditNoteLine.quantity_milli),
                          func.sum(CreditNoteLine.net_minor))
                   .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
                   .where(CreditNote.invoice_id == invoice_id)
                   .group_by(CreditNoteLine.invoice_line_id)).all()
    return {lid: (int(q or 0), int(n or 0)) for lid, q, n in rows}


def remaining_lines(db: Session, inv: Invoice) -> list[Remaining]:
    done = credited_by_line(db, inv.id)
    out = []
    for line in lines_of(db, inv.id):
        q, n = done.get(line.id, (0, 0))
        out.append(Remaining(line, line.quantity_milli - q, line.net_minor - n))
    return out


def _credited_tax(db: Session, invoice_id: int) -> dict[int, int]:
    """{rate: tax already credited at that rate} over the invoice's credit notes."""
    out: dict[int, int] = {}
    for breakdown in db.exec(select(CreditNote.tax_breakdown).where(CreditNote.invoice_id == invoice_id)).all():
        for b in breakdown or []:
            out[b["rate_bp"]] = out.get(b["rate_bp"], 0) + int(b["tax"])
    return out


def _closing_totals(db: Session, inv: Invoice, lines: list[CreditNoteLine]) -> Totals:
    """The last credit note of an invoice takes exactly what is left of each rate's tax, so that the
    credit notes together always equal the invoice to the cent (per-rate rounding could drift)."""
    t = compute_totals(lines)
    before = _credited_tax(db, inv.id)
    invoice_tax = {b["rate_bp"]: int(b["tax"]) for b in inv.tax_breakdown or []}
    breakdown = [{**b, "tax": invoice_tax.get(b["rate_bp"], 0) - before.get(b["rate_bp"], 0)} for b in t.breakdown]
    tax = sum(b["tax"] for b in breakdown)
    return Totals(t.subtotal, tax, t.subtotal + tax, t.usage, breakdown)


def _chosen(db: Session, inv: Invoice, quantities: dict | None) -> tuple[list[CreditNoteLine], bool]:
    """The credit note's lines, and whether they take everything that remained. `quantities` maps
    invoice line ids to typed quantities (blank or missing: not credited); None credits all that remains."""
    remaining = remaining_lines(db, inv)
    by_id = {r.line.id: r for r in remaining}
    wanted: dict[int, int] = {}
    if quantities is None:
        wanted = {r.line.id: r.quantity_milli for r in remaining if r.quantity_milli > 0}
    else:
        for raw_id, raw_qty in quantities.items():
            if not str(raw_qty or "").strip():
                continue
            key = as_id(raw_id)
            if key is None or key not in by_id:
                raise NotFound()
            qty = parse_quantity(str(raw_qty)[:20])
            if qty > by_id[key].quantity_milli:
                raise DomainError("billing.error.credit_exceeds", line=by_id[key].line.description[:80])
            wanted[key] = qty
    if not wanted:
        raise DomainError("billing.error.nothing_to_credit")
    out = []
    for pos, r in enumerate((by_id[k] for k in sorted(wanted, key=lambda k: (by_id[k].line.position, k))), 1):
        qty = wanted[r.line.id]
        # The rest of a line is exactly its rest in money (no rounding left behind).
        net = r.net_minor if qty == r.quantity_milli else line_net(qty, r.line.unit_price_minor)
        out.append(CreditNoteLine(credit_note_id=0, invoice_line_id=r.line.id, position=pos,
                                  description=r.line.description, quantity_milli=qty,
                                  unit_price_minor=r.line.unit_price_minor, tax_rate_bp=r.line.tax_rate_bp,
                                  net_minor=net, is_usage=r.line.is_usage))
    closes = all(wanted.get(r.line.id, 0) == r.quantity_milli for r in remaining)
    return out, closes


def _release_overpaid(db: Session, inv: Invoice) -> int:
    """What was paid beyond what the invoice now owes goes back to its payments (newest allocation
    first) as account credit. Returns the amount released."""
    excess = inv.paid_minor - (inv.total_minor - inv.credited_minor)
    released = 0
    if excess <= 0:
        return 0
    allocs = db.exec(select(PaymentAllocation).where(PaymentAllocation.invoice_id == inv.id)
                     .order_by(PaymentAllocation.id.desc())).all()
    for alloc, part in take_back(db, list(allocs), excess):
        payment = db.get(Payment, alloc.payment_id)
        payment.unallocated_minor += part
        db.add(payment)
        released += part
    db.flush()
    return released


def credit_invoice(db: Session, staff: StaffContext, invoice_id, reason: str,
                   quantities: dict | None = None) -> CreditNote:
    """Issue a credit note against an issued invoice: all that remains (`quantities` None: cancelling
    it) or the chosen quantities of chosen lines. The caller commits."""
    inv = invoice_row(db, invoice_id)
    reason = (reason or "").strip()
    written: list[Path] = []
    try:
        if inv.status not in CREDITABLE:
            raise DomainError("billing.error.cannot_credit")
        if not reason:
            raise DomainError("billing.error.credit_reason")
        with db.begin_nested():
            return _credit(db, staff, inv, reason[:300], quantities, written)
    except (DomainError, NotFound) as exc:
        for path in written:
            path.unlink(missing_ok=True)
        audit.record(db, staff.actor, "credit_note.refused", target_type="invoice", target_id=inv.id,
                     account_id=inv.account_id, reason=getattr(exc, "key", "not_found"))
        raise
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _credit(db: Session, staff: StaffContext, inv: Invoice, reason: str, quantities: dict | None,
            written: list[Path]) -> CreditNote:
    # First write: locks the invoice row (PostgreSQL) or the database (SQLite), so two credit notes of
    # one invoice are made one after the other and the second sees what the first took.
    took = db.exec(sa.update(Invoice).where(Invoice.id == inv.id, Invoice.status.in_(CREDITABLE))
                   .values(credited_minor=Invoice.credited_minor).execution_options(synchronize_session=False))
    if took.rowcount != 1:
        raise DomainError("billing.error.cannot_credit")
    db.refresh(inv)
    lines, closes = _chosen(db, inv, quantities)
    totals = _closing_totals(db, inv, lines) if closes else compute_totals(lines)
    if totals.total <= 0:
        raise DomainError("billing.error.credit_not_positive")
    if totals.total > inv.total_minor - inv.credited_minor:
        raise DomainError("billing.error.credit_exceeds_total")
    s = get_settings_row(db)
    now = clock.now()
    number = next_number(db, s, now.date().year, CREDIT_NOTE)
    if db.exec(select(CreditNote.id).where(CreditNote.number == number)).first() is not None:
        raise DomainError("billing.error.number_taken", number=number)
    note = CreditNote(account_id=inv.account_id, invoice_id=inv.id, number=number, currency=inv.currency,
                      language=inv.language, issue_date=now.date(), reason=reason, subtotal_minor=totals.subtotal,
                      tax_minor=totals.tax, total_minor=totals.total, usage_minor=totals.usage,
                      tax_breakdown=totals.breakdown, created_at=now, created_by_staff_id=staff.staff_id)
    db.add(note)
    db.flush()
    for line in lines:
        line.credit_note_id = note.id
        db.add(line)
    inv.credited_minor += totals.total
    db.add(inv)
    db.flush()
    note.released_minor = _release_overpaid(db, inv)
    refresh_paid(db, inv)
    if closes or inv.credited_minor >= inv.total_minor:
        inv.status, inv.voided_at, inv.void_reason = VOID, now, reason
        db.add(inv)
    db.flush()
    from portal_app.billing.pdf import render_credit_note_pdf

    from portal_app.billing import einvoice

    account = db.get(Account, inv.account_id)
    pdf = einvoice.embed(render_credit_note_pdf(db, note, inv, account, lines, s),
                         einvoice.credit_note_xml(db, note, inv, account, lines, s), note.language)
    note.pdf_file = store_new_pdf(pdf, written)
    db.add(note)
    db.flush()
    audit.record(db, staff.actor, "credit_note.issue", target_type="credit_note", target_id=note.id,
                 account_id=inv.account_id, invoice_id=inv.id, number=number, total=note.total_minor,
                 currency=note.currency, full=closes, released=note.released_minor)
    return note


def credit_note_lines(db: Session, credit_note_id: int) -> list[CreditNoteLine]:
    return list(db.exec(select(CreditNoteLine).where(CreditNoteLine.credit_note_id == credit_note_id)
                        .order_by(CreditNoteLine.position, CreditNoteLine.id)).all())


def credit_notes_of(db: Session, invoice_id: int) -> list[CreditNote]:
    return list(db.exec(select(CreditNote).where(CreditNote.invoice_id == invoice_id).order_by(CreditNote.id)).all())


def credit_numbers_by_invoice(db: Session, account_id: int, invoice_ids: list[int]) -> dict[int, list[str]]:
    """{invoice id: [credit note numbers]} for a page of the account's invoices (one query)."""
    if not invoice_ids:
        return {}
    out: dict[int, list[str]] = {}
    for iid, number in db.exec(select(CreditNote.invoice_id, CreditNote.number)
                               .where(CreditNote.account_id == account_id, CreditNote.invoice_id.in_(invoice_ids))
                               .order_by(CreditNote.id)).all():
        out.setdefault(iid, []).append(number)
    return out


def credit_note_row(db: Session, credit_note_id) -> CreditNote:
    key = as_id(credit_note_id)
    row = db.get(CreditNote, key) if key else None
    if row is None:
        raise NotFound()
    return row


def get_credit_note(db: Session, ctx: PortalContext, credit_note_id, client_ip: str = "") -> CreditNote:
    """One of the account's credit notes; another account's, or none, is "not found" (and audited)."""
    require_billing(db, ctx, client_ip)
    key = as_id(credit_note_id)
    note = db.get(CreditNote, key) if key else None
    if note is None or note.account_id != ctx.account_id:
        raise denied(db, ctx, "credit_note", credit_note_id, client_ip)
    return note


def credit_note_pdf_for_customer(db: Session, ctx: PortalContext, credit_note_id,
                                 client_ip: str = "") -> tuple[CreditNote, Path]:
    note = get_credit_note(db, ctx, credit_note_id, client_ip)
    path = stored_path(invoices_dir(), note.pdf_file)
    if path is None:
        raise NotFound()
    return note, path


def credit_note_pdf_for_staff(db: Session, staff: StaffContext, credit_note_id) -> tuple[CreditNote, Path]:
    note = credit_note_row(db, credit_note_id)
    path = stored_path(invoices_dir(), note.pdf_file)
    if path is None:
        raise NotFound()
    return note, path


def plain_quantity(milli: int) -> str:
    """A quantity as staff type it back ("1.5")."""
    return f"{Decimal(milli) / 1000:f}"
