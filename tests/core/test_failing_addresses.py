"""Addresses the providers reported as failing: the next login code avoids them, the diagnosis says why in
plain words, staff clear the mark."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from portal_app.core import access, audit, clock, notify
from portal_app.core.auth import login
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.notify import OutboundMessage
from portal_app.core.notify import receipts
from tests.factories import make_contact

STAFF = audit.Actor("staff", 1, "Olivia Owner")


T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(T0)
    yield
    clock.freeze(None)


@pytest.fixture
def alice(db):
    return make_contact(db, email="alice@example.com", mobile="+33612345678")


def channels(sent) -> list[str]:
    return [d.channel for d in sent.deliveries]


def bounce_last_code(db, contact, *, code="5.1.1", reason="550 5.1.1 The email account that you tried to reach "
                                                         "does not exist"):
    """The last code to this contact went by email and SendGrid reported a hard bounce."""
    sent = login.request_code(db, contact.email, "198.51.100.7", force_email=True)
    row = notify.deliver(db, sent.deliveries[0])
    row.provider_id = f"sg-{row.id}"
    db.add(row)
    db.flush()
    assert receipts.apply(db, "email", receipts.Report(row.provider_id, "bounced", reason, code, hard=True)) \
        == "applied"
    db.refresh(contact)
    return row


def test_a_bounced_email_sends_the_next_code_by_sms_even_when_email_is_asked_for(db, alice):
    assert channels(login.request_code(db, alice.email, "10.0.0.1", force_email=True)) == ["email"]
    bounce_last_code(db, alice)
    assert alice.email_failing_at is not None
    assert channels(login.request_code(db, alice.email, "10.0.0.2", force_email=True)) == ["sms"]
    sent = login.request_code(db, alice.email, "10.0.0.3")
    clock.freeze(T0 + dt.timedelta(seconds=31))
    assert channels(login.resend_code(db, sent.challenge_id, "10.0.0.3", by_email=True)) == ["sms"]


def test_without_a_mobile_a_failing_email_is_still_tried(db):
    bruno = make_contact(db, email="bruno@example.com")
    bounce_last_code(db, bruno)
    assert channels(login.request_code(db, bruno.email, "10.0.0.1")) == ["email"]


def test_a_failing_mobile_sends_the_code_by_email(db, alice):
    alice.mobile_failing_at, alice.mobile_failing_reason = clock.now(), "the number does not exist"
    db.add(alice)
    db.flush()
    assert channels(login.request_code(db, alice.email, "10.0.0.1")) == ["email"]


def test_the_diagnosis_shows_the_bounce_in_plain_words_and_staff_clear_the_mark(db, alice):
    bounce_last_code(db, alice)
    d = access.diagnose(db, alice.id)
    by_key = {c.key: c for c in d.checks}
    assert by_key["diagnose.email_working"].ok is False
    assert by_key["diagnose.last_code_delivered"].ok is False
    assert "the receiving server said the mailbox does not exist" in by_key["diagnose.last_code_delivered"].detail
    assert "5.1.1" in by_key["diagnose.last_code_delivered"].detail  # the provider's own answer too
    assert d.email_failing == "the receiving server said the mailbox does not exist"
    code = next(m for m in d.messages if m["template"] == "login_code")
    assert (code["status"], code["reason"]) == ("bounced", "the receiving server said the mailbox does not exist")
    assert access.diagnose(db, alice.id, "fr").messages[0]["reason"] == \
        "le serveur destinataire a répondu que la boîte aux lettres n'existe pas"

    receipts.clear_mark(db, STAFF, alice, "email")
    db.flush()
    d = access.diagnose(db, alice.id)
    assert d.email_failing == "" and {c.key: c.ok for c in d.checks}["diagnose.email_working"]
    assert channels(login.request_code(db, alice.email, "10.0.0.9", force_email=True)) == ["email"]
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.target_id == alice.id)).all()
    assert "contact.email_failing" in actions and "contact.email_mark_cleared" in actions


def test_a_delivered_code_counts_as_delivered(db, alice):
    sent = login.request_code(db, alice.email, "10.0.0.1")
    row = notify.deliver(db, sent.deliveries[0])
    row.provider_id = "SMdelivered"
    db.add(row)
    db.flush()
    receipts.apply(db, "sms", receipts.Report("SMdelivered", "delivered"))
    check = {c.key: c for c in access.diagnose(db, alice.id).checks}["diagnose.last_code_delivered"]
    assert check.ok and check.detail == "sms: the phone received the SMS"
    assert db.get(OutboundMessage, row.id).status == "delivered"


def test_clearing_an_unknown_mark_is_refused(db, alice):
    with pytest.raises(ValueError):
        receipts.clear_mark(db, STAFF, alice, "fax")
