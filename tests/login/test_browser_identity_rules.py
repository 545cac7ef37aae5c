"""Customer identity rules in Chromium (issue 12): a business that requires an authenticator app of account
administrators refuses an administrator without one (a member still logs in; the administrator's earlier
session sets one up and the next login asks for it); a contact who forgot their password sets a new one
by the emailed link: the new one works, the old one and the link do not, other sessions end."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from portal_app.core.business import forget_cached_business, get_business
from portal_app.core.db import session_scope
from portal_app.core.models.auth import LoginAttempt
from portal_app.core.models.notify import OutboundMessage
from portal_app.core.security import hash_password
from tests.factories import make_account, make_contact
from tests.support.browser import PHONE, customer_login, last_message_id, staff_page

WIDE = {"width": 1280, "height": 800}
REFUSED = "This portal asks you to use an authenticator app, and none is set up for you yet."


def _set_business(**values) -> None:
    with session_scope() as db:
        row = get_business(db)
        for name, value in values.items():
            setattr(row, name, value)
    forget_cached_business()


def test_a_business_requiring_the_app_refuses_an_administrator_without_it(browser: Browser, app_url, shots):
    with session_scope() as db:
        account = make_account(db, name="Strict Bakery")
        admin = make_contact(db, account, first_name="Ada", email="ada-admin-totp@example.com", portal_role="admin")
        make_contact(db, account, first_name="Max", email="max-member-totp@example.com")
        admin_id = admin.id
    # Ada logged in before the rule: that session is how she sets the app up afterwards.
    earlier = browser.new_context(viewport=WIDE).new_page()
    customer_login(earlier, app_url, "ada-admin-totp@example.com")
    try:
        # The owner requires the app for account administrators, in Console › Settings.
        console = staff_page(browser, app_url, viewport=WIDE)
        console.goto(f"{app_url}/admin/settings")
        console.get_by_label("Authenticator app for customers").select_option(label="Required for account administrators")
        console.get_by_role("button", name="Save", exact=True).click()
        expect(console.get_by_text("Saved.", exact=True)).to_be_visible()
        with session_scope() as db:
            assert get_business(db).customer_totp == "admins"

        # A new login by code: the right code, and still no session, with a clear message.
        for viewport, width in ((WIDE, "1280"), (PHONE, "390")):
            page = browser.new_context(viewport=viewport).new_page()
            customer_login(page, app_url, "ada-admin-totp@example.com", home=False)
            expect(page.get_by_role("alert")).to_contain_text(REFUSED)
            shots(page, f"totp-required-refused-{width}")
            page.goto(f"{app_url}/")
            expect(page).to_have_url(f"{app_url}/login")
            expect(page.locator("#greeting")).to_have_count(0)
            page.context.close()
        with session_scope() as db:
            outcomes = db.exec(select(LoginAttempt.outcome).where(LoginAttempt.contact_id == admin_id,
                                                                  LoginAttempt.kind == "code_verify")).all()
            assert outcomes == ["ok", "totp_missing", "totp_missing"]
        # A member of the same account is not concerned.
        member = browser.new_context(viewport=PHONE).new_page()
        customer_login(member, app_url, "max-member-totp@example.com")
        expect(member.locator("#greeting")).to_have_text("Hello Max")
        member.context.close()

        # Staff see why in the diagnosis.
        console.goto(f"{app_url}/admin/contact?id={admin_id}")
        expect(console.locator("#diagnosis")).to_contain_text("required by the business but not set up")
        expect(console.get_by_text("Cannot log in", exact=True)).to_be_visible()
        shots(console, "totp-required-diagnosis-1280")

        # Ada's earlier session: the app is required (no way to switch it off), she sets it up.
        earlier.goto(f"{app_url}/security")
        expect(earlier.get_by_text("This portal requires an authenticator app for your account.")).to_be_visible()
        earlier.get_by_role("button", name="Set up an authenticator app").click()
        expect(earlier.locator("#totp-qr")).to_be_visible()
        key = earlier.frame_locator("#totp-key").locator("#key").inner_text().replace(" ", "")
        totp = pyotp.TOTP(key)
        earlier.get_by_label("6-digit code").fill(totp.now())
        earlier.get_by_role("button", name="Switch on").click()
        expect(earlier.locator("#recovery-codes li")).to_have_count(10)
        expect(earlier.locator("#disable-totp")).to_have_count(0)

        # Now her code login goes on to the app, and opens the portal.
        page = browser.new_context(viewport=PHONE).new_page()
        customer_login(page, app_url, "ada-admin-totp@example.com", home=False)
        expect(page.get_by_role("heading", name="Code from your authenticator app")).to_be_visible()
        page.get_by_label("6-digit code (or a recovery code)").fill(totp.at(time.time() + 30))
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#greeting")).to_have_text("Hello Ada")
        shots(page, "totp-required-after-enrolment-390")
    finally:
        _set_business(customer_totp="optional")


def _reset_link(email: str, after_id: int, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope() as db:
            row = db.exec(select(OutboundMessage).where(OutboundMessage.recipient == email,
                                                        OutboundMessage.template == "password_reset",
                                                        OutboundMessage.id > after_id)).first()
            if row is not None:
                return re.search(r"/password\?token=[\w-]+", row.body_text).group(0)
        time.sleep(0.1)
    raise AssertionError(f"no reset link sent to {email}")


def _password_login(page: Page, app_url: str, email: str, password: str) -> None:
    page.goto(f"{app_url}/login")
    page.get_by_role("button", name="Log in with a password").click()
    # The code step's form has an "Email address" too: type once the password step has replaced it, as a
    # person does (typing into the form on its way out was lost, or doubled, when the server was slow).
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def test_forgotten_password_a_new_one_by_the_link_ends_the_old_one_and_other_sessions(browser: Browser, app_url,
                                                                                         shots):
    email, old, new = "rita-reset@example.com", "old-lantern-meadow-27", "new-copper-violin-58"
    with session_scope() as db:
        contact = make_contact(db, make_account(db, name="Reset Bakery"), first_name="Rita", email=email)
        contact.password_hash = hash_password(old)
        db.add(contact)
    _set_business(password_login_enabled=True)
    try:
        # Rita is logged in on another device with her old password.
        other = browser.new_context(viewport=WIDE).new_page()
        _password_login(other, app_url, email, old)
        expect(other.locator("#greeting")).to_have_text("Hello Rita")

        page = browser.new_context(viewport=PHONE).new_page()
        page.goto(f"{app_url}/login")
        page.get_by_label("Email address").fill(email)  # typed on the code step, then she changes her mind
        page.get_by_role("button", name="Log in with a password").click()
        expect(page.get_by_label("Password", exact=True)).to_be_visible()
        expect(page.get_by_label("Email address")).to_have_value(email)  # the step's own field, filled in
        page.get_by_role("button", name="First connection or forgotten password?").click()
        expect(page.get_by_role("button", name="Send me a link")).to_be_visible()
        expect(page.get_by_label("Email address")).to_have_value(email)
        before = last_message_id()
        page.get_by_role("button", name="Send me a link").click()
        expect(page.get_by_text("we have sent a link to choose a password")).to_be_visible()
        shots(page, "password-forgot-sent-390")
        link = _reset_link(email, before)

        page.goto(app_url + link)
        page.get_by_label("New password (at least 12 characters)").fill("x" * 73)
        page.get_by_role("button", name="Save my password").click()
        expect(page.get_by_role("alert")).to_contain_text("Passwords are limited to 72 bytes.")
        page.get_by_label("New password (at least 12 characters)").fill(new)
        page.get_by_role("button", name="Save my password").click()
        expect(page.get_by_text("Your password is saved.")).to_be_visible()
        shots(page, "password-reset-saved-390")

        # The other device's session has ended.
        other.goto(f"{app_url}/")
        expect(other).to_have_url(f"{app_url}/login")
        expect(other.locator("#greeting")).to_have_count(0)
        # The link works once.
        other.goto(app_url + link)
        expect(other.get_by_role("alert")).to_contain_text("This link has expired or was already used.")
        expect(other.get_by_label("New password (at least 12 characters)")).to_have_count(0)
        shots(other, "password-reset-link-used-1280")

        # The old password no longer opens the portal; the new one does.
        _password_login(other, app_url, email, old)
        expect(other.get_by_role("alert")).to_contain_text("The email address or the password is not right.")
        expect(other.locator("#greeting")).to_have_count(0)
        shots(other, "password-reset-old-refused-1280")
        page.set_viewport_size(WIDE)
        _password_login(page, app_url, email, new)
        expect(page.locator("#greeting")).to_have_text("Hello Rita")
        shots(page, "password-reset-new-works-1280")
    finally:
        _set_business(password_login_enabled=False)
