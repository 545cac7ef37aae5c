"""Online payment with Stripe Checkout (the hosted payment page) and its webhook.

Keys come from the environment: STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, and STRIPE_API_BASE
(tests only: the SDK then talks to a local server). Without a secret key the portal shows the
bank-transfer details instead.

A checkout is three short transactions around one network call, so no database lock is held while
Stripe answers: (1) a pending payment row, (2) the Checkout session created at Stripe, (3) its id
stored on the row. The webhook (`checkout.session.completed`) is the only thing that records money:
once per event id (stripe_event table) and once per Checkout session (the payment's status).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app.core.config import get_settings
from portal_app.billing.models import OPEN_STATUSES, Invoice, Payment, StripeEvent
from portal_app.core import audit, clock
from portal_app.billing.payments import allocate, check_can_pay, pay_plans
from portal_app.core.errors import DomainError
from portal_app.core.auth.sessions import PortalContext

log = logging.getLogger("guichet.stripe")
# Languages Stripe's hosted page speaks among ours; others get Stripe's own choice.
STRIPE_LOCALES = {"en", "fr", "de", "da", "nl", "pt", "es", "th", "he"}


@dataclass(frozen=True)
class StripeConfig:
    secret_key: str
    webhook_secret: str
    api_base: str

    @property
    def enabled(self) -> bool:
        return bool(self.secret_key)


def stripe_config() -> StripeConfig:
    return StripeConfig(os.environ.get("STRIPE_SECRET_KEY", "").strip(),
                        os.environ.get("STRIPE_WEBHOOK_SECRET", "").strip(),
                        os.environ.get("STRIPE_API_BASE", "").strip())


def online_payment_enabled() -> bool:
    return stripe_config().enabled


def _client(cfg: StripeConfig):
    import stripe

    kwargs = {"http_client": stripe.RequestsClient(timeout=get_settings().provider_timeout_seconds),
              "max_network_retries": 2}
    if cfg.api_base:
        kwargs["base_addresses"] = {"api": cfg.api_base}
    return stripe.StripeClient(cfg.secret_key, **kwargs)


@dataclass(frozen=True)
class Checkout:
    payment_id: int
    amount: int
    currency: str
    description: str
    email: str
    locale: str


def _begin(db: Session, ctx: PortalContext, target: str, client_ip: str = "") -> Checkout:
    """Phase 1: what is paid, as a pending payment row."""
    check_can_pay(db, ctx, client_ip)
    target = str(target or "")
    if target.startswith("all:"):
        currency = target[4:].upper()
        plans = [p for p in pay_plans(db, ctx) if p.currency == currency]
    elif target.isdigit():
        plans = pay_plans(db, ctx, invoice_id=int(target))
    else:
        raise DomainError("billing.error.nothing_to_pay")
    if not plans or plans[0].amount <= 0:
        raise DomainError("billing.error.nothing_to_pay")
    plan = plans[0]
    payment = Payment(account_id=ctx.account_id, currency=plan.currency, amount_minor=plan.amount, method="card",
                      status="pending", provider="stripe", invoice_ids=[i.id for i in plan.invoices],
                      created_at=clock.now(), contact_id=ctx.contact_id)
    db.add(payment)
    db.flush()
    audit.record(db, audit.portal_actor(ctx, client_ip), "payment.checkout_start", target_type="payment",
                 target_id=payment.id, account_id=ctx.account_id, amount=plan.amount, currency=plan.currency)
    numbers = ", ".join(i.number or "" for i in plan.invoices[:10])
    from portal_app.core.i18n import t

    description = (t(ctx.language, "billing.checkout_item", number=numbers) if len(plan.invoices) == 1
                   else t(ctx.language, "billing.checkout_items", count=len(plan.invoices), numbers=numbers))
    return Checkout(payment.id, plan.amount, plan.currency, description[:250], ctx.email, ctx.language)


def _create_session(cfg: StripeConfig, c: Checkout, account_id: int) -> tuple[str, str]:
    """Phase 2: the hosted Checkout page at Stripe. Returns (session id, URL)."""
    base = get_settings().base_url
    params = {
        "mode": "payment",
        "line_items": [{"quantity": 1, "price_data": {"currency": c.currency.lower(), "unit_amount": c.amount,
                                                      "product_data": {"name": c.description}}}],
        "success_url": f"{base}/payments?checkout=done",
        "cancel_url": f"{base}/pay?cancelled=1",
        "client_reference_id": str(c.payment_id),
        "customer_email": c.email,
        "metadata": {"payment_id": str(c.payment_id), "account_id": str(account_id)},
        "payment_intent_data": {"metadata": {"payment_id": str(c.payment_id), "account_id": str(account_id)}},
        "locale": c.locale if c.locale in STRIPE_LOCALES else "auto",
    }
    session = _client(cfg).v1.checkout.sessions.create(
        params=params, options={"idempotency_key": f"guichet-payment-{c.payment_id}"})
    return session.id, session.url


def start_checkout(ctx: PortalContext, target: str, client_ip: str = "") -> str:
    """Run the three phases; returns the URL of Stripe's payment page. Call it off the event loop."""
    from portal_app.core.db import session_scope

    cfg = stripe_config()
    if not cfg.enabled:
        raise DomainError("billing.error.online_off")
    with session_scope() as db:  # a refusal keeps its audit line
        checkout = _begin(db, ctx, target, client_ip)
    try:
        session_id, url = _create_session(cfg, checkout, ctx.account_id)
    except Exception as exc:  # the SDK's errors, network and all: the customer gets a message
        log.error("checkout for payment #%s failed: %s", checkout.payment_id, exc)
        with session_scope() as db:
            p = db.get(Payment, checkout.payment_id)
            p.status, p.error = "failed", str(exc)[:300]
            db.add(p)
        raise DomainError("billing.error.provider") from None
    with session_scope() as db:
        p = db.get(Payment, checkout.payment_id)
        p.provider_ref = session_id
        db.add(p)
    return url


