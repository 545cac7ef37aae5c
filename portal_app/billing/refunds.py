"""Refunds of card payments through Stripe: staff ask (all or part of a payment), Stripe's webhook confirms.

Like a checkout, a refund is short transactions around one network call, so no lock is held while Stripe
answers: (1) a pending refund row whose amount is reserved on the payment by one conditional UPDATE (two
refunds at once never add up to more than the payment), (2) the refund created at Stripe with the row's
id as idempotency key (a retried call refunds once), (3) Stripe's refund id stored on the row. Only the
webhook (`refund.created` / `refund.updated` / `refund.failed`) moves money: a succeeded refund takes back
the payment's unused credit first, then its settlements, newest first (those invoices are owed again,
unless a credit note covered them, which is what releases a payment into credit); a failed one gives its
reservation back. Each transition is a conditional UPDATE from "pending", so a refund counts once however
often Stripe tells it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from portal_app.billing.amounts import as_id, parse_money
from portal_app.billing.card_payments import _client, _get, stripe_config
from portal_app.billing.models import Invoice, Payment, PaymentAllocation, Refund
from portal_app.billing.payments import refresh_paid, take_back
from portal_app.core import audit, clock
from portal_app.core.auth.staff import StaffContext
from portal_app.core.errors import DomainError, NotFound

log = logging.getLogger("guichet.stripe")
REASON_MAX = 300


def refundable(payment: Payment) -> int:
    """What may still be refunded: the payment less the refunds asked or made."""
    if payment.provider != "stripe" or payment.status != "succeeded" or not payment.provider_payment_id:
        return 0
    return max(payment.amount_minor - (payment.refunded_minor or 0), 0)


@dataclass(frozen=True)
class RefundStart:
    refund_id: int
    payment_id: int
    payment_intent: str
    amount: int
    currency: str


def begin_refund(db: Session, staff: StaffContext, payment_id, amount: str, reason: str) -> RefundStart:
    """Phase 1: the pending refund row, its amount reserved on the payment. Empty amount: all that is left."""
    p = db.get(Payment, as_id(payment_id) or 0)
    if p is None:
        raise NotFound()
    left = refundable(p)
    if left <= 0:
        raise DomainError("billing.error.not_refundable")
    minor = parse_money(amount, p.currency) if str(amount or "").strip() else left
    if minor <= 0:
        raise DomainError("billing.error.amount")
    took = db.exec(sa.update(Payment).where(Payment.id == p.id,
                                            Payment.amount_minor - Payment.refunded_minor >= minor)
                   .values(refunded_minor=Payment.refunded_minor + minor).execution_options(synchronize_session=False))
    if took.rowcount != 1:
        raise DomainError("billing.error.refund_exceeds")
    r = Refund(payment_id=p.id, account_id=p.account_id, currency=p.currency, amount_minor=minor,
               reason=" ".join(str(reason or "").split())[:REASON_MAX], created_at=clock.now(),
               created_by_staff_id=staff.staff_id)
    db.add(r)
    db.flush()
    audit.record(db, staff.actor, "refund.request", target_type="refund", target_id=r.id, account_id=p.account_id,
                 payment_id=p.id, amount=minor, currency=p.currency)
    return RefundStart(r.id, p.id, p.provider_payment_id, minor, p.currency)


def _create_at_stripe(start: RefundStart) -> str:
    """Phase 2: the refund at Stripe; returns its id."""
    refund = _client(stripe_config()).v1.refunds.create(
        params={"payment_intent": start.payment_intent, "amount": start.amount,
                "metadata": {"refund_id": str(start.refund_id), "payment_id": str(start.payment_id)}},
        options={"idempotency_key": f"guichet-refund-{start.refund_id}"})
    return str(refund.id)


def start_refund(staff: StaffContext, payment_id, amount: str, reason: str) -> int:
    """Run the three phases; returns the refund's id. Call it off the event loop."""
    from portal_app.core.db import session_scope

    if not stripe_config().enabled:
        raise DomainError("billing.error.online_off")
    with session_scope() as db:
        start = begin_refund(db, staff, payment_id, amount, reason)
    try:
        provider_id = _create_at_stripe(start)
    except Exception as exc:  # the SDK's errors, network and all: staff get a message, the amount is freed
        log.error("refund #%s of payment #%s failed: %s", start.refund_id, start.payment_id, exc)
        with session_scope() as db:
            _end(db, db.get(Refund, start.refund_id), "failed", str(exc))
        raise DomainError("billing.error.provider") from None
    with session_scope() as db:
        r = db.get(Refund, start.refund_id)
        if not r.provider_refund_id:
            r.provider_refund_id = provider_id[:100]
            db.add(r)
    return start.refund_id


