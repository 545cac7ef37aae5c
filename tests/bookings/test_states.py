"""Bookings states: a customer books, is told 'just taken', reschedules and cancels; staff run the
calendar, services and settings. Handlers are called directly on a real state tree.

The clock is pinned in 2031 so these bookings never meet those of other tests on the shared database.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.bookings.models import Booking, BookingException, BookingService
from portal_app.core.models.accounts import Contact
from portal_app.core.models.notify import OutboundMessage
from portal_app.bookings import customer as customer_side, rules as bookings
from portal_app.core import business, clock, registries
from portal_app.core.auth import sessions as portal_sessions
from portal_app.bookings.admin_state import AdminBookingsState
from portal_app.bookings.settings_state import (AdminBookingExceptionsState, AdminBookingServicesState,
                                                AdminBookingSettingsState)
from portal_app.bookings.state import BookingsState, NewBookingState, UpcomingBookingsCardState
from tests.factories import (clear_bookings_from, make_account, make_booking_service, make_contact,
                             reset_booking_rules, staff_session_at_clock)
from tests.support.states import public_json, sub

PARIS = ZoneInfo("Europe/Paris")
_n = itertools.count(1)


def paris(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=PARIS).astimezone(ZoneInfo("UTC"))


@pytest.fixture(autouse=True)
def _rules():
    business.forget_cached_business()
    clock.freeze(paris(2031, 5, 1, 9))  # a Thursday
    with session_scope() as db:
        reset_booking_rules(db)
        clear_bookings_from(db, paris(2031, 1, 1))
    yield
    with session_scope() as db:
        reset_booking_rules(db)


def customer(account=None, **kw):
    """(contact id, portal token) of an account admin (the role that may book)."""
    with session_scope() as db:
        c = make_contact(db, account, portal_role="admin", email=f"booker{next(_n)}@example.com", **kw)
        return c.id, portal_sessions.open_session(db, c.id)


def service(name: str, **kw) -> int:
    with session_scope() as db:
        return make_booking_service(db, f"{name} {next(_n)}", **kw).id


def open_new(root, token: str, service_id: int) -> NewBookingState:
    page = sub(root, NewBookingState)
    page.portal_sid = token
    page.load_new()
    page.choose_service(str(service_id))
    assert page.service_id == str(service_id) and page.error_key == ""
    return page


def plain(text: str) -> str:
    """Babel separates 'AM' with a narrow no-break space; tests write a plain one."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def slot_key(page, day_label_part: str, time_label: str) -> str:
    for day, slots in zip(page.days, page.day_slots):
        if day_label_part in day.long:
            for slot in slots:
                if plain(slot.label) == time_label:
                    return slot.key
    raise AssertionError(f"no {time_label} on {day_label_part}: {page.days}")


def test_a_customer_books_a_free_slot(root):
    cid, token = customer()
    svc = service("Fitting", duration=60)
    page = open_new(root, token, svc)
    assert [d.long for d in page.days][:2] == ["Thursday, May 1, 2031", "Friday, May 2, 2031"]
    assert page.zone_note == "" or "Europe/Paris" in page.zone_note
    page.set_device_zone("Europe/Paris")
    assert page.zone_note == "Times are in Europe/Paris time."
    key = slot_key(page, "May 5", "10:00 AM")
    page.choose_slot(key)
    assert plain(page.chosen_label) == "Monday, May 5, 2031, 10:00 AM"
    page.confirm_booking({"note": "Second floor"})
    assert page.done and page.booked.status == "confirmed" and page.error_key == ""
    with session_scope() as db:
        b = db.exec(select(Booking).where(Booking.contact_id == cid)).one()
        assert b.starts_at == paris(2031, 5, 5, 10) and b.note == "Second floor"
        assert page.booked.ics == f"/api/bookings/{b.id}.ics"
        assert db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == cid)).one().template == \
            "booking_confirmed"
    # the list shows it, with what can be done and the calendar file
    mine = sub(root, BookingsState)
    mine.load_bookings()
    assert mine.count_upcoming == 1 and len(mine.rows) == 1
    row = mine.rows[0]
    assert (row.day, plain(row.time), row.status, row.res_why, row.can_why) == (
        "Monday, May 5, 2031", "10:00 AM – 11:00 AM", "confirmed", "", "")
    assert row.ics == page.booked.ics
    # the home card shows it too
    card = sub(root, UpcomingBookingsCardState)
    card.load_upcoming_bookings()
    assert card.card_visible and [plain(i.time) for i in card.card_items] == ["10:00 AM"]


