"""Console: the delivery log's filters (status, channel, contact, period), the provider's answer in plain
words, "send again" for a failed message, and the failure alarm (a notice on the page, the owners' email).

Numbers stated here by value: the alarm goes off at 20 failed messages in the last hour."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlmodel import select

from portal_app.console.logs_state import AdminLogsState
from portal_app.core import clock
from portal_app.core.db import session_scope
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.notify import OutboundMessage
from portal_app.core.notify import alerts
from tests.factories import make_contact, make_staff, staff_session
from tests.support.states import router_data, sub


def console_token(role: str = "owner") -> str:
    with session_scope() as db:
        return staff_session(db, role=role)


def message(db, *, status="sent", channel="email", contact=None, created_at=None, sensitive=False, **kw):
    row = OutboundMessage(channel=channel, recipient=kw.pop("recipient", None) or (
        contact.email if contact and channel == "email" else contact.mobile if contact else f"x{uuid.uuid4().hex[:8]}@e.com"),
        template=kw.pop("template", "invoice_issued"), status=status, provider="sendgrid",
        subject="Your invoice", body_text="Hello, your invoice is ready.", body_html="<p>Hello</p>",
        contact_id=contact.id if contact else None, account_id=contact.account_id if contact else None,
        sensitive=sensitive, **kw)
    if created_at is not None:
        row.created_at = created_at
    db.add(row)
    db.flush()
    return row


def logs_page(root, query: dict | None = None, role: str = "owner") -> AdminLogsState:
    page = sub(root, AdminLogsState)
    page.staff_sid = console_token(role)
    page.router = router_data("/admin/deliveries", query or {})
    page.load_list()
    return page


def test_filters_by_status_channel_contact_and_period(root):
    tag = uuid.uuid4().hex[:8]
    with session_scope() as db:
        c = make_contact(db, email=f"filters-{tag}@example.com", mobile="+33600000001")
        bounced = message(db, status="bounced", contact=c, provider_reason="550 5.1.1 user unknown",
                          provider_code="5.1.1").id
        sms = message(db, status="delivered", channel="sms", contact=c).id
        old = message(db, status="delivered", contact=c, created_at=clock.now() - dt.timedelta(days=3)).id
        message(db, status="bounced")  # someone else's
        cid = c.id
    page = logs_page(root, {"contact": str(cid)})
    assert page.contact_filter_label == f"filters-{tag}@example.com"
    assert {r.id for r in page.rows} == {bounced, sms, old}
    page.search({"q": "", "status": "bounced"})
    assert [r.id for r in page.rows] == [bounced]
    [row] = page.rows
    assert row.reason == "the receiving server said the mailbox does not exist"
    assert row.answer == "5.1.1 550 5.1.1 user unknown"
    page.search({"q": "", "status": "", "channel": "sms"})
    assert [r.id for r in page.rows] == [sms]
    page.search({"q": "", "status": "", "channel": "", "period": "day"})
    assert {r.id for r in page.rows} == {bounced, sms}
    page.search({"q": "", "period": "forever", "status": "nonsense"})  # values outside the choices are dropped
    assert page.filter_values == {"status": "", "channel": "", "period": ""}
    page.clear_contact_filter()
    assert page.contact_filter == 0 and page.total > 3


def test_send_again_copies_a_bounced_message_to_the_fixed_address(root):
    tag = uuid.uuid4().hex[:8]
    with session_scope() as db:
        c = make_contact(db, email=f"old-{tag}@example.com")
        bounced = message(db, status="bounced", contact=c).id
        c.email = f"fixed-{tag}@example.com"
        db.add(c)
        cid = c.id
    page = logs_page(root, {"contact": str(cid)})
    assert [r.can_send_again for r in page.rows if r.id == bounced] == [True]
    page.send_again(bounced)
    assert page.flash_key == "admin.outbox.requeued"
    with session_scope() as db:
        rows = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == cid)
                       .order_by(OutboundMessage.id)).all()
        assert [(r.status, r.recipient) for r in rows] == [("bounced", f"old-{tag}@example.com"),
                                                           ("sent", f"fixed-{tag}@example.com")]
        assert rows[1].body_text == "Hello, your invoice is ready."
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "outbox.send_again",
                                                AuditEvent.target_id == bounced)).first() is not None


def test_send_again_refuses_codes_and_messages_that_did_not_fail(root):
    with session_scope() as db:
        c = make_contact(db, email=f"codes-{uuid.uuid4().hex[:8]}@example.com")
        code = message(db, status="bounced", contact=c, sensitive=True, template="login_code").id
        fine = message(db, status="delivered", contact=c).id
        cid = c.id
    page = logs_page(root, {"contact": str(cid)})
    assert {r.id: r.can_send_again for r in page.rows} == {code: False, fine: False}
    page.send_again(code)
    assert page.flash_key == "admin.outbox.error.secret_gone"
    page.send_again(fine)
    assert page.flash_key == "admin.outbox.error.not_stuck"
    page.send_again(10 ** 9)
    assert page.flash_key == "error.not_found"
    with session_scope() as db:
        assert len(db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == cid)).all()) == 2


def test_send_again_needs_a_console_session(root):
    with session_scope() as db:
        bounced = message(db, status="bounced", contact=make_contact(db)).id
    page = sub(root, AdminLogsState)
    page.staff_sid = ""
    page.send_again(bounced)
    with session_scope() as db:
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "outbox.send_again",
                                                AuditEvent.target_id == bounced)).first() is None


def test_the_page_warns_when_failures_cross_the_threshold(root):
    with session_scope() as db:
        for _ in range(20):
            message(db, status="undelivered", channel="sms", recipient="+33600000009",
                    provider_event_at=clock.now())
    page = logs_page(root)
    assert page.failures_last_hour >= 20 and page.failures_alarm


# ---- the alarm's rule, on a database of its own -----------------------------------------------------------


@pytest.fixture
def frozen():
    clock.freeze(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc))
    yield
    clock.freeze(None)


def test_twenty_failures_in_an_hour_alert_the_owners_once(db, frozen):
    owner = make_staff(db, email="owner@guichet.example")
    make_staff(db, email="agent@guichet.example", role="agent")
    for _ in range(19):
        message(db, status="bounced", provider_event_at=clock.now() - dt.timedelta(minutes=30))
    message(db, status="failed", created_at=clock.now() - dt.timedelta(hours=2))  # outside the hour
    assert alerts.failures_last_hour(db) == 19
    assert alerts.check_failures(db) == []
    message(db, status="failed")
    deliveries = alerts.check_failures(db)
    assert [d.to for d in deliveries] == [owner.email]
    mail = db.get(OutboundMessage, deliveries[0].message_id)
    assert mail.subject == "20 messages failed in the last hour"
    assert "/admin/deliveries" in mail.body_text
    message(db, status="blocked")
    assert alerts.check_failures(db) == []  # once per hour
    clock.freeze(clock.now() + dt.timedelta(minutes=61))
    for _ in range(20):
        message(db, status="dropped", provider_event_at=clock.now())
    assert len(alerts.check_failures(db)) == 1
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "notify.failures_alert")).all()) == 2
