"""The providers' delivery reports: SendGrid events signed with an EC key (the SendGrid library's
EventWebhook checks them), Twilio callbacks signed with the auth token (Twilio's RequestValidator checks
them), both posted to the real routes. Signed reports are applied, forged or replayed ones refused; reports
out of order or twice never undo a final status; hard failures mark the contact's address.

Numbers stated here by value: the replay window (600 s), three undelivered SMS in a row before a mobile
is marked, the SendGrid body cap (1 MiB) and the Twilio body cap (16 KiB)."""

from __future__ import annotations

import base64
import itertools
import json
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from portal_app.core import clock
from portal_app.core.config import get_settings, reload_settings
from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Contact
from portal_app.core.models.notify import OutboundMessage
from portal_app.core.notify import receipts
from portal_app.core.routes import build_api
from tests.factories import make_contact

TOKEN = "twilio-auth-token-for-tests"
BASE = "https://portal.example.test"
_n = itertools.count(1)


@pytest.fixture
def keys(monkeypatch):
    """SendGrid's key pair (the private half signs here as SendGrid would) and Twilio's token."""
    private = ec.generate_private_key(ec.SECP256R1())
    monkeypatch.setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", receipts.base64_der(private.public_key()))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("GUICHET_BASE_URL", BASE)
    reload_settings()
    yield private
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def client():
    return TestClient(build_api())


def sign(private, body: str, timestamp: str) -> str:
    return base64.b64encode(private.sign((timestamp + body).encode(), ec.ECDSA(hashes.SHA256()))).decode()


def post_events(client, private, events, *, timestamp: str | None = None, body: str | None = None):
    body = body if body is not None else json.dumps(events)
    timestamp = timestamp or str(int(time.time()))
    return client.post(receipts.SENDGRID_EVENTS_PATH, content=body.encode(), headers={
        "Content-Type": "application/json",
        "X-Twilio-Email-Event-Webhook-Signature": sign(private, body, timestamp),
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp})


def post_status(client, params: dict, *, url: str | None = None, token: str = TOKEN):
    signature = RequestValidator(token).compute_signature(url or BASE + receipts.TWILIO_STATUS_PATH, params)
    return client.post(receipts.TWILIO_STATUS_PATH, data=params, headers={"X-Twilio-Signature": signature})


def sent_message(channel: str = "email", *, mobile: str | None = None):
    """A contact and a message the provider accepted (status sent, its id stored at send time)."""
    n = next(_n)
    with session_scope() as db:
        contact = make_contact(db, email=f"reach{n}-{time.time_ns()}@example.com", mobile=mobile)
        to = contact.email if channel == "email" else contact.mobile
        row = OutboundMessage(channel=channel, recipient=to, template="login_code", status="sent",
                              provider="sendgrid" if channel == "email" else "twilio",
                              provider_id=f"{'sg' if channel == 'email' else 'SM'}{n}x{time.time_ns()}",
                              contact_id=contact.id, account_id=contact.account_id, sent_at=clock.now())
        db.add(row)
        db.flush()
        return row.id, row.provider_id, contact.id


def row(message_id: int) -> OutboundMessage:
    with session_scope() as db:
        return db.get(OutboundMessage, message_id)


def contact(contact_id: int) -> Contact:
    with session_scope() as db:
        return db.get(Contact, contact_id)


def event(provider_id: str, kind: str, ts: int = 1_700_000_000, **extra) -> dict:
    return {"sg_message_id": f"{provider_id}.filter0001.1.2.0", "event": kind, "timestamp": ts,
            "email": "x@example.com", **extra}


# ---- SendGrid: signatures ---------------------------------------------------------------------------------


def test_a_signed_sendgrid_batch_is_applied(keys, client):
    mid, pid, _ = sent_message()
    reply = post_events(client, keys, [event(pid, "processed"), event(pid, "delivered", response="250 OK")])
    assert reply.status_code == 200
    assert reply.json()["applied"] == 1
    assert (row(mid).status, row(mid).provider_reason) == ("delivered", "250 OK")


def test_a_batch_signed_with_another_key_or_altered_is_refused(keys, client):
    mid, pid, _ = sent_message()
    other = ec.generate_private_key(ec.SECP256R1())
    assert post_events(client, other, [event(pid, "bounce", reason="550 5.1.1")]).status_code == 403
    body = json.dumps([event(pid, "delivered")])
    timestamp = str(int(time.time()))
    altered = body.replace("delivered", "dropped")
    reply = client.post(receipts.SENDGRID_EVENTS_PATH, content=altered.encode(), headers={
        "X-Twilio-Email-Event-Webhook-Signature": sign(keys, body, timestamp),
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp})
    assert reply.status_code == 403
    no_signature = client.post(receipts.SENDGRID_EVENTS_PATH, content=body.encode())
    assert no_signature.status_code == 403
    garbage = client.post(receipts.SENDGRID_EVENTS_PATH, content=body.encode(), headers={
        "X-Twilio-Email-Event-Webhook-Signature": "%%%not base64",
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp})
    assert garbage.status_code == 403
    assert row(mid).status == "sent"