def test_the_second_customer_is_told_the_slot_was_just_taken(root):
    import reflex as rx

    _, token_a = customer()
    _, token_b = customer()
    svc = service("Popular", duration=30)
    first = open_new(root, token_a, svc)
    other_root = rx.State(_reflex_internal_init=True)  # another browser
    second = open_new(other_root, token_b, svc)
    key = slot_key(first, "May 6", "9:00 AM")
    assert key == slot_key(second, "May 6", "9:00 AM")  # both were shown it free
    first.choose_slot(key)
    second.choose_slot(key)
    first.confirm_booking({})
    second.confirm_booking({})
    assert first.done and not second.done
    assert second.error_text == ("Sorry, this time has just been taken by someone else. "
                                 "Please choose another time.")
    assert second.chosen_key == "" and key not in {s.key for d in second.day_slots for s in d}


def test_only_offered_slots_and_services_can_be_chosen(root):
    _, token = customer()
    svc = service("Offered", duration=30)
    private = service("Private", audience="accounts", account_numbers=_other_account_number())
    page = open_new(root, token, svc)
    page.choose_slot("2031-05-05T03:00:00+00:00")  # 05:00 in Paris: never offered
    assert page.chosen_key == ""
    page.confirm_booking({})
    assert not page.done
    page.choose_service(str(private))  # another account's service
    assert page.service_id == str(svc)
    page.choose_service("1 OR 1=1")
    assert page.service_id == str(svc)


def _other_account_number() -> str:
    with session_scope() as db:
        return make_account(db).number


def test_the_browser_zone_changes_how_slots_read(root, monkeypatch):
    """The shell reports the browser's zone once per tab; the page's loads run again in it."""
    _, token = customer()
    svc = service("Zoned", duration=60)
    monkeypatch.setitem(registries.PAGE_LOADS, "/bookings/new", registries.PageLoad("portal", (NewBookingState.load_new,)))
    page = open_new(root, token, svc)
    assert slot_key(page, "May 5", "9:00 AM")  # no zone reported yet: the business's (Paris)
    page.set_device_zone("America/New_York", "/bookings/new")
    assert "America/New York" in page.zone_note and "your time zone" in page.zone_note
    page.choose_service(str(svc))
    assert slot_key(page, "May 5", "3:00 AM")  # 09:00 in Paris
    page.set_device_zone("Not/AZone", "/bookings/new")
    assert page.device_zone == page.time_zone == "America/New_York"


def test_reschedule_then_cancel_from_the_list(root):
    cid, token = customer(language="fr")
    svc = service("Movable", duration=60)
    with session_scope() as db:
        ctx = portal_sessions.resolve_session(db, token)
        bid = customer_side.book(db, ctx, svc, paris(2031, 5, 5, 9))[0].id
    page = sub(root, BookingsState)
    page.portal_sid = token
    page.load_bookings()
    page.set_device_zone("Europe/Paris")
    page.start_reschedule(str(bid))
    assert page.dialog == "move" and plain(page.moving_label).endswith("Monday, May 5, 2031, 9:00 AM")
    page.choose_slot(slot_key(page, "May 6", "2:00 PM"))
    page.confirm_reschedule()
    assert page.dialog != "move" and page.success_key == "bookings.moved"
    assert page.rows[0].day == "Tuesday, May 6, 2031"
    page.ask_cancel(str(bid))
    assert page.dialog == "cancel" and "May 6, 2031, 2:00 PM" in plain(page.cancel_label)
    page.cancel_booking()
    assert page.dialog != "cancel" and page.success_key == "bookings.cancelled"
    assert page.count_upcoming == 0 and page.count_history == 1
    page.set_filter("view", "history")
    assert page.rows[0].status == "cancelled" and page.rows[0].ics == ""
    with session_scope() as db:
        templates = [m.template for m in db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == cid)
                                                  .order_by(OutboundMessage.id))]
    assert templates == ["booking_confirmed", "booking_moved", "booking_cancelled"]


