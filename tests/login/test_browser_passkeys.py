"""Customer identity in Chromium: a passkey registered after a code login, then a login with it and no
email typed (virtual authenticator, DevTools WebAuthn domain); an authenticator app enrolled by its
key, then asked after the login code."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal_app.core.config import reload_settings
from portal_app.core.db import session_scope
from portal_app.core.models.auth import LoginAttempt, Passkey
from tests.factories import make_account, make_contact
from tests.support.browser import PHONE, customer_login


@pytest.fixture
def base_url_is_the_app(app_url):
    """WebAuthn checks the page's origin against GUICHET_BASE_URL: here, the test server's, by host name
    (an IP address cannot be a relying-party id)."""
    old = os.environ.get("GUICHET_BASE_URL")
    url = app_url.replace("://127.0.0.1", "://localhost")
    os.environ["GUICHET_BASE_URL"] = url
    reload_settings()
    yield url
    if old is None:
        os.environ.pop("GUICHET_BASE_URL", None)
    else:
        os.environ["GUICHET_BASE_URL"] = old
    reload_settings()


def virtual_authenticator(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})


def test_register_a_passkey_then_log_in_with_it(page: Page, base_url_is_the_app, shots):
    app_url = base_url_is_the_app
    with session_scope() as db:
        contact = make_contact(db, make_account(db, name="Passkey Bakery"), first_name="Paula",
                               email="paula-passkey@example.com")
        contact_id = contact.id
    page.set_viewport_size({"width": 1280, "height": 800})
    page.on("console", lambda m: print("browser:", m.text))
    virtual_authenticator(page)

    customer_login(page, app_url, "paula-passkey@example.com")
    offer = page.locator("#passkey-offer")
    expect(offer).to_be_visible()
    shots(page, "passkey-offer-1280")
    offer.get_by_label("Name of this passkey (optional)").fill("Work laptop")
    offer.get_by_role("button", name="Use a passkey next time").click()
    expect(page.get_by_role("heading", name="Sign-in methods")).to_be_visible()
    expect(page.locator("#passkeys")).to_contain_text("Work laptop")
    expect(page.get_by_text("Your passkey is saved.")).to_be_visible()
    shots(page, "passkey-security-1280")
    page.set_viewport_size(PHONE)
    shots(page, "passkey-security-390")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
    shots(page, "passkey-login-390")
    page.get_by_role("button", name="Log in with a passkey").click()
    expect(page.locator("#greeting")).to_have_text("Hello Paula")
    expect(page.locator("#passkey-offer")).to_have_count(0)  # she has one now

    with session_scope() as db:
        row = db.exec(select(Passkey).where(Passkey.contact_id == contact_id)).one()
        assert row.name == "Work laptop" and row.last_used_at is not None
        outcomes = db.exec(select(LoginAttempt.outcome).where(LoginAttempt.contact_id == contact_id,
                                                              LoginAttempt.kind == "passkey")).all()
        assert outcomes == ["ok"]


def test_enrol_an_authenticator_app_then_log_in_with_it(page: Page, app_url, shots):
    """On the test server's own address: the QR code and key routes need the session cookie, which the
    browser sends to the backend's host."""
    import time

    import pyotp

    with session_scope() as db:
        make_contact(db, make_account(db, name="Totp Bakery"), first_name="Tom", email="tom-totp@example.com")
    page.set_viewport_size({"width": 1280, "height": 800})
    customer_login(page, app_url, "tom-totp@example.com")
    page.goto(f"{app_url}/security")
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.locator("#totp-qr")).to_be_visible()
    key = page.frame_locator("#totp-key").locator("#key").inner_text().replace(" ", "")
    assert len(key) >= 16
    shots(page, "totp-enrol-1280")
    totp = pyotp.TOTP(key)
    page.get_by_label("6-digit code").fill(totp.now())
    page.get_by_role("button", name="Switch on").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.set_viewport_size(PHONE)
    shots(page, "totp-recovery-390")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
    customer_login(page, app_url, "tom-totp@example.com", home=False)
    expect(page.get_by_role("heading", name="Code from your authenticator app")).to_be_visible()
    shots(page, "totp-login-390")
    page.get_by_label("6-digit code (or a recovery code)").fill(totp.at(time.time() + 30))  # the next step
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#greeting")).to_have_text("Hello Tom")


def password_link(email: str, timeout: float = 10) -> str:
    import re
    import time

    from portal_app.core.models.notify import OutboundMessage

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope() as db:
            row = db.exec(select(OutboundMessage).where(OutboundMessage.recipient == email,
                                                        OutboundMessage.template.like("password_%"))
                          .order_by(OutboundMessage.id.desc())).first()
            if row is not None:
                return re.search(r"/password\?token=[\w-]+", row.body_text).group(0)
        time.sleep(0.1)
    raise AssertionError(f"no password link sent to {email}")


def test_password_first_connection_then_login(page: Page, app_url, shots):
    from portal_app.core.business import forget_cached_business, get_business

    with session_scope() as db:
        make_contact(db, make_account(db, name="Password Bakery"), first_name="Pia", email="pia-pw@example.com")
        get_business(db).password_login_enabled = True
    forget_cached_business()
    try:
        page.set_viewport_size(PHONE)
        page.goto(f"{app_url}/login")
        page.get_by_role("button", name="Log in with a password").click()
        page.get_by_role("button", name="First connection or forgotten password?").click()
        expect(page.get_by_role("button", name="Send me a link")).to_be_visible()  # that step's own field
        page.get_by_label("Email address").fill("pia-pw@example.com")
        page.get_by_role("button", name="Send me a link").click()
        expect(page.get_by_text("we have sent a link to choose a password")).to_be_visible()
        page.goto(app_url + password_link("pia-pw@example.com"))
        page.get_by_label("New password (at least 12 characters)").fill("password1234")
        page.get_by_role("button", name="Save my password").click()
        expect(page.get_by_role("alert")).to_contain_text("too easy to guess")
        page.get_by_label("New password (at least 12 characters)").fill("plum-harbour-kettle-91")
        page.get_by_role("button", name="Save my password").click()
        expect(page.get_by_text("Your password is saved.")).to_be_visible()
        shots(page, "password-saved-390")
        page.get_by_role("link", name="Go to the login page").click()
        page.get_by_role("button", name="Log in with a password").click()
        expect(page.get_by_label("Password", exact=True)).to_be_visible()  # the password step's own field
        page.get_by_label("Email address").fill("pia-pw@example.com")
        page.get_by_label("Password", exact=True).fill("plum-harbour-kettle-91")
        page.set_viewport_size({"width": 1280, "height": 800})
        shots(page, "password-login-1280")
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.locator("#greeting")).to_have_text("Hello Pia")
    finally:
        with session_scope() as db:
            get_business(db).password_login_enabled = False
        forget_cached_business()
