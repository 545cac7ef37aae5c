"""Card refunds through Stripe (the real SDK against a local server): full and partial, never more than the
payment, one Stripe call per refund (idempotency key), recorded once by the webhook however often Stripe
tells it, a failure frees the amount; the refunded settlement is owed again; billing.write only."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.billing import card_payments as billing_stripe, refunds
from portal_app.billing.admin_state import AdminPaymentsState
from portal_app.billing.models import Invoice, Payment, Refund
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError
from portal_app.core.routes import build_api
from tests.billing.test_card_payments import _database, event, post, setup_customer, sign  # noqa: F401  (_database: autouse)
from tests.factories import staff_context, staff_session
from tests.support.fake_http import Reply


def paid_card_payment(stripe_server, amount=12000):
    """A customer's invoice of 120.00 paid by card, recorded by the webhook."""
    sid = stripe_server.session_id
    account_id, _, (inv_id,), ctx = setup_customer()
    billing_stripe.start_checkout(ctx, str(inv_id))
    with session_scope() as db:
        p = db.exec(select(Payment).where(Payment.account_id == account_id)).one()
    body = event("evt_pay_" + sid, sid, p.id, amount)
    assert post(TestClient(build_api()), body, sign(body)).json()["outcome"] == "recorded"
    return p.id, inv_id


def refund_event(refund_id: int, provider_id: str, amount: int, status: str, kind: str = "refund.updated") -> bytes:
    return json.dumps({"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": kind, "data": {"object": {
        "id": provider_id, "object": "refund", "amount": amount, "currency": "eur", "status": status,
        "payment_intent": "pi_test_1", "metadata": {"refund_id": str(refund_id)}}}}).encode()


@pytest.fixture
def staff():
    with session_scope() as db:
        return staff_context(db)


def _refund_reply(srv, provider_id):
    srv.set_reply("/v1/refunds", Reply(200, {"id": provider_id, "object": "refund", "status": "pending"}))


def test_a_partial_then_the_rest_refunded_and_confirmed_once(stripe_server, staff):
    payment_id, inv_id = paid_card_payment(stripe_server)
    _refund_reply(stripe_server, "re_test_1")
    first = refunds.start_refund(staff, payment_id, "20.00", "Router returned")
    (req,) = stripe_server.requests_to("/v1/refunds")
    assert req.form["payment_intent"] == "pi_test_1" and req.form["amount"] == "2000"
    assert req.header("Idempotency-Key") == f"guichet-refund-{first}"
    assert req.form["metadata[refund_id]"] == str(first)
    with session_scope() as db:  # asked, not made: the invoice is still paid
        assert (db.get(Refund, first).status, db.get(Payment, payment_id).refunded_minor) == ("pending", 2000)
        assert db.get(Invoice, inv_id).status == "paid"
    client = TestClient(build_api())
    body = refund_event(first, "re_test_1", 2000, "succeeded")
    assert post(client, body, sign(body)).json()["outcome"] == "refunded"
    assert post(client, body, sign(body)).json()["outcome"] == "duplicate"
    again = refund_event(first, "re_test_1", 2000, "succeeded")  # another event about the same refund
    assert post(client, again, sign(again)).json()["outcome"] == "already_recorded"
    with session_scope() as db:
        inv = db.get(Invoice, inv_id)
        assert (inv.paid_minor, inv.status) == (10000, "partially_paid")  # 20.00 owed again
        assert db.get(Refund, first).status == "succeeded"
    _refund_reply(stripe_server, "re_test_2")
    rest = refunds.start_refund(staff, payment_id, "", "Contract ended")  # empty amount: all that is left
    assert stripe_server.requests_to("/v1/refunds")[-1].form["amount"] == "10000"
    body = refund_event(rest, "re_test_2", 10000, "succeeded", kind="refund.created")
    assert post(client, body, sign(body)).json()["outcome"] == "refunded"
    with session_scope() as db:
        assert db.get(Invoice, inv_id).paid_minor == 0 and db.get(Payment, payment_id).refunded_minor == 12000
    with pytest.raises(DomainError) as err:
        refunds.start_refund(staff, payment_id, "0.01", "")
    assert err.value.key == "billing.error.not_refundable"


def test_more_than_the_payment_and_bad_amounts_are_refused_before_stripe(stripe_server, staff):
    payment_id, _ = paid_card_payment(stripe_server)
    for amount, key in (("120.01", "billing.error.refund_exceeds"), ("-5", "billing.error.amount"),
                        ("abc", "billing.error.amount"), ("1.001", "billing.error.amount_decimals")):
        with pytest.raises(DomainError) as err:
            refunds.start_refund(staff, payment_id, amount, "")
        assert err.value.key == key
    with pytest.raises(DomainError):
        refunds.start_refund(staff, 10**9, "1", "")
    assert stripe_server.requests_to("/v1/refunds") == []


