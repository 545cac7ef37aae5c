"""A login code that bounced shows in the contact's diagnosis with its reason in plain words; staff fix
nothing else and clear the mark: wide screen and phone."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from portal_app.core import notify
from portal_app.core.auth import login
from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Contact
from portal_app.core.notify import receipts
from tests.factories import make_contact
from tests.support.browser import PHONE, no_horizontal_overflow, staff_page

REASON = "the receiving server said the mailbox does not exist"


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
        shots(page, f"diagnosis-bounced-{width}")

        page.locator("#clear-email-mark").click()
        expect(page.get_by_text("The email is no longer marked as failing.")).to_be_visible()
        expect(page.locator("#email-failing")).to_have_count(0)
        with session_scope() as db:
            assert db.get(Contact, contact_id).email_failing_at is None
        shots(page, f"diagnosis-cleared-{width}")
        page.context.close()
