"""The language picker, tried as a person would: on every customer page and every console page, switching
from English to German changes at once the labels, the dates and the amounts the server formatted (the
page loads again in the new language); Hebrew turns the document right to left (<html dir="rtl">,
direction icons mirrored) and Thai wraps, at 1280 and 390 px, with screenshots in test-artifacts/."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect

from portal_app.core import audit, clock
from portal_app.core.business import get_business
from portal_app.core.db import session_scope
from portal_app.core.i18n import shipped_languages
from tests.factories import (make_account, make_booking_service, make_contact, make_document, make_issued,
                             portal_ctx, reset_booking_rules, set_business)
from tests.support.browser import PHONE, customer_login, no_horizontal_overflow, staff_page

DESKTOP = {"width": 1280, "height": 900}
# Invoice lines of 1,234.50 + 20 % VAT: the amount every billing page shows, formatted per language.
EN_TOTAL, DE_TOTAL = "€1,481.40", "1.481,40\xa0€"
EN_DATE = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, 20\d\d")
# No \b: a page's text runs its cells together ("INV-2026-0000128.11.2026", "Fällig am28.12.2026").
DE_DATE = re.compile(r"\d\.\d{1,2}\.20\d\d|\d\. (Jan|Feb|März|Apr|Mai|Juni|Juli|Aug|Sept|Okt|Nov|Dez)")
# What each customer page must show in German once switched: None, the page's text changes at least.
CUSTOMER_PAGES = {
    "/": [DE_TOTAL, "Rechnung bezahlen"],
    "/invoices": [DE_TOTAL, DE_DATE],
    "/invoice?id={invoice}": [DE_TOTAL, DE_DATE],
    "/payments": None,
    "/bookings": [re.compile(r"(Montag|Dienstag|Mittwoch|Donnerstag|Freitag), \d{1,2}\. \w+ 20\d\d")],
    "/documents": [DE_DATE],
    "/messages": None,
    "/tickets": None,
    "/help": None,
    "/privacy": None,
    "/security": None,
}
CONSOLE_PAGES = {
    "/admin": None,
    "/admin/invoices": [DE_TOTAL, DE_DATE],
    "/admin/invoice?id={invoice}": [DE_TOTAL],
    "/admin/payments": None,
    "/admin/bookings": None,
    "/admin/audit": [DE_DATE],
    "/admin/contacts": None,
}


def _customer_with_data() -> tuple[str, int]:
    """A customer whose pages all show something formatted: an invoice, a booking, a document, an action."""
    from portal_app.bookings import customer as bookings
    from portal_app.dashboard import actions as portal_actions

    with session_scope() as db:
        account = make_account(db, name="Live Language SARL")
        contact = make_contact(db, account, email="live.language@example.com", first_name="Lea",
                               portal_role="admin", language="en")
        invoice = make_issued(db, account, [("Fibre", "1", "1234.50", "20")])
        make_document(db, account, title="Contract.pdf")
        portal_actions.save_action(db, audit.SYSTEM, portal_actions.ActionInput(
            kind="pay", icon="credit_card", labels={"en": "Pay my bill", "de": "Rechnung bezahlen"}))
        reset_booking_rules(db)
        service = make_booking_service(db, "Live visit")
        day = (clock.now() + timedelta(days=20)).date()
        while day.weekday() > 2:
            day += timedelta(days=1)
        for hour in (9, 10, 11, 14, 15, 16):  # the first free hour (other tests book on this database too)
            try:
                bookings.book(db, portal_ctx(db, contact), service.id,
                              datetime.combine(day, time(hour), tzinfo=ZoneInfo("Europe/Paris")))
                break
            except Exception:  # noqa: BLE001 - a slot taken: the next one
                db.rollback()
        return contact.email, invoice.id


def _main_text(page: Page) -> str:
    return page.locator("main").inner_text()


def _switch(page: Page, lang: str) -> None:
    page.locator("header select").select_option(lang)  # the picker, whatever language it speaks now
    expect(page.locator("html")).to_have_attribute("lang", lang)


def _walk(page: Page, url: str, expected) -> None:
    """Open the page in English, switch to German, and check that its text changed at once (no reload),
    with what `expected` names, and that no English date or amount is left; then back to English."""
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_load_state("networkidle")
    before, address = _main_text(page), page.url
    _switch(page, "de")
    page.wait_for_function("(before) => document.querySelector('main').innerText !== before", arg=before)
    for item in expected or ():  # a text, or a pattern
        expect(page.locator("main")).to_contain_text(item)
    page.wait_for_load_state("networkidle")
    after = _main_text(page)
    assert EN_TOTAL not in after and not EN_DATE.search(after), (url, after[:400])
    assert page.url == address  # switched in place: no navigation, no reload
    _switch(page, "en")
    expect(page.locator("main")).not_to_contain_text(DE_TOTAL)


def test_every_page_follows_the_picker_and_hebrew_reads_right_to_left(browser: Browser, app_url, shots):
    with session_scope() as db:
        offered = list(get_business(db).languages or [])
        set_business(db, languages=list(shipped_languages()))
    try:
        email, invoice = _customer_with_data()
        page = browser.new_context(viewport=DESKTOP).new_page()
        customer_login(page, app_url, email)
        for route, expected in CUSTOMER_PAGES.items():
            _walk(page, app_url + route.format(invoice=invoice), expected)

        # Hebrew: the document turns right to left at once, the layout and the direction icons mirror,
        # amounts stay readable; Thai wraps. On a desktop and on a phone.
        page.goto(f"{app_url}/")  # the home page's actions end with a chevron pointing onward
        _switch(page, "he")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
        chevron = page.locator("main .lucide-chevron-right").first
        assert "matrix(-1" in chevron.evaluate("e => getComputedStyle(e).transform")
        header = page.locator("header").bounding_box()
        brand = page.locator("header a").first.bounding_box()
        assert brand["x"] > header["x"] + header["width"] / 2  # the business's mark on the right
        shots(page, "rtl-he-home-1280")
        page.goto(f"{app_url}/invoices")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        shots(page, "rtl-he-invoices-1280")
        _switch(page, "th")
        expect(page.locator("html")).to_have_attribute("dir", "ltr")
        shots(page, "rtl-th-invoices-1280")
        page.context.close()

        phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True).new_page()
        customer_login(phone, app_url, email, home=False)  # the contact's language is Thai now
        expect(phone.locator("html")).to_have_attribute("lang", "th")
        for lang in ("th", "he"):
            _switch(phone, lang)
            for route in ("/", "/invoices", "/bookings"):
                phone.goto(app_url + route)
                expect(phone.locator("html")).to_have_attribute("dir", "rtl" if lang == "he" else "ltr")
                phone.wait_for_load_state("networkidle")
                assert no_horizontal_overflow(phone), (lang, route)
                shots(phone, f"rtl-{lang}-{route.strip('/') or 'home'}-390")
        _switch(phone, "en")
        phone.context.close()

        console = staff_page(browser, app_url, viewport=DESKTOP)
        for route, expected in CONSOLE_PAGES.items():
            _walk(console, app_url + route.format(invoice=invoice), expected)
        console.context.close()
    finally:
        with session_scope() as db:
            set_business(db, languages=offered)
