"""Issue 14: the portal's own HTTP routes (downloads, PDFs rendered on request, receipts, calendar files,
logos, TOTP QR codes) do their database and file work in a thread, never on the worker's event loop,
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