def test_buttons_say_why_they_are_not_available(root):
    _, token = customer()
    svc = service("Strict", duration=60)
    with session_scope() as db:
        ctx = portal_sessions.resolve_session(db, token)
        bid = customer_side.book(db, ctx, svc, paris(2031, 5, 2, 9))[0].id  # tomorrow
        reset_booking_rules(db, cancel_notice_hours=48, allow_reschedule=False)
    page = sub(root, BookingsState)
    page.portal_sid = token
    page.load_bookings()
    row = page.rows[0]
    assert (row.res_why, row.can_why, row.can_hours) == (
        "bookings.why.reschedule_off", "bookings.why.cancel_notice", "48")
    page.ask_cancel(str(bid))  # the browser may still send it: refused with the same reason
    assert page.dialog != "cancel"
    assert page.error_text == ("Appointments can be cancelled online up to 48 hours before they start. "
                               "Please contact us.")
    page.start_reschedule(str(bid))
    assert page.dialog != "move" and page.error_key == "bookings.why.reschedule_off"


def test_lists_page_in_the_database(root):
    _, token = customer()
    svc = service("Many", duration=30)
    with session_scope() as db:
        ctx = portal_sessions.resolve_session(db, token)
        starts = [s for d in customer_side.available_slots(db, ctx, svc, date(2031, 5, 5), 2) for s in d.starts]
        for start in starts[:13]:
            customer_side.book(db, ctx, svc, start)
    page = sub(root, BookingsState)
    page.portal_sid = token
    page.load_bookings()
    assert page.total == 13 and len(page.rows) == bookings.PAGE_SIZE and page.pages == 2
    page.next_page()
    assert page.page == 2 and len(page.rows) == 3


def test_public_state_holds_no_other_accounts_data(root):
    _, token = customer()
    svc = service("Shared", duration=30)
    with session_scope() as db:
        stranger = make_contact(db, portal_role="admin", first_name="Zebulon", email="zebulon@far-away-company.example")
        sctx = portal_sessions.resolve_session(db, portal_sessions.open_session(db, stranger.id))
        customer_side.book(db, sctx, svc, paris(2031, 5, 5, 9))
    page = sub(root, BookingsState)
    page.portal_sid = token
    page.load_bookings()
    new = open_new(root, token, svc)
    assert new.days
    dumped = public_json(root)
    assert "zebulon" not in dumped.lower() and "far-away-company" not in dumped


# ---- console ---------------------------------------------------------------------------------------


def console(root, cls):
    page = sub(root, cls)
    with session_scope() as db:
        page.staff_sid = staff_session_at_clock(db)
    return page


def test_staff_confirm_a_request_and_the_customer_sees_it_confirmed(root):
    cid, token = customer(mobile="+33612345678", language="fr")
    svc = service("Request", duration=60)
    with session_scope() as db:
        reset_booking_rules(db, requires_confirmation=True)
        ctx = portal_sessions.resolve_session(db, token)
        bid = customer_side.book(db, ctx, svc, paris(2031, 5, 7, 14))[0].id
    page = console(root, AdminBookingsState)
    page.week_first = "2031-05-05"
    page.load_bookings()
    wednesday = page.week_items[2]
    assert page.week_days[2].label == "Wed, May 7" and any(i.id == bid for i in wednesday)
    page.open_booking(str(bid))
    assert page.dialog == "detail" and page.detail.status == "requested" and page.detail.can_confirm is True
    page.confirm_booking()
    assert page.detail.status == "confirmed" and page.flash_key == "admin.bookings.done_confirmed"
    with session_scope() as db:
        last = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == cid)
                       .order_by(OutboundMessage.id.desc())).first()
        assert (last.template, last.channel, last.language) == ("booking_confirmed", "sms", "fr")
    mine = sub(root, BookingsState)
    mine.portal_sid = token
    mine.load_bookings()
    assert mine.count_requests == 0 and mine.rows[0].status == "confirmed"


def test_staff_create_move_and_list(root):
    cid, _ = customer()
    svc = service("Staff made", duration=30)
    page = console(root, AdminBookingsState)
    page.load_bookings()
    page.open_new()
    assert any(s.id == svc for s in page.service_choices)
    with session_scope() as db:
        email = db.get(Contact, cid).email
    page.create_booking({"email": email, "service": str(svc), "date": "2031-05-10", "time": "07:30"})
    assert page.flash_key == "admin.bookings.done_created" and page.dialog == "detail"
    bid = page.detail.id
    assert page.week_first == "2031-05-05" and page.detail.time == "07:30"
    page.move_booking({"date": "2031-05-10", "time": "08:00"})
    assert page.flash_key == "admin.bookings.done_moved" and page.detail.time == "08:00"
    page.move_booking({"date": "2031-03-30", "time": "02:30"})  # spring gap: no such time
    assert page.flash_key == "bookings.error.no_such_time"
    page.show_list()
    page.search({"status": "confirmed", "scope": "upcoming"})
    assert any(r.id == bid for r in page.rows)
    page.search({"status": "bogus", "scope": "bogus"})
    assert page.status_filter == "" and page.scope == "upcoming"
    page.open_booking("not a number")
    assert page.flash_key == "error.not_found"


