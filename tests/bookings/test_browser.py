"""Bookings in the browser: a customer books, reschedules and cancels; staff confirm a request and the
customer sees it confirmed; the pages fit a phone. Real time, real app, headless Chromium."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.bookings.models import Booking
from portal_app.core.models.accounts import Contact
from portal_app.core.models.notify import OutboundMessage
from tests.support.browser import customer_login
from tests.support.browser import serious_violations
from tests.support.browser import PHONE, no_horizontal_overflow
from tests.support.browser import PASSWORD, staff_login
from tests.factories import make_account, make_booking_service, make_contact, make_staff, reset_booking_rules

_n = itertools.count(1)
EVERY_DAY = {d: "08:00-20:00" for d in range(7)}  # free slots whatever the day and hour the tests run


def setup_customer(**rules) -> tuple[str, str, str]:
    """(email, account name, service name): an account admin and a service only their account sees."""
    n = next(_n)
    from portal_app.bookings import rules as bookings
    from tests.factories import staff_ctx

    with session_scope() as db:
        reset_booking_rules(db, **rules)
        bookings.set_weekly_hours(db, staff_ctx(db), EVERY_DAY)
        account = make_account(db, name=f"Salon Booker {n}", number=f"E2E-BK-{n}")
        contact = make_contact(db, account, first_name="Bea", portal_role="admin", email=f"booker.e2e{n}@example.com")
        service = f"Fitting {n}"
        make_booking_service(db, service, duration=30, audience="accounts", account_numbers=account.number,
                             names={"en": service, "fr": f"Essayage {n}", "de": f"Anprobe {n}"})
        return contact.email, account.name, service




def open_booking_flow(page: Page, app_url: str, service: str) -> None:
    page.goto(f"{app_url}/bookings/new")
    expect(page.get_by_role("heading", name="Book an appointment", level=1)).to_be_visible()
    # With one service the page opens on its times; with several, on the list. Wait for either (the
    # heading shows "Choose a service" until the page's data has arrived).
    pick = page.get_by_role("button", name=re.compile(service))
    times = page.get_by_role("heading", name="2. Choose a time")
    expect(pick.or_(times).first).to_be_visible()
    if pick.is_visible():
        pick.click()
    expect(page.get_by_role("heading", name="2. Choose a time")).to_be_visible()


def free_times(page: Page):
    return page.locator("#slot-picker").get_by_role("group").get_by_role("button")


def bookings_of(email: str) -> list[Booking]:
    with session_scope() as db:
        cid = db.exec(select(Contact.id).where(Contact.email == email)).one()
        return list(db.exec(select(Booking).where(Booking.contact_id == cid).order_by(Booking.id)).all())


def templates_of(email: str) -> list[str]:
    with session_scope() as db:
        cid = db.exec(select(Contact.id).where(Contact.email == email)).one()
        rows = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == cid,
                                                     OutboundMessage.template.startswith("booking"))
                       .order_by(OutboundMessage.id))
        return [m.template for m in rows]


def test_customer_books_reschedules_and_cancels(page: Page, app_url, shots):
    email, _, service = setup_customer()
    customer_login(page, app_url, email)
    # the home page offers the booking flow and says nothing is planned yet
    card = page.locator("#upcoming-bookings")
    expect(card).to_contain_text("No appointment coming up.")
    card.get_by_role("link", name="Book an appointment").click()

    expect(page.get_by_role("heading", name="2. Choose a time")).to_be_visible()  # one service: chosen already
    expect(page.get_by_text(re.compile(r"Times are (in|shown in)"))).to_be_visible()
    shots(page, "booking-pick-time")
    assert serious_violations(page) == []
    first = free_times(page).first
    first_label = first.inner_text()
    first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Confirm your appointment")).to_be_visible()
    expect(dialog).to_contain_text(service)
    dialog.get_by_label("Anything we should know? (optional)").fill("Bringing the fabric")
    shots(page, "booking-confirm")
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your appointment is booked")).to_be_visible()
    shots(page, "booking-done")
    [booked] = bookings_of(email)
    assert booked.status == "confirmed" and booked.note == "Bringing the fabric"
    assert templates_of(email) == ["booking_confirmed"]

    # the calendar file, through the authorised route, with the browser's own cookie
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to my calendar").click()
    assert download.value.suggested_filename == f"booking-{booked.id}.ics"
    assert "BEGIN:VEVENT" in open(download.value.path(), encoding="utf-8").read()

    page.get_by_role("link", name="See my appointments").click()
    appointment = page.get_by_role("article", name=service)
    expect(appointment).to_contain_text("Confirmed")
    expect(appointment).to_contain_text(first_label)
    # the first free time is always less than a day away: inside the 24-hour notice, the buttons say why
    expect(appointment.get_by_role("button", name="Reschedule")).to_be_disabled()
    expect(appointment).to_contain_text("Appointments can be moved online up to 24 hours before they start.")
    expect(appointment).to_contain_text("Appointments can be cancelled online up to 24 hours before they start.")
    shots(page, "bookings-list-notice")
    assert serious_violations(page) == []
    with session_scope() as db:  # the business relaxes its rules
        reset_booking_rules(db, reschedule_notice_hours=0, cancel_notice_hours=0)
        from portal_app.bookings import rules as bookings
        from tests.factories import staff_ctx

        bookings.set_weekly_hours(db, staff_ctx(db), EVERY_DAY)
    page.reload()
    appointment = page.get_by_role("article", name=service)
    expect(appointment.get_by_role("button", name="Reschedule")).to_be_enabled()
    shots(page, "bookings-list")

    # reschedule to another free time
    appointment.get_by_role("button", name="Reschedule").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Choose a new time")).to_be_visible()
    other = free_times(page).filter(has_not_text=first_label).first
    other.click()
    expect(dialog).to_contain_text("New time:")
    shots(page, "booking-reschedule")
    dialog.get_by_role("button", name="Confirm the new time").click()
    expect(page.get_by_role("status").filter(has_text="Your appointment is moved to")).to_be_visible()
    [moved] = bookings_of(email)
    assert moved.starts_at != booked.starts_at and moved.sequence == 1

    # cancel it
    page.get_by_role("article", name=service).get_by_role("button", name="Cancel").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Cancel this appointment?")
    confirm.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("status").filter(has_text="Your appointment is cancelled.")).to_be_visible()
    expect(page.get_by_text("You have no upcoming appointment.")).to_be_visible()
    page.get_by_role("tab", name=re.compile("History")).click()
    expect(page.get_by_role("article", name=service)).to_contain_text("Cancelled")
    shots(page, "bookings-history")
    assert bookings_of(email)[0].status == "cancelled"
    assert templates_of(email) == ["booking_confirmed", "booking_moved", "booking_cancelled"]
    with session_scope() as db:
        reset_booking_rules(db)


def test_staff_confirm_a_request_and_the_customer_sees_it_confirmed(page: Page, browser: Browser, app_url, shots):
    email, account_name, service = setup_customer(requires_confirmation=True)
    try:
        customer_login(page, app_url, email)
        open_booking_flow(page, app_url, service)
        free_times(page).first.click()
        page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", name="Your request is sent")).to_be_visible()
        page.goto(f"{app_url}/bookings")
        page.get_by_role("tab", name=re.compile("Pending requests")).click()
        expect(page.get_by_role("article", name=service)).to_contain_text("Awaiting confirmation")

        # staff, in their own browser, confirm it from the list view
        n = next(_n)
        with session_scope() as db:
            staff_email = make_staff(db, email=f"calendar{n}@guichet.example", password=PASSWORD,
                                     name=f"Planner {n}").email
        console = browser.new_context().new_page()
        staff_login(console, app_url, staff_email)
        console.goto(f"{app_url}/admin/bookings")
        expect(console.get_by_role("heading", name="Bookings", level=1)).to_be_visible()
        expect(console.get_by_role("group").first).to_be_visible()  # the week view
        shots(console, "staff-bookings-week")
        console.get_by_role("button", name="List").click()
        console.get_by_label("Status").select_option("requested")
        console.get_by_role("button", name="Filter").click()
        row = console.get_by_role("row").filter(has_text=account_name)
        expect(row).to_contain_text("Awaiting confirmation")
        row.get_by_role("button", name=re.compile("^Open")).click()
        dialog = console.get_by_role("dialog")
        expect(dialog).to_contain_text(service)
        shots(console, "staff-booking-detail")
        dialog.get_by_role("button", name="Confirm").click()
        expect(console.get_by_text("Booking confirmed. The customer has been told.")).to_be_visible()
        expect(dialog).to_contain_text("Confirmed")
        # the services and settings pages staff run the calendar with
        console.goto(f"{app_url}/admin/booking-services")
        console.get_by_role("row").filter(has_text=service).get_by_role("button", name=service).click()
        expect(console.get_by_role("heading", name="Edit service")).to_be_visible()
        expect(console.get_by_label("Account numbers (comma-separated)")).to_have_value(re.compile("E2E-BK-"))
        shots(console, "staff-booking-services")
        console.goto(f"{app_url}/admin/booking-settings")
        expect(console.get_by_label("Business time zone")).to_have_value("Europe/Paris")
        expect(console.get_by_label("Monday")).to_have_value("08:00–20:00")
        shots(console, "staff-booking-settings")
        console.context.close()

        # the customer sees it confirmed, and has been told
        page.goto(f"{app_url}/bookings")
        expect(page.get_by_role("article", name=service)).to_contain_text("Confirmed")
        expect(page.get_by_role("tab", name=re.compile("Pending requests"))).to_contain_text("0")
        assert [b.status for b in bookings_of(email)] == ["confirmed"]
        assert templates_of(email) == ["booking_requested", "booking_confirmed"]
        page.goto(f"{app_url}/")
        expect(page.locator("#upcoming-bookings")).to_contain_text(service)
    finally:
        with session_scope() as db:
            reset_booking_rules(db)


def test_booking_pages_fit_a_phone(browser: Browser, app_url, shots):
    email, _, service = setup_customer()
    # a customer abroad: the slots read in the browser's own zone
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  timezone_id="America/New_York")
    page = context.new_page()
    customer_login(page, app_url, email)
    open_booking_flow(page, app_url, service)
    expect(page.get_by_text("Times are shown in your time zone (America/New York).")).to_be_visible()
    assert no_horizontal_overflow(page)
    shots(page, "phone-booking-pick")
    free_times(page).first.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert no_horizontal_overflow(page)
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your appointment is booked")).to_be_visible()
    page.goto(f"{app_url}/bookings")
    expect(page.get_by_role("article", name=service)).to_be_visible()
    assert no_horizontal_overflow(page)
    shots(page, "phone-bookings")
    page.goto(f"{app_url}/")
    expect(page.locator("#upcoming-bookings")).to_contain_text(service)
    assert no_horizontal_overflow(page)
    shots(page, "phone-home-bookings")
    context.close()
