"""Pages on a phone: nothing wider than the screen; the login page is accessible by label and role."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from portal_app.core.db import session_scope
from tests.support.browser import PHONE, last_message_id, latest_code, no_horizontal_overflow
from tests.factories import make_contact

def test_login_and_home_fit_a_phone(browser: Browser, app_url, shots):
    with session_scope() as db:
        email = make_contact(db, email="phone.user@example.com", first_name="Paul").email
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{app_url}/login")
    expect(page.get_by_role("heading", name="Log in to your customer area")).to_be_visible()
    assert no_horizontal_overflow(page)
    shots(page, "phone-login")
    before = last_message_id()
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("6-digit code").fill(latest_code(email, before))
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#greeting")).to_have_text("Hello Paul")
    assert no_horizontal_overflow(page)
    shots(page, "phone-home")
    # the picker switches the whole shell live, and the choice is kept on the contact
    page.get_by_label("Language").select_option("de")
    expect(page.locator("#greeting")).to_have_text("Hallo Paul")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    from portal_app.core.models.accounts import Contact
    from sqlmodel import select

    with session_scope() as db:
        assert db.exec(select(Contact).where(Contact.email == email)).one().language == "de"
    context.close()
