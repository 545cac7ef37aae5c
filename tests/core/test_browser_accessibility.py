"""Accessibility: axe-core finds no serious or critical problem on the customer pages and the console login."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from portal_app.core.db import session_scope
from tests.support.browser import last_message_id, latest_code, serious_violations
from tests.factories import make_contact




def test_customer_pages_and_console_login(page: Page, app_url):
    page.goto(f"{app_url}/login")
    expect(page.get_by_role("heading", name="Log in to your customer area")).to_be_visible()
    assert serious_violations(page) == []
    with session_scope() as db:
        email = make_contact(db, email="a11y@example.com", first_name="Ada").email
    before = last_message_id()
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_label("6-digit code")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("6-digit code").fill(latest_code(email, before))
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#greeting")).to_have_text("Hello Ada")
    assert serious_violations(page) == []
    page.goto(f"{app_url}/admin/login")
    expect(page.get_by_role("heading", name="Staff console")).to_be_visible()
    assert serious_violations(page) == []
