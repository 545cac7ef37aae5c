"""A login code that bounced shows in the contact's diagnosis with its reason in plain words and staff clear
the mark; staff fix the address, clear the mark, and the next code goes to the fixed address and is reported
delivered: wide screen and phone."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from sqlmodel import select

from portal_app.core import notify
from portal_app.core.auth import login
from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Contact
from portal_app.core.notify import receipts
from tests.factories import make_contact
from tests.support.browser import PHONE, customer_login, last_message_id, no_horizontal_overflow, staff_page

REASON = "the receiving server said the mailbox does not exist"


def _fits_the_screen(page, locator) -> bool:
    """The page clips what runs past its right edge (overflow-x hidden): check the element itself."""
    box = locator.bounding_box()
    return box["x"] + box["width"] <= page.viewport_size["width"] + 1


def _bounced_code(email: str) -> int:
    """A contact whose last login code SendGrid reported as a hard bounce (5.1.1)."""
    with session_scope() as db:
        contact = make_contact(db, email=email)
        sent = login.request_code(db, email, "198.51.100.20")
        row = notify.deliver(db, sent.deliveries[0])
        row.provider_id = f"sg-{uuid.uuid4().hex}"
        db.add(row)
        db.flush()
        receipts.apply(db, "email", receipts.Report(row.provider_id, "bounced",
                                                    "550 5.1.1 The email account does not exist", "5.1.1",
                                                    hard=True))
        return contact.id


def test_a_bounced_code_shows_in_the_diagnosis_and_staff_clear_the_mark(browser, app_url, shots):
    marker = uuid.uuid4().hex[:8]
    for width, viewport in (("1280", {"width": 1280, "height": 900}), ("390", PHONE)):
        contact_id = _bounced_code(f"nobody.{width}.{marker}@example.org")
        page = staff_page(browser, app_url, viewport=viewport)
        page.goto(f"{app_url}/admin/contact?id={contact_id}")
        mark = page.locator("#email-failing")
        expect(mark).to_contain_text(REASON)
        expect(page.locator("#diagnosis")).to_contain_text(REASON)
        expect(page.get_by_role("row").filter(has_text="login_code")).to_contain_text("5.1.1")
        assert no_horizontal_overflow(page)
        assert _fits_the_screen(page, page.get_by_role("heading", level=1))
        shots(page, f"diagnosis-bounced-{width}")

        page.locator("#clear-email-mark").click()
        expect(page.get_by_text("The email is no longer marked as failing.")).to_be_visible()
        expect(page.locator("#email-failing")).to_have_count(0)
        with session_scope() as db:
            assert db.get(Contact, contact_id).email_failing_at is None
        shots(page, f"diagnosis-cleared-{width}")
        page.context.close()


def test_staff_fix_the_address_clear_the_mark_and_the_next_code_is_delivered(browser, app_url, shots):
    from portal_app.core.models.notify import OutboundMessage

    marker = uuid.uuid4().hex[:8]
    contact_id = _bounced_code(f"typo.{marker}@example.org")
    fixed = f"fixed.{marker}@example.org"
    page = staff_page(browser, app_url, viewport={"width": 1280, "height": 900})
    page.goto(f"{app_url}/admin/contact?id={contact_id}")
    expect(page.locator("#email-failing")).to_contain_text(REASON)
    page.get_by_label("Email (login)").fill(fixed)
    page.locator("#save-contact").click()
    expect(page.get_by_role("heading", name=fixed)).to_be_visible()
    page.locator("#clear-email-mark").click()
    expect(page.get_by_text("The email is no longer marked as failing.")).to_be_visible()

    # The customer asks for a code at the fixed address, on a phone: it comes by email and opens the portal.
    customer = browser.new_context(viewport=PHONE).new_page()
    before = last_message_id()
    customer_login(customer, app_url, fixed)
    customer.context.close()
    # SendGrid reports it delivered.
    with session_scope() as db:
        row = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact_id,
                                                    OutboundMessage.id > before)).one()
        assert (row.template, row.channel, row.recipient) == ("login_code", "email", fixed)
        row.provider_id = f"sg-{uuid.uuid4().hex}"
        db.add(row)
        db.flush()
        assert receipts.apply(db, "email", receipts.Report(row.provider_id, "delivered")) == "applied"

    for width, viewport in (("1280", {"width": 1280, "height": 900}), ("390", PHONE)):
        page.set_viewport_size(viewport)
        page.goto(f"{app_url}/admin/contact?id={contact_id}")
        check = page.locator("#diagnosis li").filter(has_text="Last code delivered")
        expect(check).to_contain_text("email: the receiving server accepted the email")
        expect(check.locator("svg.lucide-circle-check")).to_have_count(1)
        expect(page.locator("#email-failing")).to_have_count(0)
        expect(page.get_by_role("row").filter(has_text=fixed).filter(has_text="login_code")).to_contain_text(
            "delivered")
        assert no_horizontal_overflow(page)
        assert _fits_the_screen(page, page.get_by_role("heading", name=fixed))  # a long email wraps
        shots(page, f"diagnosis-fixed-delivered-{width}")
    page.context.close()