# ---- webhook --------------------------------------------------------------------------------------


class WebhookRefused(Exception):
    """Bad signature, no secret configured, or not JSON: answered 400 and never acted upon."""


def verify(payload: bytes, signature: str | None):
    import stripe

    cfg = stripe_config()
    if not cfg.webhook_secret:
        raise WebhookRefused("no webhook secret configured")
    try:
        return stripe.Webhook.construct_event(payload, signature or "", cfg.webhook_secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise WebhookRefused(type(exc).__name__) from None


def _get(obj, key, default=None):
    try:
        value = obj[key]
    except (KeyError, TypeError, IndexError):
        return default
    return default if value is None else value


def handle_event(db: Session, event) -> str:
    """Act on a verified event once; returns what happened (for logs and tests)."""
    event_id, kind = str(_get(event, "id", "")), str(_get(event, "type", ""))
    if not event_id:
        return "ignored"
    if db.get(StripeEvent, event_id) is not None:
        return "duplicate"
    row = StripeEvent(id=event_id[:100], type=kind[:60], received_at=clock.now())
    db.add(row)
    try:
        db.flush()
    except IntegrityError:  # the same event delivered twice at once: the other delivery has it
        raise DuplicateEvent() from None
    obj = _get(_get(event, "data", {}), "object", {})
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        outcome = _checkout_paid(db, obj) if _get(obj, "payment_status") == "paid" else "awaiting_payment"
    elif kind in ("checkout.session.expired", "checkout.session.async_payment_failed"):
        outcome = _checkout_ended(db, obj, "cancelled" if kind.endswith("expired") else "failed")
    elif kind in ("refund.created", "refund.updated", "refund.failed"):
        from portal_app.billing.refunds import refund_event

        outcome = refund_event(db, obj)
    else:
        outcome = "ignored"
    row.outcome = outcome
    db.add(row)
    return outcome


class DuplicateEvent(Exception):
    pass


def _payment_for(db: Session, session) -> Payment | None:
    session_id = str(_get(session, "id", ""))
    p = db.exec(select(Payment).where(Payment.provider_ref == session_id)).first() if session_id else None
    if p is None:  # the webhook beat phase 3: find it by our own reference, if the session is not another's
        ref = str(_get(session, "client_reference_id", "") or _get(_get(session, "metadata", {}), "payment_id", ""))
        if ref.isdigit():
            p = db.get(Payment, int(ref))
            if p is not None and (p.provider != "stripe" or (p.provider_ref and p.provider_ref != session_id)):
                p = None
    return p


def _checkout_paid(db: Session, session) -> str:
    p = _payment_for(db, session)
    if p is None:
        audit.record(db, audit.SYSTEM, "payment.webhook_unknown", detail_session=str(_get(session, "id", ""))[:100])
        return "unknown_session"
    # Pending → succeeded as one conditional write: of two deliveries of this session, one records it.
    took = db.exec(sa.update(Payment).where(Payment.id == p.id, Payment.status.in_(("pending", "failed", "cancelled")))
                   .values(status="succeeded").execution_options(synchronize_session=False))
    if took.rowcount != 1:
        return "already_recorded"
    db.refresh(p)
    amount = int(_get(session, "amount_total", p.amount_minor))
    currency = str(_get(session, "currency", p.currency)).upper()
    if currency != p.currency:
        log.error("payment #%s: Stripe currency %s differs from %s", p.id, currency, p.currency)
    p.amount_minor, p.received_at = amount, clock.now()
    p.provider_ref = p.provider_ref or str(_get(session, "id", ""))[:100]
    p.provider_payment_id = str(_get(session, "payment_intent", "") or "")[:100]
    db.add(p)
    db.flush()
    invoices = db.exec(select(Invoice).where(Invoice.id.in_(p.invoice_ids or [-1]),
                                             Invoice.account_id == p.account_id)
                       .order_by(Invoice.due_date, Invoice.id)).all()
    p.unallocated_minor = allocate(db, p, [i for i in invoices if i.status in OPEN_STATUSES], amount)
    db.add(p)
    db.flush()
    audit.record(db, audit.Actor("system", None, "stripe"), "payment.received", target_type="payment",
                 target_id=p.id, account_id=p.account_id, amount=amount, currency=p.currency,
                 credit=p.unallocated_minor)
    return "recorded"


def _checkout_ended(db: Session, session, status: str) -> str:
    p = _payment_for(db, session)
    if p is None or p.status != "pending":
        return "ignored"
    p.status = status
    db.add(p)
    return status
