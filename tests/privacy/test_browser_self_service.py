"""Browser journeys of self-service and the staff side: a customer administrator gives access to a
colleague who then logs in with a code; a sign-up ends in the GDPR space only; staff read a contact's
consent history and fulfil an erasure before its deadline (desktop and phone)."""

from __future__ import annotations

import itertools
import re
import time

from playwright.sync_api import Page, expect
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Contact
from portal_app.core.models.notify import OutboundMessage
from portal_app.privacy import consents, requests, settings
from tests.factories import make_account, make_contact, staff_ctx
from tests.privacy.conftest import ctx_of
from tests.support.browser import PHONE, customer_login, no_horizontal_overflow, staff_page

_n = itertools.count(1)


def _tag() -> str:
    return f"{next(_n)}-{time.time_ns() % 10**8}"


def test_an_administrator_gives_access_to_a_colleague_who_then_logs_in(page: Page, browser, app_url, shots):
    tag = _tag()
    with session_scope() as db:
        acc = make_account(db, name=f"Atelier {tag}")
        boss = make_contact(db, acc, first_name="Maya", portal_role="admin", rights=["gdpr", "tickets"],
                            email=f"boss-{tag}@example.com")
        boss_email = boss.email
    colleague = f"colleague-{tag}@example.com"
    page.set_viewport_size({"width": 1280, "height": 900})
    customer_login(page, app_url, boss_email)
    page.goto(f"{app_url}/privacy")
    page.locator("#team-link").click()
    expect(page.get_by_role("heading", name="Your team")).to_be_visible()
    expect(page.get_by_text(boss_email)).to_be_visible()
    page.locator("#give-access").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("First name").fill("Léo")
    dialog.get_by_label("Email").fill(colleague)
    dialog.get_by_label("Support tickets").check()
    expect(dialog.get_by_label("Invoices")).to_have_count(0)  # a right the administrator lacks is not offered
    dialog.get_by_role("button", name="Save and send the access email").click()
    expect(page.get_by_text("Your colleague was added")).to_be_visible()
    expect(page.get_by_role("cell", name=colleague)).to_be_visible()
    shots(page, "team-1280")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_role("cell", name=colleague)).to_be_visible()
    shots(page, "team-390")
    with session_scope() as db:
        row = db.exec(select(Contact).where(Contact.email == colleague)).one()
        assert (row.account_id, row.rights) == (acc.id, ["tickets"])
        assert db.exec(select(OutboundMessage).where(OutboundMessage.recipient == colleague,
                                                     OutboundMessage.template == "invitation")).first()
    other = browser.new_context().new_page()
    customer_login(other, app_url, colleague)  # the colleague logs in with a code
    expect(other.locator("#greeting")).to_contain_text("Léo")


def _signup_code(email: str) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with session_scope() as db:
            row = db.exec(select(OutboundMessage).where(OutboundMessage.recipient == email,
                                                        OutboundMessage.template == "signup_code")).first()
        if row is not None:
            return re.search(r"\b(\d{6})\b", row.body_text).group(1)
        time.sleep(0.1)
    raise AssertionError("no sign-up code")


def test_a_sign_up_ends_in_the_gdpr_space_only(page: Page, app_url, shots):
    tag = _tag()
    domain = f"signup-{tag}.example"
    with session_scope() as db:
        make_account(db, name=f"Signup Co {tag}", domains=domain)
        settings.update_settings(db, staff_ctx(db).actor, intro={"en": "Your data, your say."}, dpo_email="",
                                 signup_enabled=True)
    email = f"newbie@{domain}"
    try:
        page.set_viewport_size(PHONE)
        page.goto(f"{app_url}/login")
        page.locator("#signup-link").click()
        expect(page.get_by_role("heading", name="Create your access")).to_be_visible()
        page.get_by_label("Email address").fill(email)
        page.get_by_role("button", name="Send me a code").click()
        expect(page.get_by_text("If this address can sign up")).to_be_visible()
        shots(page, "signup-390")
        page.get_by_label("6-digit code").fill(_signup_code(email))
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("First name").fill("Nour")
        page.get_by_label("Last name").fill("Haddad")
        page.get_by_role("button", name="Create my access").click()
        expect(page.get_by_role("heading", name="My personal data")).to_be_visible()
        expect(page.get_by_text("Your data, your say.")).to_be_visible()
        expect(page.locator("#team-link")).to_have_count(0)  # a member: no team page
        assert no_horizontal_overflow(page)
        page.set_viewport_size({"width": 1280, "height": 900})
        shots(page, "signup-done-1280")
        # GDPR only: the navigation offers the personal data space and nothing that needs another right
        expect(page.get_by_role("link", name="Invoices")).to_have_count(0)
    finally:
        with session_scope() as db:
            settings.update_settings(db, staff_ctx(db).actor, intro={}, dpo_email="", signup_enabled=False)


def test_staff_read_the_consent_history_and_fulfil_an_erasure(browser, app_url, shots):
    tag = _tag()
    from portal_app.core.auth import sessions as portal_sessions

    with session_scope() as db:
        acc = make_account(db, name=f"Erase Ltd {tag}")
        c = make_contact(db, acc, first_name="Ola", last_name="Nordmann", rights=["gdpr"],
                         email=f"erase-{tag}@example.com")
        token = portal_sessions.open_session(db, c.id)
        purpose = consents.save_purpose(db, staff_ctx(db).actor, None, names={"en": f"Postcards {tag}"},
                                        descriptions={}, active=True)
        consents.set_consent(db, ctx_of(db, token), purpose.id, True)
        requests.create_request(db, ctx_of(db, token), "erasure")
        contact_id, email = c.id, c.email
    page = staff_page(browser, app_url, viewport={"width": 1280, "height": 900})
    page.goto(f"{app_url}/admin/contact?id={contact_id}")
    panel = page.locator("#consent-history-panel")
    expect(panel).to_contain_text(f"Postcards {tag}")
    expect(panel).to_contain_text("Granted")
    shots(page, "contact-consents-1280")
    page.goto(f"{app_url}/admin/privacy-requests")
    row = page.get_by_role("row").filter(has_text=email)
    expect(row).to_contain_text("days left")  # before its deadline
    row.get_by_role("button", name="Erase").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Erase").click()
    # While the dialog is open the page behind it is hidden from the accessibility tree: wait for it to
    # close (the erasure has then been committed), then the row is gone from the open requests.
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.get_by_text("The contact has been anonymised.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=email)).to_have_count(0)
    with session_scope() as db:
        gone = db.get(Contact, contact_id)
        assert gone.first_name == "" and gone.email.startswith("erased-")