# ---- webhook --------------------------------------------------------------------------------------


def _refund_for(db: Session, obj) -> Refund | None:
    provider_id = str(_get(obj, "id", ""))
    r = db.exec(select(Refund).where(Refund.provider_refund_id == provider_id)).first() if provider_id else None
    if r is None:  # the webhook beat phase 3: our own id, if that row is not another refund's
        ref = str(_get(_get(obj, "metadata", {}), "refund_id", ""))
        r = db.get(Refund, int(ref)) if ref.isdigit() else None
        if r is not None and r.provider_refund_id and r.provider_refund_id != provider_id:
            r = None
        if r is not None and not r.provider_refund_id:
            r.provider_refund_id = provider_id[:100]
    return r


def refund_event(db: Session, obj) -> str:
    """A Stripe Refund object from the webhook: record success or failure once."""
    r = _refund_for(db, obj)
    if r is None:
        audit.record(db, audit.SYSTEM, "refund.webhook_unknown", detail_refund=str(_get(obj, "id", ""))[:100])
        return "unknown_refund"
    status = str(_get(obj, "status", ""))
    if status == "succeeded":
        return _succeed(db, r)
    if status in ("failed", "canceled"):
        return _end(db, r, "failed", str(_get(obj, "failure_reason", status)))
    return "refund_pending"


def _claim(db: Session, r: Refund, status: str) -> bool:
    took = db.exec(sa.update(Refund).where(Refund.id == r.id, Refund.status == "pending")
                   .values(status=status).execution_options(synchronize_session=False))
    if took.rowcount == 1:
        db.refresh(r)
    return took.rowcount == 1


def _end(db: Session, r: Refund, status: str, error: str) -> str:
    if not _claim(db, r, status):
        return "already_recorded"
    r.error = error[:300]
    db.add(r)
    db.exec(sa.update(Payment).where(Payment.id == r.payment_id)
            .values(refunded_minor=Payment.refunded_minor - r.amount_minor).execution_options(synchronize_session=False))
    audit.record(db, audit.Actor("system", None, "stripe"), "refund.failed", target_type="refund", target_id=r.id,
                 account_id=r.account_id, payment_id=r.payment_id, amount=r.amount_minor)
    return "refund_failed"


def _succeed(db: Session, r: Refund) -> str:
    if not _claim(db, r, "succeeded"):
        return "already_recorded"
    r.succeeded_at = clock.now()
    db.add(r)
    p = db.get(Payment, r.payment_id)
    db.refresh(p)
    left = r.amount_minor
    from_credit = min(p.unallocated_minor, left)
    p.unallocated_minor -= from_credit
    left -= from_credit
    db.add(p)
    allocations = db.exec(select(PaymentAllocation).where(PaymentAllocation.payment_id == p.id)
                          .order_by(PaymentAllocation.id.desc())).all()
    for alloc, _ in take_back(db, list(allocations), left):
        refresh_paid(db, db.get(Invoice, alloc.invoice_id))
    db.flush()
    audit.record(db, audit.Actor("system", None, "stripe"), "refund.succeeded", target_type="refund", target_id=r.id,
                 account_id=r.account_id, payment_id=p.id, amount=r.amount_minor, currency=r.currency)
    return "refunded"


def refunds_of(db: Session, payment_ids: list[int]) -> dict[int, list[Refund]]:
    """The refunds of these payments, oldest first (for the payment lists)."""
    out: dict[int, list[Refund]] = {}
    if payment_ids:
        for r in db.exec(select(Refund).where(Refund.payment_id.in_(payment_ids)).order_by(Refund.id)).all():
            out.setdefault(r.payment_id, []).append(r)
    return out
