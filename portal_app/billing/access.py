"""Who may see what of billing: the invoices right, and another account's object answered like a missing
one (and audited). Also the plain look-ups by id the other billing modules start from."""

from __future__ import annotations

from sqlmodel import Session, select

from portal_app.billing.amounts import MODULE, as_id
from portal_app.billing.models import DRAFT, Invoice, InvoiceLine, Payment
from portal_app.core import audit
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.errors import Forbidden, NotFound


def require_billing(db: Session, ctx: PortalContext, client_ip: str = "") -> None:
    """Billing is for contacts whose role and rights include invoices (and a business that offers it)."""
    if not ctx.can(MODULE):
        audit.record(db, audit.portal_actor(ctx, client_ip), "billing.forbidden", account_id=ctx.account_id)
        raise Forbidden()


def denied(db: Session, ctx: PortalContext, target_type: str, target_id, client_ip: str = "") -> NotFound:
    """Another account's object, a draft, or nothing at all: the same answer, and a line in the audit log."""
    audit.record(db, audit.portal_actor(ctx, client_ip), "billing.denied", target_type=target_type,
                 target_id=as_id(target_id), account_id=ctx.account_id)
    refused = NotFound()
    refused.recorded = True  # one audit row for a foreign id and a missing one alike
    return refused


def invoice_row(db: Session, invoice_id) -> Invoice:
    """Any invoice by id (the console's look-up; customers go through `get_invoice`)."""
    key = as_id(invoice_id)
    row = db.get(Invoice, key) if key else None
    if row is None:
        raise NotFound()
    return row


def lines_of(db: Session, invoice_id: int) -> list[InvoiceLine]:
    """An invoice's lines in their order."""
    return list(db.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
                        .order_by(InvoiceLine.position, InvoiceLine.id)).all())


def get_invoice(db: Session, ctx: PortalContext, invoice_id, client_ip: str = "") -> Invoice:
    """One of the account's issued invoices; anything else is "not found" (and audited)."""
    require_billing(db, ctx, client_ip)
    key = as_id(invoice_id)
    inv = db.get(Invoice, key) if key else None
    if inv is None or inv.account_id != ctx.account_id or inv.status == DRAFT or inv.issue_date is None:
        raise denied(db, ctx, "invoice", invoice_id, client_ip)
    return inv


def get_payment(db: Session, ctx: PortalContext, payment_id, client_ip: str = "") -> Payment:
    require_billing(db, ctx, client_ip)
    key = as_id(payment_id)
    p = db.get(Payment, key) if key else None
    if p is None or p.account_id != ctx.account_id or p.status != "succeeded":
        raise denied(db, ctx, "payment", payment_id, client_ip)
    return p
