"""Browser journey of the GDPR space: a contact changes a consent and sees it in the history, then asks
for their data, waits for the archive and downloads it once (desktop and phone)."""

from __future__ import annotations

import itertools
import json
import zipfile

from playwright.sync_api import Page, expect

from portal_app.core.db import session_scope
from portal_app.privacy import consents, settings
from tests.factories import make_account, make_contact, staff_ctx
from tests.support.browser import customer_login, no_horizontal_overflow

_n = itertools.count(1)
PHONE = {"width": 390, "height": 844}


def test_a_contact_changes_a_consent_and_downloads_their_data(page: Page, app_url, shots):
    with session_scope() as db:
        acc = make_account(db, name=f"Verger {next(_n)}")
        contact = make_contact(db, acc, first_name="Inès", portal_role="admin", rights=["gdpr"],
                               email=f"gdpr-{next(_n)}@example.com")
        email = contact.email
        settings.update_settings(db, staff_ctx(db).actor, intro={"en": "We keep your data safe."},
                                 dpo_email="dpo@example.com")
        consents.save_purpose(db, staff_ctx(db).actor, None, names={"en": f"Newsletter {next(_n)}"},
                              descriptions={"en": "News once a month"}, active=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    customer_login(page, app_url, email)
    page.goto(f"{app_url}/privacy")
    expect(page.get_by_role("heading", name="My personal data")).to_be_visible()
    expect(page.get_by_text("We keep your data safe.")).to_be_visible()
    expect(page.get_by_text(email).first).to_be_visible()

    switch = page.get_by_role("switch").last
    switch.click()
    history = page.locator("#consent-history")
    expect(history).to_contain_text("Granted")
    switch.click()
    expect(history.get_by_role("row")).to_have_count(3)  # the header, the grant, the withdrawal
    expect(history.get_by_role("row").nth(1)).to_contain_text("Withdrawn")

    page.get_by_role("button", name="Download my data").click()
    link = page.get_by_role("link", name="Download the archive")
    expect(link).to_be_visible(timeout=30_000)  # the page's own background event builds it
    shots(page, "privacy-space-1280")
    href = link.get_attribute("href")
    with page.expect_download() as info:
        link.click()
    archive = zipfile.ZipFile(info.value.path())
    held = json.loads(archive.read("data.json"))
    assert held["contact"]["email"] == email
    assert [c["granted"] for c in held["privacy"]["consents"]] == [False, True]
    expect(page.get_by_text("Downloaded")).to_be_visible()
    assert page.request.get(href).status == 404  # the link worked once

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_role("heading", name="My personal data")).to_be_visible()
    assert no_horizontal_overflow(page)
    shots(page, "privacy-space-390")