def test_a_replayed_batch_signed_over_ten_minutes_ago_is_refused(keys, client):
    mid, pid, _ = sent_message()
    old = str(int(time.time()) - 600 - 2)
    assert post_events(client, keys, [event(pid, "delivered")], timestamp=old).status_code == 403
    just_inside = str(int(time.time()) - 600 + 10)
    assert post_events(client, keys, [event(pid, "delivered")], timestamp=just_inside).status_code == 200
    assert row(mid).status == "delivered"


def test_without_a_configured_key_every_batch_is_refused(keys, client, monkeypatch):
    monkeypatch.setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", "")
    reload_settings()
    mid, pid, _ = sent_message()
    assert post_events(client, keys, [event(pid, "delivered")]).status_code == 403
    assert row(mid).status == "sent"


def test_a_sendgrid_body_over_one_mebibyte_is_refused_before_it_is_read(keys, client):
    body = "[" + " " * (1024 * 1024) + "]"
    reply = client.post(receipts.SENDGRID_EVENTS_PATH, content=body.encode(), headers={
        "X-Twilio-Email-Event-Webhook-Signature": sign(keys, body, "1"), "X-Twilio-Email-Event-Webhook-Timestamp": "1"})
    assert reply.status_code == 413
    assert receipts.WEBHOOK_MAX_BYTES == 1024 * 1024


# ---- transitions: out of order, twice -----------------------------------------------------------------------


def test_a_final_status_is_never_undone_by_an_earlier_report(keys, client):
    mid, pid, _ = sent_message()
    post_events(client, keys, [event(pid, "delivered", ts=200, response="250 OK")])
    post_events(client, keys, [event(pid, "deferred", ts=100, response="451 try later")])
    assert row(mid).status == "delivered"
    # a second final report (even later) does not replace the first
    post_events(client, keys, [event(pid, "bounce", ts=300, reason="550 no", status="5.0.0")])
    assert (row(mid).status, row(mid).provider_reason) == ("delivered", "250 OK")
    # a spam report may follow a delivery
    post_events(client, keys, [event(pid, "spamreport", ts=400)])
    assert row(mid).status == "spam_report"


def test_deferrals_then_the_final_report_in_any_order(keys, client):
    mid, pid, _ = sent_message()
    post_events(client, keys, [event(pid, "deferred", ts=200, response="451 second", attempt="2")])
    post_events(client, keys, [event(pid, "deferred", ts=100, response="451 first", attempt="1")])
    assert (row(mid).status, row(mid).provider_reason, row(mid).provider_code) == ("deferred", "451 second", "2")
    post_events(client, keys, [event(pid, "bounce", ts=300, reason="550 5.1.1 user unknown", status="5.1.1")])
    post_events(client, keys, [event(pid, "deferred", ts=250, response="451 late")])
    r = row(mid)
    assert (r.status, r.provider_reason, r.provider_code) == ("bounced", "550 5.1.1 user unknown", "5.1.1")


def test_the_same_batch_twice_changes_nothing_the_second_time(keys, client):
    mid, pid, cid = sent_message()
    batch = [event(pid, "bounce", reason="550 5.1.1 The email account does not exist", status="5.1.1")]
    assert post_events(client, keys, batch).json()["applied"] == 1
    marked_at = contact(cid).email_failing_at
    second = post_events(client, keys, batch).json()
    assert second.get("applied", 0) == 0 and second["stale"] == 1
    assert contact(cid).email_failing_at == marked_at


def test_a_report_for_a_message_not_ours_is_ignored(keys, client):
    reply = post_events(client, keys, [event("nobody-knows-this-id", "delivered")])
    assert reply.status_code == 200 and reply.json()["unknown"] == 1


# ---- marking failing addresses -------------------------------------------------------------------------------


