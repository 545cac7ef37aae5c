"""Staff: log in with TOTP enrolment, create a contact, invite, diagnose, impersonate and end it."""

from __future__ import annotations

import itertools

from playwright.sync_api import Page, expect
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.accounts import Contact
from portal_app.core.models.notify import OutboundMessage
from tests.support.browser import PASSWORD, staff_login
from tests.factories import make_account, make_staff

_n = itertools.count(1)



def test_staff_journey(page: Page, app_url, shots):
    n = next(_n)
    with session_scope() as db:
        email = make_staff(db, email=f"agent{n}@guichet.example", password=PASSWORD, name=f"Agent {n}").email
        account = make_account(db, name=f"Console Co {n}")
        account_id = account.id
    # wrong password first: a clear message, nothing more
    page.goto(f"{app_url}/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password.")

    staff_login(page, app_url, email, shots)

    # a new contact on the account; saving sends nothing
    page.goto(f"{app_url}/admin/contact?account={account_id}")
    expect(page.get_by_role("heading", name="New contact")).to_be_visible()
    contact_email = f"new.contact{n}@example.com"
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Blanc")
    page.get_by_label("Email (login)").fill("nora@intranet")  # the browser accepts it, the server does not
    page.locator("#save-contact").click()
    expect(page.get_by_role("alert")).to_contain_text("This email address is not valid.")
    page.get_by_label("Email (login)").fill(contact_email)
    page.get_by_label("Mobile").fill("06 11 22 33 44")
    page.get_by_role("main").get_by_label("Language").select_option("fr")
    page.locator("#save-contact").click()
    expect(page.get_by_role("heading", name=contact_email)).to_be_visible()
    with session_scope() as db:
        contact = db.exec(select(Contact).where(Contact.email == contact_email)).one()
        assert contact.mobile == "+33611223344" and contact.language == "fr"
        assert db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id)).all() == []
    shots(page, "staff-contact")

    # invitation: preview in the contact's language, then an explicit send
    page.locator("#open-invitation").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Votre accès")
    shots(page, "staff-invitation-preview")
    page.locator("#confirm-invitation").click()
    expect(page.get_by_text("The invitation has been sent.")).to_be_visible()
    with session_scope() as db:
        sent = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id)).all()
        assert [(m.template, m.status, m.language) for m in sent] == [("invitation", "sent", "fr")]

    # diagnosis: computed from data, including that invitation
    diagnosis = page.locator("#diagnosis")
    expect(diagnosis).to_contain_text("Portal access is on")
    expect(page.get_by_text("Can log in", exact=True)).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("invitation")

    # impersonation: the portal as Nora, with a banner naming both
    page.locator("#impersonate").click()
    banner = page.locator("#impersonation-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"Agent {n}")
    expect(banner).to_contain_text("Nora Blanc")
    expect(page.locator("#greeting")).to_contain_text("Nora")
    shots(page, "impersonation")
    banner.get_by_role("button").click()
    expect(page.get_by_role("heading", name=contact_email)).to_be_visible()
    with session_scope() as db:
        actions = [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.target_id == contact.id,
                                                                      AuditEvent.action.startswith("impersonation")))]
        assert actions == ["impersonation.start", "impersonation.end"]
    # the portal session is gone with the impersonation: this tab's portal pages lead back to the console
    page.goto(f"{app_url}/")
    expect(page.get_by_role("heading", name=contact_email)).to_be_visible()
    expect(page.locator("#greeting")).to_have_count(0)

    # delivery log shows the invitation
    page.goto(f"{app_url}/admin/deliveries")
    expect(page.get_by_role("table")).to_contain_text(contact_email)
    shots(page, "staff-deliveries")
