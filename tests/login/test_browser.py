"""A customer logs in with a code (email, then SMS), fails with a wrong code, logs out."""

from __future__ import annotations

import itertools

from playwright.sync_api import Page, expect

from portal_app.core.db import session_scope
from tests.support.browser import last_message_id, latest_code
from tests.factories import make_account, make_contact

_n = itertools.count(1)


def customer(**kw) -> str:
    with session_scope() as db:
        acc = make_account(db, name=f"E2E Bakery {next(_n)}")
        return make_contact(db, acc, first_name="Jeanne", email=f"e2e{next(_n)}@example.com", **kw).email


def request_code(page: Page, app_url: str, email: str) -> None:
    page.goto(f"{app_url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()


def test_login_by_email_code_then_logout(page: Page, app_url, shots):
    email = customer()
    before = last_message_id()
    request_code(page, app_url, email)
    shots(page, "login-code-step")
    page.get_by_label("6-digit code").fill(latest_code(email, before))
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#greeting")).to_have_text("Hello Jeanne")
    shots(page, "home")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
    page.goto(f"{app_url}/")
    expect(page.get_by_role("heading", name="Log in to your customer area")).to_be_visible()


def test_login_by_sms_code(page: Page, app_url):
    email = customer(mobile="+33698765432")
    before = last_message_id()
    request_code(page, app_url, email)
    from portal_app.core.models.notify import OutboundMessage

    code = latest_code(email, before)
    with session_scope() as db:
        assert db.get(OutboundMessage, last_message_id()).channel == "sms"
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#greeting")).to_have_text("Hello Jeanne")


def test_wrong_code_is_refused_with_a_clear_message(page: Page, app_url, shots):
    email = customer()
    before = last_message_id()
    request_code(page, app_url, email)
    code = latest_code(email, before)
    page.get_by_label("6-digit code").fill(f"{(int(code) + 1) % 10**6:06d}")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("This code is not right. 4 tries left.")
    shots(page, "login-wrong-code")
    page.goto(f"{app_url}/")  # no session: back to the login page, still at the code step
    expect(page).to_have_url(f"{app_url}/login")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    expect(page.locator("#greeting")).to_have_count(0)


def test_protected_page_shows_nothing_without_a_session(page: Page, app_url):
    page.goto(f"{app_url}/")
    expect(page).to_have_url(f"{app_url}/login")
    expect(page.locator("#greeting")).to_have_count(0)


def test_language_picker_switches_live(page: Page, app_url):
    page.goto(f"{app_url}/login")
    expect(page.get_by_role("heading", name="Log in to your customer area")).to_be_visible()
    page.get_by_label("Language").select_option("fr")
    expect(page.get_by_role("heading", name="Connectez-vous à votre espace client")).to_be_visible()
    page.get_by_label("Langue").select_option("en")