def test_a_hard_bounce_or_a_drop_marks_the_email_but_a_block_does_not(keys, client):
    mid, pid, cid = sent_message()
    post_events(client, keys, [event(pid, "bounce", type="blocked", reason="550 blocked by policy")])
    assert row(mid).status == "blocked" and contact(cid).email_failing_at is None
    mid, pid, cid = sent_message()
    post_events(client, keys, [event(pid, "bounce", type="bounce", reason="550 5.1.1 user unknown",
                                     status="5.1.1")])
    c = contact(cid)
    assert c.email_failing_at is not None
    assert c.email_failing_reason == "the receiving server said the mailbox does not exist"
    mid, pid, cid = sent_message()
    post_events(client, keys, [event(pid, "dropped", reason="Bounced Address")])
    assert row(mid).status == "dropped" and contact(cid).email_failing_at is not None


# ---- Twilio ---------------------------------------------------------------------------------------------------------


def test_a_signed_twilio_callback_is_applied_and_a_forged_one_refused(keys, client):
    mid, sid, _ = sent_message("sms", mobile="+33612345678")
    forged = post_status(client, {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30005"},
                         token="not-the-token")
    assert forged.status_code == 403
    # signed for another URL (what a Host header would give): refused too
    other_url = post_status(client, {"MessageSid": sid, "MessageStatus": "undelivered"},
                            url="https://evil.example" + receipts.TWILIO_STATUS_PATH)
    assert other_url.status_code == 403
    assert row(mid).status == "sent"
    ok = post_status(client, {"MessageSid": sid, "MessageStatus": "delivered"})
    assert ok.status_code == 200 and ok.json()["outcome"] == "applied"
    assert row(mid).status == "delivered"


def test_a_replayed_twilio_callback_changes_nothing(keys, client):
    mid, sid, cid = sent_message("sms", mobile="+33612345679")
    params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert post_status(client, params).json()["outcome"] == "applied"
    assert post_status(client, params).json()["outcome"] == "stale"
    assert contact(cid).mobile_failures == 1
    # an earlier "sent" status arriving last does nothing either
    assert post_status(client, {"MessageSid": sid, "MessageStatus": "sent"}).json()["outcome"] == "ignored"
    assert (row(mid).status, row(mid).provider_code) == ("undelivered", "30003")


def test_three_undelivered_sms_in_a_row_mark_the_mobile(keys, client):
    mobile = "+33612345670"
    cid = None
    for i in range(3):
        with session_scope() as db:
            if cid is None:
                mid, sid, cid = sent_message("sms", mobile=mobile)
            else:
                r = OutboundMessage(channel="sms", recipient=mobile, template="login_code", status="sent",
                                    provider="twilio", provider_id=f"SMx{i}{time.time_ns()}", contact_id=cid)
                db.add(r)
                db.flush()
                sid = r.provider_id
        post_status(client, {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "30003"})
        assert (contact(cid).mobile_failing_at is not None) == (i == 2)
    assert contact(cid).mobile_failing_reason == "the phone is switched off or out of reach"


def test_a_delivered_sms_resets_the_count(keys, client):
    mid, sid, cid = sent_message("sms", mobile="+33612345671")
    post_status(client, {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    with session_scope() as db:
        r = OutboundMessage(channel="sms", recipient="+33612345671", template="login_code", status="sent",
                            provider="twilio", provider_id=f"SMok{time.time_ns()}", contact_id=cid)
        db.add(r)
        db.flush()
        sid2 = r.provider_id
    post_status(client, {"MessageSid": sid2, "MessageStatus": "delivered"})
    assert contact(cid).mobile_failures == 0


def test_a_twilio_body_over_sixteen_kibibytes_is_refused(keys, client):
    reply = client.post(receipts.TWILIO_STATUS_PATH, content=b"a=" + b"x" * (16 * 1024),
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status_code == 413


def test_the_twilio_provider_asks_for_status_callbacks_at_the_base_url(keys):
    assert receipts.twilio_callback_url() == "https://portal.example.test/api/notify/twilio/status"


@pytest.mark.parametrize("lang", ["en", "fr", "de", "da", "nl", "es", "pt", "he", "th"])
def test_every_reason_has_plain_words_in_every_language(lang):
    from portal_app.core.i18n import catalogue

    keys_needed = {"no_mailbox", "mailbox_full", "bounced", "dropped", "dropped_bounced", "dropped_invalid",
                   "dropped_spam", "dropped_unsubscribed", "undelivered", "unreachable", "blocked_number",
                   "unknown_number", "landline", "carrier_filtered", "stopped", "delivered", "delivered_sms",
                   "deferred", "blocked", "spam_report", "sent", "failed", "fallback", "queued", "sending", "unknown"}
    from portal_app.core.i18n import _raw_catalogue

    raw = _raw_catalogue(lang)
    missing = [k for k in keys_needed if f"delivery.reason.{k}" not in raw]
    assert not missing
    assert catalogue(lang)["delivery.reason.no_mailbox"]
