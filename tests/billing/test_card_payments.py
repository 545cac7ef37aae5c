"""Stripe Checkout through the real `stripe` SDK, pointed at a local HTTP server on 127.0.0.1, and the
webhook: signature checked, forged signatures refused, a payment recorded once however often Stripe
delivers it."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.core.routes import build_api
from portal_app.core.db import session_scope
from portal_app.core.models.audit import AuditEvent
from portal_app.billing.models import Invoice, Payment, PaymentAllocation, StripeEvent
from portal_app.billing import amounts, card_payments as billing_stripe, payments
from portal_app.billing.state import PayState
from portal_app.core.config import reload_settings
from portal_app.core.auth import impersonation, sessions as portal_sessions
from portal_app.core.errors import DomainError
from tests.factories import make_account, make_contact, make_issued, portal_context, staff_context
from tests.billing.conftest import WEBHOOK_SECRET
from tests.support.fake_http import Reply
from tests.support.states import router_data, run_background, sub

_n = itertools.count(1)


@pytest.fixture(autouse=True)
def _database(migrated_db):
    return migrated_db


def setup_customer(*invoices):
    with session_scope() as db:
        account = make_account(db, name=f"Stripe Co {next(_n)}")
        contact = make_contact(db, account, email=f"stripe{next(_n)}@example.com", portal_role="admin",
                               language="fr")
        ids = [make_issued(db, account, lines).id for lines in invoices or [(("Service", "1", "100.00", "20"),)]]
        return account.id, contact.id, ids, portal_context(db, contact)


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    ts = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def event(event_id: str, session_id: str, payment_id: int, amount: int, kind: str = "checkout.session.completed",
          status: str = "paid") -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": {
        "id": session_id, "object": "checkout.session", "payment_status": status, "amount_total": amount,
        "currency": "eur", "client_reference_id": str(payment_id), "payment_intent": "pi_test_1",
        "metadata": {"payment_id": str(payment_id)}}}}).encode()


def post(client, payload: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/api/stripe/webhook", content=payload, headers=headers)


def test_checkout_sends_the_real_request_shape(stripe_server):
    sid = stripe_server.session_id
    account_id, contact_id, (inv_id,), ctx = setup_customer()
    url = billing_stripe.start_checkout(ctx, str(inv_id), "203.0.113.9")
    assert url == f"https://checkout.stripe.com/c/pay/{sid}"
    (req,) = stripe_server.requests_to("/v1/checkout/sessions")
    assert req.method == "POST" and req.header("Authorization") == "Bearer sk_test_123"
    form = req.form
    with session_scope() as db:
        p = db.exec(select(Payment).where(Payment.account_id == account_id)).one()
        number = db.get(Invoice, inv_id).number
    assert req.header("Idempotency-Key") == f"guichet-payment-{p.id}"
    assert form["mode"] == "payment" and form["locale"] == "fr"
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][price_data][unit_amount]"] == "12000"
    assert form["line_items[0][price_data][product_data][name]"] == f"Facture {number}"
    assert form["client_reference_id"] == str(p.id) and form["metadata[payment_id]"] == str(p.id)
    assert form["success_url"].endswith("/payments?checkout=done") and form["cancel_url"].endswith("/pay?cancelled=1")
    assert form["success_url"].startswith("http://localhost:3000")  # the configured base URL, not a Host header
    assert (p.status, p.provider, p.provider_ref, p.amount_minor, p.invoice_ids) == \
        ("pending", "stripe", sid, 12000, [inv_id])
    with session_scope() as db:
        assert db.get(Invoice, inv_id).paid_minor == 0  # nothing is paid until Stripe says so


def test_pay_everything_due_in_one_checkout(stripe_server):
    account_id, _, ids, ctx = setup_customer((("a", "1", "10", "0"),), (("b", "1", "5.50", "0"),))
    billing_stripe.start_checkout(ctx, "all:EUR")
    form = stripe_server.requests_to("/v1/checkout/sessions")[0].form
    assert form["line_items[0][price_data][unit_amount]"] == "1550"
    with session_scope() as db:
        p = db.exec(select(Payment).where(Payment.account_id == account_id)).one()
    assert sorted(p.invoice_ids) == sorted(ids)
    with pytest.raises(DomainError) as err:
        billing_stripe.start_checkout(ctx, "all:USD")
    assert err.value.key == "billing.error.nothing_to_pay"


def test_provider_failure_is_a_message_and_a_failed_row(stripe_server):
    stripe_server.set_reply("/v1/checkout/sessions", Reply(400, {"error": {"type": "invalid_request_error",
                                                                           "message": "bad currency"}}))
    account_id, _, (inv_id,), ctx = setup_customer()
    with pytest.raises(DomainError) as err:
        billing_stripe.start_checkout(ctx, str(inv_id))
    assert err.value.key == "billing.error.provider"
    with session_scope() as db:
        p = db.exec(select(Payment).where(Payment.account_id == account_id)).one()
    assert p.status == "failed" and "bad currency" in p.error


def test_checkout_refused_while_impersonating_and_for_other_accounts(stripe_server):
    account_id, contact_id, (inv_id,), ctx = setup_customer()
    _, _, (other_inv,), _ = setup_customer()
    with pytest.raises(DomainError) as err:
        billing_stripe.start_checkout(ctx, str(other_inv))
    assert err.value.key == "error.not_found"
    with session_scope() as db:
        from portal_app.core.auth import staff as staff_service
        from tests.factories import staff_session_at_clock

        staff = staff_service.resolve(db, staff_session_at_clock(db))  # a live console session
        token = impersonation.start(db, staff, contact_id)
        as_staff = portal_sessions.resolve_session(db, token)
    with pytest.raises(DomainError) as err:
        billing_stripe.start_checkout(as_staff, str(inv_id))
    assert err.value.key == "impersonation.error.refused"
    assert stripe_server.requests_to("/v1/checkout/sessions") == []


def test_webhook_records_the_payment_once(stripe_server):
    sid = stripe_server.session_id
    account_id, _, (inv_id,), ctx = setup_customer()
    billing_stripe.start_checkout(ctx, str(inv_id))
    with session_scope() as db:
        p = db.exec(select(Payment).where(Payment.account_id == account_id)).one()
    client = TestClient(build_api())
    body = event("evt_1_" + sid, sid, p.id, 12000)
    first = post(client, body, sign(body))
    assert first.status_code == 200 and first.json()["outcome"] == "recorded"
    again = post(client, body, sign(body))  # Stripe retries the same event
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    other_event = event("evt_2_" + sid, sid, p.id, 12000, kind="checkout.session.async_payment_succeeded")
    third = post(client, other_event, sign(other_event))  # another event about the same session
    assert third.json()["outcome"] == "already_recorded"
    with session_scope() as db:
        p = db.get(Payment, p.id)
        inv = db.get(Invoice, inv_id)
        allocs = db.exec(select(PaymentAllocation).where(PaymentAllocation.payment_id == p.id)).all()
        assert (p.status, p.amount_minor, p.provider_payment_id, p.unallocated_minor) == \
            ("succeeded", 12000, "pi_test_1", 0)
        assert (inv.status, inv.paid_minor) == ("paid", 12000) and len(allocs) == 1
        ids = ["evt_1_" + sid, "evt_2_" + sid]
        assert {e.id for e in db.exec(select(StripeEvent).where(StripeEvent.id.in_(ids)))} == set(ids)
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "payment.received",
                                                AuditEvent.target_id == p.id)).one()


def test_concurrent_duplicate_deliveries_record_one_payment(stripe_server):
    sid = stripe_server.session_id
    account_id, _, (inv_id,), ctx = setup_customer()
    billing_stripe.start_checkout(ctx, str(inv_id))
    with session_scope() as db:
        p = db.exec(select(Payment).where(Payment.account_id == account_id)).one()
    client = TestClient(build_api())
    bodies = [event(f"evt_c{i}_{sid}", sid, p.id, 12000) for i in range(3)] * 2
    results: list[int] = []
    barrier = threading.Barrier(len(bodies))

    def deliver(body):
        barrier.wait()
        results.append(post(client, body, sign(body)).status_code)

    threads = [threading.Thread(target=deliver, args=(b,)) for b in bodies]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [200] * len(bodies)
    with session_scope() as db:
        assert db.get(Invoice, inv_id).paid_minor == 12000
        assert len(db.exec(select(PaymentAllocation).where(PaymentAllocation.payment_id == p.id)).all()) == 1


def test_overpayment_through_stripe_becomes_credit(stripe_server):
    sid = stripe_server.session_id
    account_id, _, (inv_id,), ctx = setup_customer()
    billing_stripe.start_checkout(ctx, str(inv_id))
    with session_scope() as db:
        p = db.exec(select(Payment).where(Payment.account_id == account_id)).one()
        # meanwhile staff recorded a bank transfer for half of it
        payments.record_manual_payment(db, staff_context(db), inv_id, amount="60", received_on="", reference="VIR")
    body = event("evt_over_" + sid, sid, p.id, 12000)
    assert post(TestClient(build_api()), body, sign(body)).json()["outcome"] == "recorded"
    with session_scope() as db:
        inv = db.get(Invoice, inv_id)
        assert (inv.status, inv.paid_minor, amounts.amount_due(inv)) == ("paid", 12000, 0)
        assert payments.account_credit(db, account_id) == {"EUR": 6000}


@pytest.mark.parametrize("forge", ["wrong_secret", "tampered", "missing", "stale", "garbage"])
def test_forged_webhooks_are_refused(stripe_server, forge):
    sid = stripe_server.session_id
    account_id, _, (inv_id,), ctx = setup_customer()
    billing_stripe.start_checkout(ctx, str(inv_id))
    with session_scope() as db:
        p = db.exec(select(Payment).where(Payment.account_id == account_id)).one()
    body = event(f"evt_forged_{forge}_{sid}", sid, p.id, 12000)
    signature = {"wrong_secret": sign(body, "whsec_not_it"),
                 "tampered": sign(body.replace(b"12000", b"1")),
                 "missing": None,
                 "stale": sign(body, at=int(time.time()) - 3600),
                 "garbage": "t=1,v1=abc"}[forge]
    response = post(TestClient(build_api()), body, signature)
    assert response.status_code == 400
    with session_scope() as db:
        assert db.get(Payment, p.id).status == "pending"
        assert db.get(StripeEvent, f"evt_forged_{forge}_{sid}") is None
        assert db.get(Invoice, inv_id).paid_minor == 0


def test_webhook_without_a_configured_secret_is_refused(stripe_server, monkeypatch):
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET")
    body = event("evt_nosecret", "cs_x", 1, 100)
    assert post(TestClient(build_api()), body, sign(body, "")).status_code == 400


def test_unknown_session_and_expired_checkout(stripe_server):
    sid = stripe_server.session_id
    account_id, _, (inv_id,), ctx = setup_customer()
    billing_stripe.start_checkout(ctx, str(inv_id))
    with session_scope() as db:
        p = db.exec(select(Payment).where(Payment.account_id == account_id)).one()
    client = TestClient(build_api())
    stranger = event("evt_stranger_" + sid, "cs_someone_else", 10**9, 500)
    assert post(client, stranger, sign(stranger)).json()["outcome"] == "unknown_session"
    # a session id that is not this payment's cannot claim it through its reference
    hijack = event("evt_hijack_" + sid, "cs_other", p.id, 1)
    assert post(client, hijack, sign(hijack)).json()["outcome"] == "unknown_session"
    expired = event("evt_exp_" + sid, sid, p.id, 12000, kind="checkout.session.expired", status="unpaid")
    assert post(client, expired, sign(expired)).json()["outcome"] == "cancelled"
    with session_scope() as db:
        assert db.get(Payment, p.id).status == "cancelled"
        assert db.get(Invoice, inv_id).paid_minor == 0


def test_without_keys_online_payment_is_off(monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    account_id, _, (inv_id,), ctx = setup_customer()
    assert not billing_stripe.online_payment_enabled()
    with pytest.raises(DomainError) as err:
        billing_stripe.start_checkout(ctx, str(inv_id))
    assert err.value.key == "billing.error.online_off"
    with session_scope() as db:
        assert db.exec(select(Payment).where(Payment.account_id == account_id)).all() == []


def test_a_failing_then_slow_provider_is_told_and_the_page_recovers(stripe_server, root, monkeypatch):
    """Stripe failing, then too slow: the customer reads why, the pay button works again, the invoice is
    still due (nothing half-paid), and the next try once Stripe answers goes through."""
    monkeypatch.setenv("GUICHET_PROVIDER_TIMEOUT", "0.5")
    reload_settings()
    account_id, contact_id, (inv_id,), _ = setup_customer()
    with session_scope() as db:
        token = portal_sessions.open_session(db, contact_id)
    pay = sub(root, PayState)
    pay.portal_sid, pay.router = token, router_data("/pay", {"invoice": inv_id})
    pay.load_pay()
    ok = Reply(200, {"id": stripe_server.session_id, "object": "checkout.session",
                     "url": f"https://checkout.stripe.com/c/pay/{stripe_server.session_id}"})
    try:
        for broken in (Reply(500, {"error": {"type": "api_error", "message": "down"}}), Reply(200, {}, delay=3)):
            stripe_server.set_reply("/v1/checkout/sessions", broken)
            assert run_background(pay, "start_checkout", str(inv_id)) is None
            assert pay.error_key == "billing.error.provider" and pay.working is False
        with session_scope() as db:
            assert db.get(Invoice, inv_id).status == "issued"
            assert {p.status for p in db.exec(select(Payment).where(Payment.account_id == account_id))} == {"failed"}
        stripe_server.set_reply("/v1/checkout/sessions", ok)
        redirect = run_background(pay, "start_checkout", str(inv_id))
        assert pay.working is False and "checkout.stripe.com" in str(redirect)
    finally:
        monkeypatch.delenv("GUICHET_PROVIDER_TIMEOUT")
        reload_settings()
