"""Security of bookings: another account's booking by id, by URL and by handler argument; console
handlers without a full staff session; the calendar-file route; what the browser is sent."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.core.routes import build_api
from portal_app.core.db import session_scope
from portal_app.core.models.audit import AuditEvent
from portal_app.bookings.models import Booking
from portal_app.bookings import customer as customer_side, rules as bookings
from portal_app.core import business, clock
from portal_app.core.auth import sessions as portal_sessions
from portal_app.bookings.admin_state import AdminBookingsState, BookingDetail
from portal_app.bookings.settings_state import (AdminBookingExceptionsState, AdminBookingServicesState,
                                                AdminBookingSettingsState)
from portal_app.bookings.state import BookingsState, NewBookingState
from portal_app.core.states.portal import PORTAL_COOKIE
from portal_app.core.states.staff import STAFF_COOKIE
from tests.factories import (clear_bookings_from, make_booking_service, make_contact, reset_booking_rules,
                             staff_session_at_clock)
from tests.support.states import public_json, sub

PARIS = ZoneInfo("Europe/Paris")
_n = itertools.count(1)


def paris(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=PARIS).astimezone(ZoneInfo("UTC"))


@pytest.fixture(autouse=True)
def _calendar():
    business.forget_cached_business()
    clock.freeze(paris(2032, 2, 2, 9))  # a Monday, apart from every other test's dates
    with session_scope() as db:
        reset_booking_rules(db)
        clear_bookings_from(db, paris(2032, 1, 1))


def someone(role: str = "admin", **kw):
    """(contact id, account id, portal token)."""
    with session_scope() as db:
        c = make_contact(db, portal_role=role, email=f"sec.booking{next(_n)}@example.com", **kw)
        return c.id, c.account_id, portal_sessions.open_session(db, c.id)


@pytest.fixture
def victim_booking():
    """A booking of one account, and a token of a contact of another account."""
    _, account_id, token = someone()
    _, _, intruder = someone()
    with session_scope() as db:
        svc = make_booking_service(db, f"Sec {next(_n)}", duration=60).id
        ctx = portal_sessions.resolve_session(db, token)
        booking_id = customer_side.book(db, ctx, svc, paris(2032, 2, 5, 10))[0].id
    return booking_id, token, intruder


def unchanged(booking_id: int) -> bool:
    with session_scope() as db:
        b = db.get(Booking, booking_id)
        return b.status == "confirmed" and b.starts_at == paris(2032, 2, 5, 10) and b.sequence == 0


def denied_count(booking_id: int) -> int:
    with session_scope() as db:
        return len(db.exec(select(AuditEvent).where(AuditEvent.action == "booking.denied",
                                                    AuditEvent.target_id == booking_id)).all())


# ---- handler arguments ----------------------------------------------------------------------------


def test_another_accounts_booking_cannot_be_cancelled_or_moved_by_handler_argument(root, victim_booking):
    booking_id, _, intruder = victim_booking
    page = sub(root, BookingsState)
    page.portal_sid = intruder
    page.load_bookings()
    assert page.rows == []
    page.ask_cancel(str(booking_id))
    assert page.dialog != "cancel" and page.error_key == "error.not_found" and page.cancel_label == ""
    page.cancel_booking()  # nothing was accepted to cancel
    page.start_reschedule(str(booking_id))
    assert page.dialog != "move" and page.error_key == "error.not_found" and page.days == []
    page.confirm_reschedule()
    for junk in ("-1", "0", "1e9", "../1", "", "1 OR 1=1"):
        page.ask_cancel(junk)
        assert page.dialog != "cancel"
    assert unchanged(booking_id)
    assert denied_count(booking_id) == 2  # each refusal about a real booking is recorded
    assert booking_id not in {r.id for r in page.rows}


def test_a_member_without_the_bookings_right_gets_nothing(root, victim_booking):
    booking_id, token, _ = victim_booking
    with session_scope() as db:
        from portal_app.core.models.accounts import Account

        account = db.get(Account, portal_sessions.resolve_session(db, token).account_id)
        member = make_contact(db, account, portal_role="member", email=f"member{next(_n)}@example.com")
        member_token = portal_sessions.open_session(db, member.id)
    page = sub(root, BookingsState)
    page.portal_sid = member_token
    page.load_bookings()
    assert page.rows == [] and page.error_key == "error.forbidden"
    page.ask_cancel(str(booking_id))
    assert page.dialog != "cancel" and unchanged(booking_id)
    new = sub(root, NewBookingState)
    new.portal_sid = member_token
    new.load_new()
    assert new.services == [] and new.error_key == "error.forbidden"


def test_booking_handlers_without_a_session_do_nothing(root, victim_booking):
    booking_id, _, _ = victim_booking
    page = sub(root, BookingsState)
    for token in ("", "forged-token"):
        page.portal_sid = token
        page.load_bookings()
        assert page.rows == [] and page.error_key == "error.session_over"
        page.ask_cancel(str(booking_id))
        page.start_reschedule(str(booking_id))
        assert page.dialog == ""
    new = sub(root, NewBookingState)
    new.portal_sid = "forged-token"
    new.load_new()
    new.choose_service("1")
    new.confirm_booking({"note": "x"})
    assert not new.done
    assert unchanged(booking_id)


def test_values_from_the_browser_are_checked(root):
    _, _, token = someone()
    with session_scope() as db:
        svc = make_booking_service(db, f"Checked {next(_n)}", duration=30).id
    new = sub(root, NewBookingState)
    new.portal_sid = token
    new.load_new()
    new.set_device_zone("../../../../etc/passwd", "/bookings/new")
    new.set_device_zone("<script>alert(1)</script>", "/bookings/new")
    assert new.device_zone == "" and new.time_zone == "Europe/Paris"  # the business's zone still
    new.choose_service(str(svc))
    new.choose_slot("2032-02-05T03:00:00+00:00")  # 04:00 in Paris, never offered
    new.choose_slot("not a date")
    assert new.chosen_key == ""
    new.confirm_booking({"note": "x" * 10_000})
    assert not new.done
    with session_scope() as db:
        assert db.exec(select(Booking).where(Booking.service_id == svc)).all() == []


def test_the_browser_is_sent_no_other_accounts_data_and_no_tokens(root, victim_booking):
    booking_id, _, intruder = victim_booking
    page = sub(root, BookingsState)
    page.portal_sid = intruder
    page.load_bookings()
    page.ask_cancel(str(booking_id))
    dumped = public_json(root)
    with session_scope() as db:
        b = db.get(Booking, booking_id)
        from portal_app.core.models.accounts import Contact

        victim = db.get(Contact, b.contact_id)
    assert victim.email not in dumped and victim.first_name not in dumped
    # Backend vars never reach the browser: no key of that name (a public `password_offered` may).
    assert '"_cancel_id"' not in dumped and '"_moving_id"' not in dumped and '"_slot_keys"' not in dumped


# ---- the calendar-file route --------------------------------------------------------------------------


def test_calendar_file_only_for_the_bookings_account(victim_booking):
    booking_id, owner, intruder = victim_booking
    client = TestClient(build_api(), follow_redirects=False)
    path = f"/api/bookings/{booking_id}.ics"
    response = client.get(path, cookies={PORTAL_COOKIE: owner})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["content-disposition"] == f'attachment; filename="booking-{booking_id}.ics"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"
    assert b"BEGIN:VCALENDAR" in response.content and f"booking-{booking_id}@".encode() in response.content
    # another account: the same answer as a booking that does not exist, and the attempt is recorded
    before = denied_count(booking_id)
    assert client.get(path, cookies={PORTAL_COOKIE: intruder}).status_code == 404
    assert client.get("/api/bookings/999999999.ics", cookies={PORTAL_COOKIE: intruder}).status_code == 404
    assert denied_count(booking_id) == before + 1
    # no session, a forged one, or a staff token under the portal cookie's name: off to log in
    with session_scope() as db:
        staff_token = staff_session_at_clock(db)
    for cookies in ({}, {PORTAL_COOKIE: "forged"}, {PORTAL_COOKIE: staff_token}, {STAFF_COOKIE: staff_token}):
        response = client.get(path, cookies=cookies)
        assert response.status_code == 303 and response.headers["location"].endswith("/login"), cookies


@pytest.mark.parametrize("path", ["/api/bookings/abc.ics", "/api/bookings/1.ics.exe", "/api/bookings/..%2F1.ics",
                                  "/api/bookings/-1.ics", "/api/bookings/1", "/api/bookings/"])
def test_calendar_route_accepts_nothing_but_a_booking_number(path, victim_booking):
    _, owner, _ = victim_booking
    client = TestClient(build_api(), follow_redirects=False)
    assert client.get(path, cookies={PORTAL_COOKIE: owner}).status_code == 404


def test_a_revoked_session_loses_the_calendar_file(victim_booking):
    booking_id, owner, _ = victim_booking
    with session_scope() as db:
        portal_sessions.revoke_session(db, owner, "logout")
    client = TestClient(build_api(), follow_redirects=False)
    assert client.get(f"/api/bookings/{booking_id}.ics", cookies={PORTAL_COOKIE: owner}).status_code == 303


# ---- console handlers ------------------------------------------------------------------------------


def test_console_booking_handlers_need_password_and_totp(root, victim_booking):
    booking_id, owner, _ = victim_booking
    with session_scope() as db:
        half = staff_session_at_clock(db, totp=False)
    page = sub(root, AdminBookingsState)
    for token in ("", "forged", half, owner):  # owner: a customer's portal token
        page.staff_sid = token
        page.load_bookings()
        assert page.week_items == [] or all(not day for day in page.week_items)
        page.open_booking(str(booking_id))
        assert page.flash_key == "error.session_over" and page.dialog == "" and page.detail == BookingDetail()
        page.create_booking({"email": "x@example.com", "service": "1", "date": "2032-02-06", "time": "10:00"})
        assert page.flash_key == "error.session_over"
    services = sub(root, AdminBookingServicesState)
    services.staff_sid = half
    services.save_service({"name_en": "Sneaky", "duration": "30", "currency": "EUR", "audience": "everyone"})
    assert services.flash_key == "error.session_over"
    settings = sub(root, AdminBookingSettingsState)
    settings.staff_sid = half
    settings.save_rules({"time_zone": "UTC", "book_notice_hours": "0", "reschedule_notice_hours": "0",
                         "cancel_notice_hours": "0", "reminder_hours": "0", "slot_step": "5", "horizon_days": "1"})
    assert settings.flash_key == "error.session_over"
    exceptions = sub(root, AdminBookingExceptionsState)
    exceptions.staff_sid = half
    exceptions.delete_exception("1")
    assert exceptions.flash_key == "error.session_over"
    with session_scope() as db:
        assert bookings.get_booking_settings(db).time_zone == "Europe/Paris"
    assert unchanged(booking_id)


def test_console_actions_need_an_opened_booking(root, victim_booking):
    """Confirm, cancel, complete and move act on the booking the page opened, never on an id sent along."""
    booking_id, _, _ = victim_booking
    page = sub(root, AdminBookingsState)
    with session_scope() as db:
        page.staff_sid = staff_session_at_clock(db)
    page.cancel_booking()
    page.move_booking({"date": "2032-02-06", "time": "10:00"})
    assert unchanged(booking_id)
