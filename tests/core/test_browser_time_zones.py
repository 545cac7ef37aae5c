"""Time zones in Chromium: a customer whose device is in Bangkok reads a message's time in Bangkok time
without doing anything; choosing New York in the profile shows New York time at once, and a language
switch keeps it. The console's own settings page shows the same field."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timezone

from playwright.sync_api import Browser, expect

from portal_app.core.conversations import engine
from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Contact
from tests.factories import make_account, make_contact
from tests.support.browser import PHONE, customer_login, no_horizontal_overflow, serious_violations, staff_page

_n = itertools.count(1)
# 1 July 2026, 10:05 UTC: 17:05 in Bangkok, 06:05 in New York (EDT).
WRITTEN = datetime(2026, 7, 1, 10, 5, tzinfo=timezone.utc)
WIDE = {"width": 1280, "height": 900}


def _customer_with_a_message() -> tuple[str, int]:
    n = next(_n)
    with session_scope() as db:
        account = make_account(db, name=f"Zone Atelier {n}")
        contact = make_contact(db, account, first_name="Ploy", portal_role="admin", language="en",
                               email=f"tz-browser-{n}@example.com")
        thread = engine.open_conversation(db, "message", account_id=account.id, contact_id=contact.id,
                                          subject="Meter reading", status="open")
        thread.created_at = thread.last_entry_at = WRITTEN
        db.add(thread)
        return contact.email, contact.id


def _shots(page, shots, name: str) -> None:
    page.set_viewport_size(WIDE)
    shots(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    assert no_horizontal_overflow(page), name
    shots(page, f"{name}-390")
    page.set_viewport_size(WIDE)


def test_times_follow_the_device_then_the_chosen_zone(browser: Browser, app_url, shots):
    email, contact_id = _customer_with_a_message()
    context = browser.new_context(timezone_id="Asia/Bangkok", viewport=WIDE, locale="en-US")
    page = context.new_page()
    customer_login(page, app_url, email)

    # The device's zone, asked once by the shell: Bangkok time, nothing chosen.
    page.goto(f"{app_url}/messages")
    expect(page.get_by_role("link", name="Meter reading")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Jul 1, 2026, 5:05:00\sPM"))).to_be_visible()

    page.goto(f"{app_url}/privacy")
    field = page.get_by_label("Time zone")
    expect(field).to_have_attribute("placeholder", "Automatic (this device: Asia/Bangkok)")
    expect(page.locator("#zone-shown")).to_contain_text("Times are shown in Asia/Bangkok time.")
    assert serious_violations(page) == []
    _shots(page, shots, "tz-profile-automatic")

    field.fill("America/New_York")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.locator("#zone-shown")).to_contain_text("Times are shown in America/New York time.")
    expect(page.get_by_text("Time zone saved.")).to_be_visible()
    with session_scope() as db:
        assert db.get(Contact, contact_id).time_zone == "America/New_York"
    # A name that is not a zone: a clear message, nothing stored.
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_text("“Mars/Olympus” is not a time zone we know.", exact=False)).to_be_visible()
    with session_scope() as db:
        assert db.get(Contact, contact_id).time_zone == "America/New_York"
    _shots(page, shots, "tz-profile-new-york")

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Messages").click()
    expect(page.get_by_text(re.compile(r"Jul 1, 2026, 6:05:00\sAM"))).to_be_visible()
    page.get_by_label("Language").select_option("fr")
    expect(page.get_by_text("1 juil. 2026, 06:05:00")).to_be_visible()  # still New York's time
    _shots(page, shots, "tz-messages-new-york-fr")
    context.close()


def test_staff_set_their_own_zone_in_the_console(browser: Browser, app_url, shots):
    staff = staff_page(browser, app_url, role="agent", viewport=WIDE, timezone_id="Asia/Bangkok")
    staff.goto(f"{app_url}/admin")
    staff.locator("#staff-me").click()
    expect(staff.get_by_role("heading", name="My settings")).to_be_visible()
    expect(staff.get_by_label("Time zone")).to_have_attribute("placeholder", "Automatic (this device: Asia/Bangkok)")
    staff.get_by_label("Time zone").fill("Europe/Copenhagen")
    staff.get_by_role("button", name="Save time zone").click()
    expect(staff.locator("#zone-shown")).to_contain_text("Times are shown in Europe/Copenhagen time.")
    assert serious_violations(staff) == []
    _shots(staff, shots, "tz-console-me")
