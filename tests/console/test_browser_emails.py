"""Console › Customer emails in Chromium (issue 15): staff rewrite the invitation, the preview follows the
draft before anything is saved, an unknown placeholder is named, Save reaches the invitation a contact gets,
and "Back to the default text" restores it. Wide screen and phone."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, expect
from sqlmodel import select

from portal_app.core import audit
from portal_app.core.business import branding
from portal_app.core.db import session_scope
from portal_app.core.models.notify import OutboundMessage
from portal_app.core.notify import templates
from tests.factories import make_account, make_contact
from tests.support.browser import PHONE, no_horizontal_overflow, staff_page

DEFAULT_SUBJECT = re.compile(r"^Your access to the .+ customer area$")


def test_staff_edit_the_invitation_and_the_preview_follows(browser: Browser, app_url, shots):
    marker = uuid.uuid4().hex[:6]
    subject = "Welcome aboard, {name} (" + marker + ")"
    with session_scope() as db:
        contact = make_contact(db, make_account(db, name="Template Bakery"), first_name="Lena",
                               email=f"lena-{marker}@example.com", language="en")
        contact_id = contact.id
    page = staff_page(browser, app_url, viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{app_url}/admin/settings/emails?template=invitation&lang=en")
        expect(page.get_by_role("heading", name="Customer emails")).to_be_visible()
        expect(page.locator("#preview-subject")).to_have_text(DEFAULT_SUBJECT)
        preview = page.frame_locator('iframe[title="Preview"]').locator("body")
        expect(preview).to_contain_text("invites you to its customer area")

        # Typing moves the preview (sample data, escaped), nothing is saved yet.
        page.get_by_label("Subject", exact=True).fill(subject)
        expect(page.locator("#preview-subject")).to_have_text(f"Welcome aboard, Marie Dupont ({marker})")
        page.get_by_label("Text", exact=True).fill("Hello {name}, <b>come in</b>: {vorname}")
        expect(page.get_by_role("alert")).to_contain_text("{vorname}")
        page.get_by_label("Text", exact=True).fill("Hello {name}, <b>come in</b> to {business}.")
        expect(page.get_by_role("alert")).to_have_count(0)
        expect(preview).to_contain_text("Hello Marie Dupont, <b>come in</b> to")
        expect(page.get_by_role("button", name="Back to the default text")).to_be_disabled()
        with session_scope() as db:
            assert all(t != "invitation" for t, *_ in branding(db).templates)
        shots(page, "emails-preview-follows-1280")

        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_text("The email is saved: customers get this text from now on.")).to_be_visible()
        expect(page.get_by_role("button", name="Back to the default text")).to_be_enabled()
        page.set_viewport_size(PHONE)
        expect(preview).to_contain_text("Hello Marie Dupont, <b>come in</b> to")  # the preview stays
        assert no_horizontal_overflow(page)
        shots(page, "emails-saved-390")

        # The invitation the contact gets is the saved text.
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{app_url}/admin/contact?id={contact_id}")
        page.locator("#open-invitation").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text(f"Welcome aboard, Lena ({marker})")
        expect(dialog.frame_locator("iframe").locator("body")).to_contain_text("Hello Lena, <b>come in</b> to")
        shots(page, "emails-invitation-uses-it-1280")
        page.locator("#confirm-invitation").click()
        expect(page.get_by_text("The invitation has been sent.")).to_be_visible()
        with session_scope() as db:
            sent = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact_id)).one()
        assert sent.template == "invitation" and sent.subject == f"Welcome aboard, Lena ({marker})"
        assert "&lt;b&gt;come in&lt;/b&gt;" in sent.body_html and "<b>come in" not in sent.body_html

        # Back to the default text, on a phone.
        page.set_viewport_size(PHONE)
        page.goto(f"{app_url}/admin/settings/emails?template=invitation&lang=en")
        page.get_by_role("button", name="Back to the default text").click()
        expect(page.get_by_text("The email is back to its default text.")).to_be_visible()
        expect(page.locator("#preview-subject")).to_have_text(DEFAULT_SUBJECT)
        shots(page, "emails-reset-390")
    finally:
        with session_scope() as db:
            templates.reset_rewrite(db, audit.SYSTEM, "invitation", "en")
        page.context.close()
