"""A stranger uses up a customer's login codes from the customer's own address; the browser the customer
logged in from before still gets a code (issue 9, point 2)."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from portal_app.core import clock
from portal_app.core.db import session_scope
from portal_app.core.models.auth import LoginAttempt
from tests.factories import make_account, make_contact
from tests.support.browser import PHONE, last_message_id, latest_code


def request_code(page: Page, app_url: str, email: str) -> None:
    page.goto(f"{app_url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send me a code").click()


def device_cookie(page: Page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == "guichet_device"), None)


def test_the_owners_browser_logs_in_while_a_stranger_holds_the_address_budget(page: Page, browser: Browser,
                                                                                 app_url, shots):
    with session_scope() as db:
        contact = make_contact(db, make_account(db, name="Device Bakery"), first_name="Odile",
                               email="device-owner@example.com")
        email, contact_id = contact.email, contact.id
    # The owner logs in once: the browser is remembered, and stays so after logout.
    before = last_message_id()
    request_code(page, app_url, email)
    page.get_by_label("6-digit code").fill(latest_code(email, before))
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#greeting")).to_have_text("Hello Odile")
    cookie = device_cookie(page)
    assert cookie and cookie["value"].count(".") == 2 and cookie["sameSite"] == "Lax"
    assert cookie["expires"] > clock.now().timestamp() + 179 * 86400
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
    assert device_cookie(page)["value"] == cookie["value"]

    # A stranger at the same address asks for the owner's codes until the address's budget is spent.
    with session_scope() as db:
        ip = db.exec(select(LoginAttempt.client_ip).where(LoginAttempt.contact_id == contact_id)).first()
        for _ in range(5):
            db.add(LoginAttempt(created_at=clock.now(), email=email, contact_id=contact_id, client_ip=ip,
                                kind="code_request", outcome="sent_email"))
    stranger = browser.new_context(viewport={"width": 1280, "height": 800})
    other = stranger.new_page()
    request_code(other, app_url, email)
    expect(other.get_by_role("alert")).to_contain_text("Too many codes were requested for this address.")
    shots(other, "login-device-stranger-refused")
    stranger.close()

    # The owner's browser still gets a code, on a phone-width screen, and logs in.
    page.set_viewport_size(PHONE)
    before = last_message_id()
    request_code(page, app_url, email)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    shots(page, "login-device-owner-code-390")
    page.set_viewport_size({"width": 1280, "height": 800})
    shots(page, "login-device-owner-code-1280")
    page.get_by_label("6-digit code").fill(latest_code(email, before))
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#greeting")).to_have_text("Hello Odile")
    assert device_cookie(page)["value"] == cookie["value"]  # the same device keeps its budget