def test_staff_edit_services(root):
    page = console(root, AdminBookingServicesState)
    page.load_list()
    page.new_service()
    form = {"name_en": "Audit", "name_fr": "Audit (fr)", "name_de": "", "duration": "90", "buffer": "15",
            "price": "120,00", "currency": "EUR", "show_price": "on", "audience": "everyone", "active": "on",
            "position": "3"}
    page.save_service({**form, "duration": "7"})
    assert page.flash_key == "bookings.error.five_minutes" and not page.saved
    page.save_service(form)
    assert page.saved and page.service_id > 0 and page.form.price == "120.00"
    with session_scope() as db:
        row = db.get(BookingService, page.service_id)
        assert (row.names, row.duration_minutes, row.price_minor) == ({"en": "Audit", "fr": "Audit (fr)"}, 90, 12000)
    page.edit_service(str(page.service_id))
    assert page.edit_open and page.form.names["fr"] == "Audit (fr)"


def test_staff_edit_rules_hours_and_exceptions(root):
    page = console(root, AdminBookingSettingsState)
    page.load_booking_settings()
    assert page.hours[0].label == "Monday" and page.hours[0].text == "09:00–12:00, 14:00–18:00"
    rules = {"time_zone": "Europe/Paris", "online_booking": "on", "allow_reschedule": "on", "allow_cancel": "on",
             "book_notice_hours": "4", "reschedule_notice_hours": "24", "cancel_notice_hours": "12",
             "confirmation": "request", "reminder_hours": "48", "slot_step": "15", "horizon_days": "30"}
    page.save_rules({**rules, "time_zone": "Nowhere/Special"})
    assert page.flash_key == "bookings.error.time_zone"
    page.save_rules(rules)
    assert page.saved_rules and page.form.requires_confirmation and page.form.slot_step_minutes == 15
    page.save_hours({"day_0": "8-12", "day_5": "10:00-13:00"})
    assert page.saved_hours and page.hours[0].text == "08:00–12:00" and page.hours[1].text == ""
    page.save_hours({"day_0": "12-8"})
    assert page.flash_key == "bookings.error.hours_order"
    exceptions = console(root, AdminBookingExceptionsState)
    exceptions.load_list()
    exceptions.add_exception({"day": "2031-05-08", "kind": "closed", "note": "Holiday"})
    exceptions.add_exception({"day": "2031-05-09", "kind": "hours", "hours": "10-12"})
    assert [e.hours for e in exceptions.rows if e.day.startswith(("Thursday, May 8", "Friday, May 9"))] == \
        ["", "10:00–12:00"]
    with session_scope() as db:
        exc = db.exec(select(BookingException).where(BookingException.day == date(2031, 5, 8))).one()
    exceptions.delete_exception(str(exc.id))
    assert exceptions.flash_key == "admin.booking_settings.exception_deleted"
    exceptions.delete_exception("999999")
    assert exceptions.flash_key == "error.not_found"
    with session_scope() as db:
        db.exec(delete(BookingException).where(BookingException.day >= date(2031, 1, 1)))


def test_a_slot_key_sent_as_a_language_is_refused(root):
    """The picker keeps the offered slot keys in a backend var; the site keeps the offered languages.
    With both called `_offered`, a slot key could pass for a language and break every date and amount
    formatted for the contact. Languages are checked against the business's offer and the catalogues."""
    from portal_app.core.models.accounts import Contact
    from portal_app.core.states.portal import PortalState

    cid, token = customer(language="en")
    page = open_new(root, token, service("Fitting"))
    key = page.day_slots[0][0].key
    portal = sub(root, PortalState)
    portal.portal_sid = token
    portal.portal_load()  # the languages on offer: en, fr, de
    for sent in (key, "xx", "de-DE", None, ["en"]):
        portal.choose_language(sent)
        portal.set_language(sent)
        assert portal.lang != sent
    with session_scope() as db:
        assert db.get(Contact, cid).language == "en"
    portal.choose_language("fr")
    with session_scope() as db:
        assert db.get(Contact, cid).language == "fr"
