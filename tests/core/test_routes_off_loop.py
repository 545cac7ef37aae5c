"""Issue 14: the portal's own HTTP routes (downloads, PDFs rendered on request, receipts, calendar files,
logos, TOTP QR codes, the delivery-report and inbound-mail webhooks) do their database and file work in a thread, never on the worker's event loop,
where it would stall every browser that worker serves."""

from __future__ import annotations

import asyncio

import pytest
from starlette.testclient import TestClient

from portal_app.core import business
from portal_app.core.auth import sessions as portal_sessions, staff, totp as customer_totp
from portal_app.core.routes import build_api
from portal_app.core.states.portal import PORTAL_COOKIE
from portal_app.core.states.staff import STAFF_COOKIE
from tests.core.test_notify_receipts import event, keys, post_events, post_status, sent_message  # noqa: F401  (keys: a fixture)
from tests.helpdesk.test_security_tickets import inbound_key  # noqa: F401  (a fixture)


def on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def seen(monkeypatch):
    """Where each session lookup, logo lookup and enrolment lookup ran: True when on the event loop."""
    calls: list[tuple[str, bool]] = []

    def spy(name, real):
        def wrapper(*args, **kwargs):
            calls.append((name, on_event_loop()))
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(portal_sessions, "resolve_session", spy("portal", portal_sessions.resolve_session))
    monkeypatch.setattr(staff, "resolve", spy("staff", staff.resolve))
    monkeypatch.setattr(business, "branding_image_path", spy("brand", business.branding_image_path))
    monkeypatch.setattr(staff, "enrolment_uri", spy("staff-totp", staff.enrolment_uri))
    monkeypatch.setattr(customer_totp, "enrolment_uri", spy("portal-totp", customer_totp.enrolment_uri))
    return calls


PORTAL_PATHS = ["/api/invoices/1/pdf", "/api/credit-notes/1/pdf", "/api/consumption/1", "/api/payments/1/receipt",
                "/api/documents/1", "/api/message-attachments/1", "/api/bookings/1.ics",
                "/api/portal/totp-enrol.svg", "/api/portal/totp-key"]
STAFF_PATHS = ["/api/invoices/1/pdf?console=1", "/api/admin/documents/1", "/api/admin/message-attachments/1",
               "/api/admin/totp-enrol.svg", "/api/admin/totp-key"]


def test_routes_work_off_the_event_loop(seen):
    client = TestClient(build_api())
    for path in PORTAL_PATHS:
        client.get(path, cookies={PORTAL_COOKIE: "no-such-session"})
    for path in STAFF_PATHS:
        client.get(path, cookies={STAFF_COOKIE: "no-such-session"})
    client.get("/api/brand/logo")
    names = {name for name, _ in seen}
    assert names == {"portal", "staff", "brand", "staff-totp", "portal-totp"}
    assert len(seen) >= len(PORTAL_PATHS) + len(STAFF_PATHS)
    assert [call for call in seen if call[1]] == []


def test_webhooks_work_off_the_event_loop(request, monkeypatch):
    """Delivery reports (SendGrid, Twilio) and inbound mail: signed and accepted, then applied in a thread."""
    signing_keys = request.getfixturevalue("keys")  # test_notify_receipts' fixtures, imported above
    inbound_secret = request.getfixturevalue("inbound_key")
    from portal_app.core.notify import receipts
    from portal_app.helpdesk import ticket_inbound

    calls: list[tuple[str, bool]] = []
    for module, name in ((receipts, "apply_all"), (receipts, "apply"), (ticket_inbound, "receive")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, _name=name, **k: (
            calls.append((_name, on_event_loop())), _real(*a, **k))[1])
    client = TestClient(build_api())
    _, provider_id, _ = sent_message()
    assert post_events(client, signing_keys, [event(provider_id, "delivered")]).status_code == 200
    _, sid, _ = sent_message("sms", mobile="+33612345670")
    assert post_status(client, {"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 200
    mail = {"from": "someone@elsewhere.example", "to": "support@help.example.com", "subject": "Hello",
            "text": "A question.", "headers": "", "envelope": "", "cc": ""}
    assert client.post(f"/api/inbound/sendgrid/{inbound_secret}", data=mail).status_code == 200
    assert {name for name, _ in calls} == {"apply", "apply_all", "receive"}
    assert [call for call in calls if call[1]] == []
