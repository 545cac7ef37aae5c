"""Browser journeys of the staff side of privacy, by role and label: staff attach a waiting sign-up to an
account and reject another from the Sign-ups page; prepare a contact's data archive on their page and
download it once; grant a right to a contact with no access and, from the offer that follows, send the
access email (desktop 1280 px and phone 390 px)."""

from __future__ import annotations

import itertools
import json
import time
import zipfile

from playwright.sync_api import expect
from sqlmodel import select

from portal_app.core import clock
from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Contact
from portal_app.core.models.notify import OutboundMessage
from portal_app.privacy.models import PrivacyRequest, SignupChallenge
from tests.factories import make_account, make_contact
from tests.support.browser import PHONE, no_horizontal_overflow, staff_page

_n = itertools.count(1)
DESKTOP = {"width": 1280, "height": 900}


def _tag() -> str:
    return f"{next(_n)}{time.time_ns() % 10**7}"


def _waiting(db, email: str, first: str) -> int:
    now = clock.now()
    row = SignupChallenge(email=email, created_at=now, expires_at=now, verified_at=now, used_at=now, waiting=True,
                          first_name=first, last_name="Signup", language="en")
    db.add(row)
    db.flush()
    return row.id


def test_staff_attach_one_waiting_sign_up_and_reject_another(browser, app_url, shots):
    tag = _tag()
    keep, drop = f"keep-{tag}@nomatch{tag}.example", f"drop-{tag}@nomatch{tag}.example"
    with session_scope() as db:
        account = make_account(db, name=f"Signup Target {tag}")
        account_id = account.id
        _waiting(db, keep, "Keep")
        _waiting(db, drop, "Drop")
    page = staff_page(browser, app_url, viewport=DESKTOP)
    page.goto(f"{app_url}/admin")
    page.get_by_role("link", name="Sign-ups").click()
    expect(page.get_by_role("heading", name="Sign-ups")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=keep)
    expect(row).to_contain_text("Keep Signup")
    shots(page, "staff-signups-1280")
    row.get_by_role("button", name="Attach to an account").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(keep)
    dialog.get_by_label("Account").select_option(label=f"Signup Target {tag} ({account.number})")
    expect(dialog.get_by_role("checkbox", name="Send the access email now")).to_be_checked()
    shots(page, "staff-signups-attach-1280")
    dialog.get_by_role("button", name="Attach to an account").click()
    # The machine is shared: the answer may take more than the default five seconds.
    expect(page.get_by_text("Attached: the contact now has the personal data space.")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("dialog")).to_have_count(0, timeout=15_000)
    expect(page.get_by_role("row").filter(has_text=keep)).to_have_count(0)

    page.get_by_role("row").filter(has_text=drop).get_by_role("button", name="Reject").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Sign-up rejected; the person has been told.")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("alertdialog")).to_have_count(0, timeout=15_000)
    expect(page.get_by_role("row").filter(has_text=drop)).to_have_count(0)
    with session_scope() as db:
        made = db.exec(select(Contact).where(Contact.email == keep)).one()
        assert (made.account_id, made.rights) == (account_id, ["gdpr"])
        assert db.exec(select(Contact).where(Contact.email == drop)).first() is None
        assert db.exec(select(OutboundMessage).where(OutboundMessage.recipient == keep,
                                                     OutboundMessage.template == "invitation")).first()
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_role("heading", name="Sign-ups")).to_be_visible()
    assert no_horizontal_overflow(page)
    shots(page, "staff-signups-390")


def test_staff_prepare_a_contacts_archive_and_download_it_once(browser, app_url, shots):
    tag = _tag()
    with session_scope() as db:
        c = make_contact(db, make_account(db, name=f"Export Ltd {tag}"), first_name="Ada", rights=["gdpr"],
                         email=f"staff-export-{tag}@example.com")
        contact_id, email = c.id, c.email
    page = staff_page(browser, app_url, viewport=DESKTOP)
    page.goto(f"{app_url}/admin/contact?id={contact_id}")
    panel = page.locator("#staff-export-panel")
    expect(panel.get_by_role("heading", name="Data export")).to_be_visible()
    panel.get_by_role("button", name="Prepare the data archive").click()
    link = panel.get_by_role("link", name="Download")
    expect(link).to_be_visible(timeout=30_000)
    expect(panel).to_contain_text("Ready")
    panel.scroll_into_view_if_needed()
    shots(page, "staff-export-1280")
    href = link.get_attribute("href")
    with page.expect_download() as info:
        link.click()
    held = json.loads(zipfile.ZipFile(info.value.path()).read("data.json"))
    assert held["contact"]["email"] == email
    expect(panel).to_contain_text("Downloaded", timeout=20_000)
    assert page.request.get(href).status == 404  # once
    with session_scope() as db:
        row = db.exec(select(PrivacyRequest).where(PrivacyRequest.contact_id == contact_id)).one()
        assert row.requested_by_staff_id is not None and row.status == "downloaded"
    page.set_viewport_size(PHONE)
    panel.scroll_into_view_if_needed()
    assert no_horizontal_overflow(page)
    shots(page, "staff-export-390")


def test_granting_a_right_offers_the_access_email_and_sends_it_on_request(browser, app_url, shots):
    tag = _tag()
    with session_scope() as db:
        c = make_contact(db, make_account(db, name=f"Offer Ltd {tag}"), first_name="Omar", portal_access=False,
                         rights=["messages"], email=f"give-access-{tag}@example.com")
        contact_id, email = c.id, c.email
    page = staff_page(browser, app_url, viewport=DESKTOP)
    page.goto(f"{app_url}/admin/contact?id={contact_id}")
    expect(page.get_by_role("heading", name=email)).to_be_visible()
    page.get_by_role("checkbox", name="Personal data").check()
    page.get_by_role("button", name="Save", exact=True).click()
    offer = page.locator("#access-offer")
    expect(offer).to_contain_text("This contact has no access email yet. Give access now?", timeout=20_000)
    with session_scope() as db:  # saving sent nothing
        assert db.exec(select(OutboundMessage).where(OutboundMessage.recipient == email)).first() is None
    shots(page, "staff-give-access-offer-1280")
    page.set_viewport_size(PHONE)
    expect(offer).to_be_visible()
    assert no_horizontal_overflow(page)
    shots(page, "staff-give-access-offer-390")
    page.set_viewport_size(DESKTOP)
    offer.get_by_role("button", name="Send the access email now").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(email)
    dialog.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("The invitation has been sent.")).to_be_visible(timeout=20_000)
    expect(page.locator("#access-offer")).to_have_count(0)
    with session_scope() as db:
        contact = db.get(Contact, contact_id)
        assert contact.portal_access and contact.invited_at is not None and "gdpr" in contact.rights
        assert db.exec(select(OutboundMessage).where(OutboundMessage.recipient == email,
                                                     OutboundMessage.template == "invitation")).first()