def test_a_pending_refund_holds_its_amount_and_a_failure_frees_it(stripe_server, staff):
    payment_id, inv_id = paid_card_payment(stripe_server)
    _refund_reply(stripe_server, "re_test_f")
    rid = refunds.start_refund(staff, payment_id, "100", "")
    with pytest.raises(DomainError) as err:  # 100 asked and not confirmed: only 20 left
        refunds.start_refund(staff, payment_id, "20.01", "")
    assert err.value.key == "billing.error.refund_exceeds"
    body = refund_event(rid, "re_test_f", 10000, "failed", kind="refund.failed")
    assert post(TestClient(build_api()), body, sign(body)).json()["outcome"] == "refund_failed"
    with session_scope() as db:
        assert db.get(Payment, payment_id).refunded_minor == 0 and db.get(Invoice, inv_id).status == "paid"
        assert db.get(Refund, rid).status == "failed"


def test_a_provider_error_is_a_message_and_frees_the_amount(stripe_server, staff):
    payment_id, _ = paid_card_payment(stripe_server)
    stripe_server.set_reply("/v1/refunds", Reply(400, {"error": {"message": "charge_already_refunded"}}))
    with pytest.raises(DomainError) as err:
        refunds.start_refund(staff, payment_id, "10", "")
    assert err.value.key == "billing.error.provider"
    with session_scope() as db:
        assert db.get(Payment, payment_id).refunded_minor == 0
        assert db.exec(select(Refund).where(Refund.payment_id == payment_id)).one().status == "failed"


def test_a_refund_of_credit_takes_the_unused_credit_first(stripe_server, staff):
    payment_id, inv_id = paid_card_payment(stripe_server, amount=15000)  # 30.00 over: account credit
    _refund_reply(stripe_server, "re_test_c")
    rid = refunds.start_refund(staff, payment_id, "30", "")
    body = refund_event(rid, "re_test_c", 3000, "succeeded")
    post(TestClient(build_api()), body, sign(body))
    with session_scope() as db:
        assert db.get(Payment, payment_id).unallocated_minor == 0
        assert (db.get(Invoice, inv_id).status, db.get(Invoice, inv_id).paid_minor) == ("paid", 12000)


def test_an_unknown_refund_and_a_manual_payment_are_not_refunded(stripe_server, staff):
    body = refund_event(10**9, "re_nobody", 100, "succeeded")
    assert post(TestClient(build_api()), body, sign(body)).json()["outcome"] == "unknown_refund"
    from portal_app.billing import payments
    _, _, (inv_id,), _ = setup_customer()
    with session_scope() as db:
        p = payments.record_manual_payment(db, staff, inv_id, amount="10", received_on="", reference="x")
        pid = p.id
    with pytest.raises(DomainError) as err:
        refunds.start_refund(staff, pid, "1", "")
    assert err.value.key == "billing.error.not_refundable"


def test_the_console_refund_needs_billing_write_and_shows_on_both_payment_lists(stripe_server, root):
    from portal_app.billing.state import PaymentsState
    from portal_app.core.auth import sessions as portal_sessions
    from portal_app.core.models.accounts import Contact
    from tests.support.states import router_data, run_background, sub

    payment_id, _ = paid_card_payment(stripe_server)
    _refund_reply(stripe_server, "re_test_s")
    with session_scope() as db:
        agent_token, owner_token = staff_session(db, role="agent"), staff_session(db)
    page = sub(root, AdminPaymentsState)
    page.staff_sid = agent_token
    page.refund_for = payment_id
    run_background(page, "refund_payment", {"amount": "1", "reason": ""})
    assert stripe_server.requests_to("/v1/refunds") == [] and page.flash_key == "error.role_forbidden"
    page.staff_sid = owner_token
    page.open_refund(str(payment_id))
    assert (page.dialog, page.refund_left) == ("refund", "120.00")
    run_background(page, "refund_payment", {"amount": "20", "reason": "Returned"})
    assert page.flash_key == "billing.refund_asked" and page.dialog == ""
    assert len(stripe_server.requests_to("/v1/refunds")) == 1
    rid = int(stripe_server.requests_to("/v1/refunds")[0].form["metadata[refund_id]"])
    body = refund_event(rid, "re_test_s", 2000, "succeeded")
    post(TestClient(build_api()), body, sign(body))
    page.load_list()
    row = next(r for r in page.rows if r.id == payment_id)
    assert row.refunds == "€20.00 refunded" and row.can_refund
    page.open_refund("999999999")
    assert page.flash_key == "error.not_found"
    with session_scope() as db:
        p = db.get(Payment, payment_id)
        contact = db.exec(select(Contact).where(Contact.account_id == p.account_id)).first()
        token = portal_sessions.open_session(db, contact.id)
    cust = sub(root, PaymentsState)
    cust.portal_sid = token
    cust.router = router_data("/payments", {})
    cust.load_list()
    assert [r.refunds for r in cust.rows if r.id == payment_id] == ["€20.00 refunded"]
