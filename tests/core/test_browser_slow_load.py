"""What a person does while a page is still loading is kept, in Chromium.

A page's loads show the stored values: a click or typing that reached the server before them would be
undone (the login page's load resets the chosen step; an edit page's load re-creates its form). And the
browser's own time zone arrives just after a page opened, and formats the page again. On a slow or
busy server both come late. These journeys hold the server's answer back on purpose (the websocket is
routed through the test) to make "late" certain instead of a matter of luck:

- while the login page's opening is held, its controls are disabled (the person, or a test, waits),
  and the field that asked for the focus takes it when they come alive;
- an email typed into a console contact's form before the browser's zone arrives is the one saved."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from portal_app.core.business import forget_cached_business, get_business
from portal_app.core.db import session_scope
from tests.factories import make_contact
from tests.support.browser import staff_page

WIDE = {"width": 1280, "height": 800}


class HeldEvents:
    """Routes the page's Reflex websocket through the test: the events whose text names `handler` are
    held (not sent to the server) until `release()`; everything else passes at once."""

    def __init__(self, page: Page, handler: str):
        self.page, self.handler, self.held, self.released, self._server = page, handler, [], False, None
        page.route_web_socket(re.compile(r"/_event"), self._route)

    def _route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        self._server = server

        def from_page(message) -> None:
            if not self.released and self.handler in str(message):
                self.held.append(message)
            else:
                server.send(message)

        ws.on_message(from_page)

    def wait_until_held(self, timeout_ms: int = 30_000) -> None:
        waited = 0
        while not self.held:
            assert waited < timeout_ms, f"the page never sent {self.handler}"
            self.page.wait_for_timeout(50)
            waited += 50

    def release(self) -> None:
        self.released = True
        for message in self.held:
            self._server.send(message)


def _password_login(enabled: bool) -> None:
    with session_scope() as db:
        get_business(db).password_login_enabled = enabled
    forget_cached_business()


def test_the_login_page_controls_wait_for_its_load(browser: Browser, app_url, shots):
    _password_login(True)
    try:
        page = browser.new_context(viewport=WIDE).new_page()
        # The server is slow to answer the page's opening (the state and the page's load).
        held = HeldEvents(page, "hydrate")
        page.goto(f"{app_url}/login")
        held.wait_until_held()
        email = page.get_by_label("Email address")
        expect(email).to_be_visible()
        expect(email).to_be_disabled()  # typing now could be undone by the load
        expect(page.get_by_role("button", name="Send me a code")).to_be_disabled()
        expect(page.get_by_label("Language")).to_be_enabled()  # the picker is not part of the page's load
        shots(page, "login-while-loading-1280")

        held.release()
        expect(email).to_be_enabled()
        expect(email).to_be_focused()  # the field that asked for the focus has it once alive
        page.get_by_role("button", name="Log in with a password").click()
        expect(page.get_by_label("Password", exact=True)).to_be_visible()
        page.wait_for_timeout(500)  # nothing comes later to take the chosen step back
        expect(page.get_by_label("Password", exact=True)).to_be_visible()
    finally:
        _password_login(False)


def test_typing_before_the_browsers_zone_arrives_is_what_gets_saved(browser: Browser, app_url):
    marker = uuid.uuid4().hex[:8]
    old, new = f"late.{marker}@example.org", f"typed.{marker}@example.org"
    with session_scope() as db:
        contact = make_contact(db, email=old)
        contact.invited_at = datetime(2026, 7, 1, 12, 5, tzinfo=UTC)  # 7:05 PM in Bangkok
        db.add(contact)
        db.flush()
        contact_id = contact.id
    page = staff_page(browser, app_url, viewport=WIDE, timezone_id="Asia/Bangkok")
    held = HeldEvents(page, "set_device_zone")
    page.goto(f"{app_url}/admin/contact?id={contact_id}")
    email = page.get_by_label("Email (login)")
    expect(email).to_have_value(old)
    held.wait_until_held()
    invited = page.get_by_text("Jul 1, 2026")
    expect(invited).not_to_contain_text("7:05")  # not yet in the browser's zone

    email.fill(new)
    held.release()  # the zone arrives: the page is formatted again, in Bangkok time
    expect(invited).to_contain_text("7:05")
    expect(email).to_have_value(new)  # what was typed is still there
    page.locator("#save-contact").click()
    expect(page.get_by_role("heading", name=new)).to_be_visible()
    with session_scope() as db:
        from portal_app.core.models.accounts import Contact

        assert db.get(Contact, contact_id).email == new
