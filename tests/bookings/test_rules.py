"""Bookings: slot computation (hours, exceptions, buffers, notice, DST), the rules customers and staff
act by, double booking, reminders and calendar files."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import select

from portal_app.core.models.audit import AuditEvent
from portal_app.bookings.models import Booking, BookingSlotClaim
from portal_app.core.models.notify import OutboundMessage
from portal_app.bookings import customer as customer_side, notices, rules as bookings, slots, staff_calendar
from portal_app.core import business, clock
from portal_app.core.errors import DomainError, Forbidden, NotFound
from tests.factories import make_account, make_booking_service, make_contact, portal_ctx, staff_ctx

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc


def paris(y, m, d, hh=0, mm=0, fold=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PARIS, fold=fold).astimezone(UTC)


def labels(starts, tz=PARIS) -> list[str]:
    return [s.astimezone(tz).strftime("%H:%M") for s in starts]


@pytest.fixture(autouse=True)
def _fresh_business():
    business.forget_cached_business()
    yield
    business.forget_cached_business()


@pytest.fixture
def staff(db):
    return staff_ctx(db)


def rules(db, staff, **changes):
    s = bookings.get_booking_settings(db)
    data = bookings.RulesInput(
        time_zone=s.time_zone, online_booking=s.online_booking, allow_reschedule=s.allow_reschedule,
        allow_cancel=s.allow_cancel, book_notice_hours=s.book_notice_hours,
        reschedule_notice_hours=s.reschedule_notice_hours, cancel_notice_hours=s.cancel_notice_hours,
        requires_confirmation=s.requires_confirmation, reminder_hours=s.reminder_hours,
        slot_step_minutes=s.slot_step_minutes, horizon_days=s.horizon_days)
    for key, value in changes.items():
        setattr(data, key, value)
    return bookings.update_rules(db, staff, data)


def customer(db, account=None, **kw):
    contact = make_contact(db, account, portal_role="admin", **kw)
    return contact, portal_ctx(db, contact)


def day_slots(db, ctx, service, day: date, viewer_zone=None):
    (found,) = customer_side.available_slots(db, ctx, service.id, day, 1, viewer_zone)
    assert found.day == day
    return found.starts


# ---- opening hours, exceptions, buffers, notice -------------------------------------------------------

MONDAY = date(2026, 4, 13)  # a Monday in summer time


def test_default_hours_give_slots_on_the_step_grid(db):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=60)
    assert labels(day_slots(db, ctx, svc, MONDAY)) == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00"]
    assert day_slots(db, ctx, svc, MONDAY)[0] == datetime(2026, 4, 13, 7, 0, tzinfo=UTC)  # stored in UTC
    assert day_slots(db, ctx, svc, date(2026, 4, 18)) == []  # Saturday: no hours


def test_weekly_hours_and_step_are_the_business_rules(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=45)
    bookings.set_weekly_hours(db, staff, {0: "08:15-10:00", 5: "10:00-11:00"})
    rules(db, staff, slot_step_minutes=15)
    assert labels(day_slots(db, ctx, svc, MONDAY)) == ["08:15", "08:30", "08:45", "09:00", "09:15"]
    assert labels(day_slots(db, ctx, svc, date(2026, 4, 18))) == ["10:00", "10:15"]
    assert day_slots(db, ctx, svc, date(2026, 4, 14)) == []  # Tuesday now closed


def test_exceptions_close_a_day_or_replace_its_hours(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=60)
    bookings.save_exception(db, staff, day=MONDAY, closed=True, note="Easter Monday")
    assert day_slots(db, ctx, svc, MONDAY) == []
    bookings.save_exception(db, staff, day=MONDAY, closed=False, hours_text="10:00-12:00")
    assert labels(day_slots(db, ctx, svc, MONDAY)) == ["10:00", "10:30", "11:00"]
    # a Saturday (closed every week) opened for one day
    bookings.save_exception(db, staff, day=date(2026, 4, 18), closed=False, hours_text="09:00-10:00")
    assert labels(day_slots(db, ctx, svc, date(2026, 4, 18))) == ["09:00"]
    rows, total = bookings.list_exceptions(db, from_day=date(2026, 4, 1))
    assert total == 2 and rows[0].day == MONDAY and rows[0].hours == [[600, 720]]
    with pytest.raises(DomainError) as err:
        bookings.save_exception(db, staff, day=MONDAY, closed=False, hours_text="")
    assert err.value.key == "bookings.error.exception_hours"


def test_existing_bookings_and_buffers_take_their_time(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    long = make_booking_service(db, "Long", duration=60, buffer=15)
    short = make_booking_service(db, "Short", duration=30)
    customer_side.book(db, ctx, long.id, paris(2026, 4, 13, 10))  # holds 10:00–11:15
    # a short one may end exactly when the long one starts, and start when its buffer ends
    assert labels(day_slots(db, ctx, short, MONDAY))[:4] == ["09:00", "09:30", "11:30", "14:00"]
    bookings.set_weekly_hours(db, staff, {0: "09:00-12:00"})
    rules(db, staff, slot_step_minutes=15)
    assert labels(day_slots(db, ctx, short, MONDAY)) == ["09:00", "09:15", "09:30", "11:15", "11:30"]
    # the long one's own buffer must be free too: 09:00 would run into 10:00 with its 15 minutes
    # and 11:15 + 60 minutes would end after 12:00
    assert labels(day_slots(db, ctx, long, MONDAY)) == []


def test_cancelled_bookings_free_their_time(db):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=60)
    b, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 9))
    assert "09:00" not in labels(day_slots(db, ctx, svc, MONDAY))
    customer_side.cancel(db, ctx, b.id)
    assert "09:00" in labels(day_slots(db, ctx, svc, MONDAY))
    assert db.exec(select(BookingSlotClaim).where(BookingSlotClaim.booking_id == b.id)).all() == []


def test_minimum_notice_and_horizon(db, staff):
    clock.freeze(paris(2026, 4, 13, 8, 30))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=30)
    rules(db, staff, book_notice_hours=2, horizon_days=10)
    assert labels(day_slots(db, ctx, svc, MONDAY))[:3] == ["10:30", "11:00", "11:30"]
    assert day_slots(db, ctx, svc, MONDAY + timedelta(days=10)) != []
    assert day_slots(db, ctx, svc, MONDAY + timedelta(days=11)) == []  # beyond the horizon
    with pytest.raises(DomainError) as err:
        customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 10))
    assert err.value.key == "bookings.error.too_soon" and err.value.params == {"hours": 2}


def test_only_times_on_the_grid_can_be_booked(db):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=60)
    for start in (paris(2026, 4, 13, 9, 10), paris(2026, 4, 13, 12), paris(2026, 4, 13, 20),
                  paris(2026, 4, 18, 10)):
        with pytest.raises(DomainError) as err:
            customer_side.book(db, ctx, svc.id, start)
        assert err.value.key == "bookings.error.slot_unavailable"
    with pytest.raises(DomainError):
        customer_side.book(db, ctx, svc.id, datetime(2026, 4, 13, 9))  # naive: never guessed


# ---- daylight saving time in Europe/Paris -------------------------------------------------------------


def test_spring_change_skips_the_missing_hour_without_shifting_anything(db, staff):
    """29 March 2026: at 02:00 the clocks jump to 03:00."""
    clock.freeze(paris(2026, 3, 20, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=30)
    bookings.set_weekly_hours(db, staff, {d: "09:00-12:00" for d in range(7)} | {6: "00:00-06:00"})
    starts = day_slots(db, ctx, svc, date(2026, 3, 29))
    assert labels(starts) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30", "05:00",
                              "05:30"]
    assert len(set(starts)) == len(starts) and starts == sorted(starts)
    assert starts[3] == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET
    assert starts[4] == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST: one real hour later
    # the days around keep their wall-clock hours: 09:00 is 08:00 UTC before, 07:00 UTC after
    assert day_slots(db, ctx, svc, date(2026, 3, 28))[0] == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    assert day_slots(db, ctx, svc, date(2026, 3, 30))[0] == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert labels(day_slots(db, ctx, svc, date(2026, 3, 30)))[0] == "09:00"


def test_autumn_change_offers_the_repeated_hour_once(db, staff):
    """25 October 2026: at 03:00 the clocks go back to 02:00."""
    clock.freeze(paris(2026, 10, 15, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=30)
    bookings.set_weekly_hours(db, staff, {d: "09:00-12:00" for d in range(7)} | {6: "00:00-06:00"})
    starts = day_slots(db, ctx, svc, date(2026, 10, 25))
    assert labels(starts) == [f"{h:02d}:{m:02d}" for h in range(6) for m in (0, 30)]  # 12, no duplicate
    assert len(set(starts)) == len(starts) and starts == sorted(starts)
    assert starts[4] == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 02:00 CEST, first occurrence
    assert starts[6] == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)  # 03:00 CET
    assert day_slots(db, ctx, svc, date(2026, 10, 24))[0] == datetime(2026, 10, 24, 7, 0, tzinfo=UTC)
    assert day_slots(db, ctx, svc, date(2026, 10, 26))[0] == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_an_appointment_across_the_change_lasts_its_real_duration(db, staff):
    clock.freeze(paris(2026, 10, 15, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=60)
    bookings.set_weekly_hours(db, staff, {6: "00:00-06:00"})
    b, _ = customer_side.book(db, ctx, svc.id, paris(2026, 10, 25, 1, 30))  # 01:30 CEST
    assert b.ends_at - b.starts_at == timedelta(minutes=60)
    assert b.ends_at.astimezone(PARIS).strftime("%H:%M %Z") == "02:30 CEST"
    left = labels(day_slots(db, ctx, svc, date(2026, 10, 25)))
    assert "01:30" not in left and "02:00" not in left and "00:30" in left and "02:30" in left


def test_slots_are_shown_in_the_readers_zone(db):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=60)
    # New York is 6 hours behind Paris in April: 09:00 Paris is 03:00 there, the same date
    ny = day_slots(db, ctx, svc, MONDAY, "America/New_York")
    assert labels(ny, ZoneInfo("America/New_York"))[0] == "03:00"
    assert ny == day_slots(db, ctx, svc, MONDAY)
    # Tokyo is 7 hours ahead: 17:00 Paris is midnight the next date in Tokyo
    tokyo_monday = labels(day_slots(db, ctx, svc, MONDAY, "Asia/Tokyo"), ZoneInfo("Asia/Tokyo"))
    assert tokyo_monday[0] == "16:00" and "00:00" not in tokyo_monday
    tokyo_tuesday = labels(day_slots(db, ctx, svc, MONDAY + timedelta(days=1), "Asia/Tokyo"), ZoneInfo("Asia/Tokyo"))
    assert tokyo_tuesday[0] == "00:00"  # Monday 17:00 in Paris
    # an unknown zone from a browser falls back to the business zone
    assert day_slots(db, ctx, svc, MONDAY, "Mars/Olympus") == day_slots(db, ctx, svc, MONDAY)


# ---- booking, double booking -----------------------------------------------------------------------


def test_booking_is_confirmed_and_the_customer_gets_an_email_with_the_calendar_link(db):
    clock.freeze(paris(2026, 4, 10, 9))
    contact, ctx = customer(db, language="fr", mobile="+33612345678")
    svc = make_booking_service(db, "Visite", duration=60, buffer=15)
    b, deliveries = customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 10), note="  Code porte 1234  ")
    assert (b.status, b.account_id, b.contact_id, b.time_zone, b.note) == (
        "confirmed", ctx.account_id, ctx.contact_id, "Europe/Paris", "Code porte 1234")
    assert b.blocked_until - b.starts_at == timedelta(minutes=75)
    claims = db.exec(select(BookingSlotClaim).where(BookingSlotClaim.booking_id == b.id)).all()
    assert len(claims) == 15  # 75 minutes in 5-minute cells
    [msg] = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id)).all()
    assert (msg.channel, msg.template, msg.language) == ("email", "booking_confirmed", "fr")  # own action: email
    assert "lundi 13 avril 2026, 10:00" in msg.body_text and "Visite (fr)" in msg.body_text
    assert f"/api/bookings/{b.id}.ics" in msg.body_text and f"/api/bookings/{b.id}.ics" in msg.body_html
    assert len(deliveries) == 1
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "booking.create")).one().target_id == b.id


def test_the_same_time_cannot_be_booked_twice(db):
    clock.freeze(paris(2026, 4, 10, 9))
    _, first = customer(db)
    _, second = customer(db)
    svc = make_booking_service(db, duration=60)
    other = make_booking_service(db, "Other", duration=30)
    customer_side.book(db, first, svc.id, paris(2026, 4, 13, 10))
    for service, start in ((svc, paris(2026, 4, 13, 10)), (other, paris(2026, 4, 13, 10, 30))):
        with pytest.raises(DomainError) as err:
            customer_side.book(db, second, service.id, start)
        assert err.value.key == "bookings.error.just_taken"
    assert len(db.exec(select(Booking)).all()) == 1


def test_the_database_refuses_overlapping_claims_whatever_the_checks_said(db, staff):
    """The last line of defence: two bookings can never hold one cell, even if both passed the checks."""
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=60)
    b, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 10))
    intruder = Booking(account_id=b.account_id, contact_id=b.contact_id, service_id=svc.id, starts_at=b.starts_at,
                       ends_at=b.ends_at, blocked_until=b.blocked_until, time_zone="Europe/Paris")
    with pytest.raises(DomainError) as err:
        slots.place(db, intruder, paris(2026, 4, 13, 10, 55), 30, 0)
    assert err.value.key == "bookings.error.just_taken"
    db.flush()  # the session is still usable: only the savepoint was rolled back
    assert [x.id for x in db.exec(select(Booking)).all()] == [b.id]


def test_requests_wait_for_staff_and_confirming_tells_the_customer(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    contact, ctx = customer(db, language="de", mobile="+33612345678")
    svc = make_booking_service(db, duration=60)
    rules(db, staff, requires_confirmation=True)
    b, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 14, 9))
    assert b.status == "requested" and b.reminder_due_at is None
    rows, total = customer_side.list_customer_bookings(db, ctx, "requests")
    assert total == 1 and rows[0][0].id == b.id
    assert customer_side.list_customer_bookings(db, ctx, "upcoming")[1] == 0
    # a request holds its time: nobody else can take it meanwhile
    assert "09:00" not in labels(day_slots(db, ctx, svc, date(2026, 4, 14)))
    staff_calendar.staff_confirm(db, staff, b.id)
    assert b.status == "confirmed" and b.reminder_due_at == paris(2026, 4, 13, 9)
    msgs = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id)
                   .order_by(OutboundMessage.id)).all()
    assert [(m.template, m.channel, m.language) for m in msgs] == [
        ("booking_requested", "email", "de"), ("booking_confirmed", "sms", "de")]  # staff change: SMS
    assert "Dienstag, 14. April 2026, 09:00" in msgs[1].body_text
    with pytest.raises(DomainError) as err:
        staff_calendar.staff_confirm(db, staff, b.id)
    assert err.value.key == "bookings.error.not_requested"


def test_online_booking_off_and_services_for_chosen_accounts(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    account = make_account(db, number="VIP-1")
    _, vip = customer(db, account)
    _, other = customer(db)
    private = make_booking_service(db, "Private", audience="accounts", account_numbers="vip-1")
    public = make_booking_service(db, "Public")
    assert {s.id for s in bookings.bookable_services(db, vip)} == {private.id, public.id}
    assert {s.id for s in bookings.bookable_services(db, other)} == {public.id}
    with pytest.raises(NotFound):
        customer_side.available_slots(db, other, private.id, MONDAY)
    with pytest.raises(NotFound):
        customer_side.book(db, other, private.id, paris(2026, 4, 13, 10))
    customer_side.book(db, vip, private.id, paris(2026, 4, 13, 10))
    rules(db, staff, online_booking=False)
    with pytest.raises(DomainError) as err:
        customer_side.book(db, vip, public.id, paris(2026, 4, 13, 14))
    assert err.value.key == "bookings.error.online_off"


def test_a_contact_without_the_bookings_right_is_refused(db):
    clock.freeze(paris(2026, 4, 10, 9))
    member = make_contact(db, portal_role="member")
    ctx = portal_ctx(db, member)
    svc = make_booking_service(db)
    for call in (lambda: bookings.bookable_services(db, ctx), lambda: customer_side.available_slots(db, ctx, svc.id, MONDAY),
                 lambda: customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 10)),
                 lambda: customer_side.list_customer_bookings(db, ctx)):
        with pytest.raises(Forbidden):
            call()


# ---- reschedule and cancel rules ---------------------------------------------------------------------


def test_reschedule_keeps_the_length_frees_the_old_time_and_respects_notice(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    contact, ctx = customer(db)
    _, neighbour = customer(db)
    svc = make_booking_service(db, duration=60, buffer=15)
    b, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 9))
    # its own time does not block moving by half an hour
    assert "09:30" in labels(customer_side.reschedule_slots(db, ctx, b.id, MONDAY, 1)[0].starts)
    customer_side.reschedule(db, ctx, b.id, paris(2026, 4, 13, 9, 30))
    assert (b.starts_at, b.ends_at, b.blocked_until) == (paris(2026, 4, 13, 9, 30), paris(2026, 4, 13, 10, 30),
                                                         paris(2026, 4, 13, 10, 45))
    assert b.sequence == 1 and b.status == "confirmed"
    assert db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id)
                   .order_by(OutboundMessage.id.desc())).first().template == "booking_moved"
    # the old start is bookable by another customer only if the new one does not cover it: 09:00+75 min would
    with pytest.raises(DomainError):
        customer_side.book(db, neighbour, svc.id, paris(2026, 4, 13, 9))
    customer_side.book(db, neighbour, svc.id, paris(2026, 4, 13, 14))
    with pytest.raises(DomainError) as err:
        customer_side.reschedule(db, ctx, b.id, paris(2026, 4, 13, 14))
    assert err.value.key == "bookings.error.just_taken"
    with pytest.raises(DomainError) as err:
        customer_side.reschedule(db, ctx, b.id, paris(2026, 4, 13, 9, 30))
    assert err.value.key == "bookings.error.same_time"
    # 23 hours before: too late with the default 24-hour notice, and the reason says so
    clock.freeze(paris(2026, 4, 12, 10, 30))
    settings = bookings.get_booking_settings(db)
    assert customer_side.reschedule_block(settings, b, clock.now()) == ("bookings.why.reschedule_notice", {"hours": 24})
    with pytest.raises(DomainError) as err:
        customer_side.reschedule(db, ctx, b.id, paris(2026, 4, 14, 9))
    assert err.value.key == "bookings.why.reschedule_notice"


def test_reschedule_switched_off_and_past_bookings(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=60)
    b, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 9))
    rules(db, staff, allow_reschedule=False, allow_cancel=False)
    settings = bookings.get_booking_settings(db)
    assert customer_side.reschedule_block(settings, b, clock.now())[0] == "bookings.why.reschedule_off"
    assert customer_side.cancel_block(settings, b, clock.now())[0] == "bookings.why.cancel_off"
    clock.freeze(paris(2026, 4, 13, 9, 30))
    assert customer_side.reschedule_block(settings, b, clock.now())[0] == "bookings.why.past"
    assert customer_side.cancel_block(settings, b, clock.now())[0] == "bookings.why.past"


def test_moving_in_request_mode_asks_staff_again(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=60)
    b, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 9))
    rules(db, staff, requires_confirmation=True)
    customer_side.reschedule(db, ctx, b.id, paris(2026, 4, 13, 14))
    assert b.status == "requested" and b.confirmed_at is None and b.reminder_due_at is None


def test_cancel_notice_applies_to_confirmed_bookings_a_request_can_be_withdrawn(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=60)
    confirmed, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 9))
    rules(db, staff, requires_confirmation=True, cancel_notice_hours=48)
    requested, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 14))
    clock.freeze(paris(2026, 4, 12, 9))  # 24 hours before both
    with pytest.raises(DomainError) as err:
        customer_side.cancel(db, ctx, confirmed.id)
    assert (err.value.key, err.value.params) == ("bookings.why.cancel_notice", {"hours": 48})
    customer_side.cancel(db, ctx, requested.id)
    assert requested.status == "cancelled" and requested.cancelled_at == clock.now()
    with pytest.raises(DomainError) as err:
        customer_side.cancel(db, ctx, requested.id)
    assert err.value.key == "bookings.why.not_changeable"


def test_lists_are_scoped_to_the_account_and_paged(db):
    clock.freeze(paris(2026, 4, 10, 9))
    account = make_account(db)
    _, ctx = customer(db, account)
    _, colleague = customer(db, account)
    _, stranger = customer(db)
    svc = make_booking_service(db, duration=30)
    starts = [s for d in customer_side.available_slots(db, ctx, svc.id, MONDAY, 3) for s in d.starts][:12]
    for i, start in enumerate(starts):
        customer_side.book(db, ctx if i % 2 else colleague, svc.id, start)
    customer_side.book(db, stranger, svc.id, paris(2026, 4, 16, 9))
    page1, total = customer_side.list_customer_bookings(db, ctx, "upcoming", page=1)
    page2, _ = customer_side.list_customer_bookings(db, ctx, "upcoming", page=2)
    assert total == 12 and len(page1) == bookings.PAGE_SIZE and len(page2) == 2
    assert [r[0].starts_at for r in page1 + page2] == starts  # soonest first, colleague's bookings included
    assert customer_side.customer_counts(db, ctx) == {"upcoming": 12, "requests": 0, "history": 0}
    assert len(customer_side.next_bookings(db, ctx, 3)) == 3
    # after they have passed, they are history, newest first
    clock.freeze(paris(2026, 4, 20, 9))
    history, total = customer_side.list_customer_bookings(db, ctx, "history")
    assert total == 12 and history[0][0].starts_at == starts[-1]
    assert customer_side.next_bookings(db, ctx) == []


def test_another_accounts_booking_is_not_found_and_the_attempt_is_recorded(db):
    clock.freeze(paris(2026, 4, 10, 9))
    _, owner = customer(db)
    _, intruder = customer(db)
    svc = make_booking_service(db, duration=60)
    b, _ = customer_side.book(db, owner, svc.id, paris(2026, 4, 13, 9))
    for call in (lambda: customer_side.cancel(db, intruder, b.id),
                 lambda: customer_side.reschedule(db, intruder, b.id, paris(2026, 4, 13, 14)),
                 lambda: customer_side.reschedule_slots(db, intruder, b.id, MONDAY),
                 lambda: customer_side.calendar_file(db, intruder, b.id)):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(NotFound):  # no such booking: the same answer, nothing recorded
        customer_side.cancel(db, intruder, 10**9)
    denied = db.exec(select(AuditEvent).where(AuditEvent.action == "booking.denied")).all()
    assert len(denied) == 4 and {e.target_id for e in denied} == {b.id}
    assert all(e.actor_id == intruder.contact_id for e in denied)
    assert b.status == "confirmed" and b.starts_at == paris(2026, 4, 13, 9)


# ---- staff -----------------------------------------------------------------------------------------


def test_staff_create_move_cancel_complete_and_the_customer_is_told_each_time(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    contact, _ = customer(db, language="fr")  # no mobile: every message by email
    svc = make_booking_service(db, duration=60)
    # staff may book outside opening hours, never over another booking, never in the past
    b, _ = staff_calendar.staff_create(db, staff, contact_email=contact.email.upper(), service_id=svc.id,
                                 starts_at=paris(2026, 4, 18, 8))
    assert (b.status, b.created_by, b.account_id) == ("confirmed", "staff", contact.account_id)
    with pytest.raises(DomainError) as err:
        staff_calendar.staff_create(db, staff, contact_email=contact.email, service_id=svc.id,
                              starts_at=paris(2026, 4, 18, 8, 30))
    assert err.value.key == "bookings.error.just_taken"
    for start, key in ((paris(2026, 4, 9, 8), "bookings.error.in_past"),
                       (paris(2026, 4, 18, 8, 2), "bookings.error.five_minutes")):
        with pytest.raises(DomainError) as err:
            staff_calendar.staff_create(db, staff, contact_email=contact.email, service_id=svc.id, starts_at=start)
        assert err.value.key == key
    with pytest.raises(DomainError) as err:
        staff_calendar.staff_create(db, staff, contact_email="nobody@example.com", service_id=svc.id,
                              starts_at=paris(2026, 4, 20, 8))
    assert err.value.key == "bookings.error.unknown_contact"
    staff_calendar.staff_move(db, staff, b.id, paris(2026, 4, 18, 9))
    with pytest.raises(DomainError) as err:
        staff_calendar.staff_complete(db, staff, b.id)
    assert err.value.key == "bookings.error.not_started"
    clock.freeze(paris(2026, 4, 18, 10, 5))
    staff_calendar.staff_complete(db, staff, b.id)
    assert b.status == "completed"
    with pytest.raises(DomainError):
        staff_calendar.staff_cancel(db, staff, b.id)
    other, _ = staff_calendar.staff_create(db, staff, contact_email=contact.email, service_id=svc.id,
                                     starts_at=paris(2026, 4, 20, 9))
    staff_calendar.staff_cancel(db, staff, other.id)
    msgs = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id)
                   .order_by(OutboundMessage.id)).all()
    assert [(m.template, m.channel, m.language) for m in msgs] == [
        ("booking_confirmed", "email", "fr"), ("booking_moved", "email", "fr"), ("booking_completed", "email", "fr"),
        ("booking_confirmed", "email", "fr"), ("booking_cancelled", "email", "fr")]
    actions = [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.target_type == "booking")
                                         .order_by(AuditEvent.id))]
    assert actions == ["booking.staff_create", "booking.move", "booking.complete", "booking.staff_create",
                       "booking.staff_cancel"]


def test_staff_lists_week_and_pages(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    contact, _ = customer(db)
    svc = make_booking_service(db, duration=30)
    for day in range(13, 20):  # one a day, Monday to Sunday, plus the next Monday
        staff_calendar.staff_create(db, staff, contact_email=contact.email, service_id=svc.id,
                              starts_at=paris(2026, 4, day, 23, 30))  # late: the UTC date is the same
    staff_calendar.staff_create(db, staff, contact_email=contact.email, service_id=svc.id,
                          starts_at=paris(2026, 4, 20, 0, 0))
    week = staff_calendar.list_week(db, date(2026, 4, 13))
    assert len(week) == 7 and all(b.starts_at.astimezone(PARIS).day in range(13, 20) for b, *_ in week)
    rows, total = staff_calendar.list_admin(db, scope="upcoming", page=1, page_size=5)
    assert total == 8 and len(rows) == 5
    assert staff_calendar.list_admin(db, status="cancelled")[1] == 0


def test_business_instant_reads_the_business_zone(db):
    assert staff_calendar.business_instant(db, "2026-07-01", "10:00") == datetime(2026, 7, 1, 8, tzinfo=UTC)
    assert staff_calendar.business_instant(db, "2026-01-05", "10:00") == datetime(2026, 1, 5, 9, tzinfo=UTC)
    for day, at, key in (("2026-03-29", "02:30", "bookings.error.no_such_time"), ("2026-02-30", "10:00",
                         "bookings.error.date"), ("2026-04-01", "25:00", "bookings.error.hours_format")):
        with pytest.raises(DomainError) as err:
            staff_calendar.business_instant(db, day, at)
        assert err.value.key == key


# ---- reminders -------------------------------------------------------------------------------------


def test_reminders_go_once_when_due_in_the_contacts_language(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    by_sms, ctx_sms = customer(db, language="de", mobile="+33612345678")
    by_mail, ctx_mail = customer(db, language="fr")
    svc = make_booking_service(db, duration=60)
    a, _ = customer_side.book(db, ctx_sms, svc.id, paris(2026, 4, 13, 9))
    b, _ = customer_side.book(db, ctx_mail, svc.id, paris(2026, 4, 13, 14))
    c, _ = customer_side.book(db, ctx_mail, svc.id, paris(2026, 4, 14, 9))
    customer_side.cancel(db, ctx_mail, c.id)  # cancelled: never reminded
    assert a.reminder_due_at == paris(2026, 4, 12, 9)
    assert notices.send_due_reminders(db, paris(2026, 4, 12, 8, 59)) == []
    sent = notices.send_due_reminders(db, paris(2026, 4, 12, 9))
    assert [d.channel for d in sent] == ["sms"] and a.reminder_sent_at == paris(2026, 4, 12, 9)
    assert notices.send_due_reminders(db, paris(2026, 4, 12, 9, 1)) == []  # sent once
    sent = notices.send_due_reminders(db, paris(2026, 4, 12, 15))
    assert [d.channel for d in sent] == ["email"]
    msgs = db.exec(select(OutboundMessage).where(OutboundMessage.template == "booking_reminder")
                   .order_by(OutboundMessage.id)).all()
    assert [(m.contact_id, m.language, m.channel) for m in msgs] == [(by_sms.id, "de", "sms"),
                                                                     (by_mail.id, "fr", "email")]
    assert "Erinnerung" in msgs[0].body_text and "Rappel" in msgs[1].subject
    assert notices.send_due_reminders(db, paris(2026, 4, 20)) == []


def test_reminder_schedule_follows_moves_and_settings_and_skips_what_is_over(db, staff):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db)
    svc = make_booking_service(db, duration=60)
    b, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 9))
    soon, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 10, 14))  # 5 h ahead: reminder moment passed
    assert soon.reminder_due_at is None
    rules(db, staff, reminder_hours=2)
    assert b.reminder_due_at == paris(2026, 4, 13, 7) and soon.reminder_due_at == paris(2026, 4, 10, 12)
    rules(db, staff, reminder_hours=0)
    assert b.reminder_due_at is None
    rules(db, staff, reminder_hours=24)
    notices.send_due_reminders(db, paris(2026, 4, 12, 9))
    assert b.reminder_sent_at is not None
    customer_side.reschedule(db, ctx, b.id, paris(2026, 4, 14, 9))  # a new time gets a new reminder
    assert b.reminder_sent_at is None and b.reminder_due_at == paris(2026, 4, 13, 9)
    # the server was down until after the start: no late reminder
    assert notices.send_due_reminders(db, paris(2026, 4, 14, 9, 30)) == []


# ---- calendar file, services, hours ----------------------------------------------------------------


def test_calendar_file_carries_utc_times_and_a_stable_uid(db):
    clock.freeze(paris(2026, 4, 10, 9))
    _, ctx = customer(db, language="de")
    svc = make_booking_service(db, "Beratung", duration=45)
    b, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 9))
    name, data = customer_side.calendar_file(db, ctx, b.id)
    assert name == f"booking-{b.id}.ics"
    event = next(c for c in Calendar.from_ical(data).walk() if c.name == "VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 4, 13, 7, tzinfo=UTC)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=45)
    assert str(event["uid"]) == f"booking-{b.id}@localhost" and int(event["sequence"]) == 0
    assert "Beratung (de)" in str(event["summary"]) and str(event["status"]) == "CONFIRMED"
    customer_side.reschedule(db, ctx, b.id, paris(2026, 4, 13, 14))
    event = next(c for c in Calendar.from_ical(customer_side.calendar_file(db, ctx, b.id)[1]).walk()
                 if c.name == "VEVENT")
    assert int(event["sequence"]) == 1 and str(event["uid"]) == f"booking-{b.id}@localhost"


def test_service_validation_and_prices_in_minor_units(db, staff):
    svc = make_booking_service(db, price="45,50", currency="eur", show_price=True)
    assert (svc.price_minor, svc.currency, svc.show_price) == (4550, "EUR", True)
    assert bookings.price_text(svc.price_minor, svc.currency) == "45.50"
    yen = make_booking_service(db, price="1200", currency="JPY")
    assert yen.price_minor == 1200 and not yen.show_price
    for kw, key in ((dict(price="12.5", currency="JPY"), "bookings.error.price"),
                    (dict(price="-3"), "bookings.error.price"),
                    (dict(price="abc"), "bookings.error.price"),
                    (dict(currency="XYZ1"), "bookings.error.currency"),
                    (dict(duration=7), "bookings.error.five_minutes"),
                    (dict(duration=0), "bookings.error.duration"),
                    (dict(audience="accounts", account_numbers=""), "bookings.error.no_accounts"),
                    (dict(audience="accounts", account_numbers="NOPE-9"), "bookings.error.unknown_account"),
                    (dict(names={"en": "  "}), "bookings.error.service_name")):
        with pytest.raises(DomainError) as err:
            make_booking_service(db, **kw)
        assert err.value.key == key, kw
    assert bookings.service_name(svc, "fr") == "Consultation (fr)"
    only_en = make_booking_service(db, names={"en": "Only English"})
    assert bookings.service_name(only_en, "de") == "Only English"


@pytest.mark.parametrize("text, expected", [
    ("", []), ("9-12", [(540, 720)]), ("09:00-12:00, 14:00-18:30", [(540, 720), (840, 1110)]),
    ("14h-18h; 8h30-12h", [(510, 720), (840, 1080)]), ("00:00-24:00", [(0, 1440)]),
])
def test_hours_are_read_as_people_write_them(text, expected):
    assert bookings.parse_intervals(text) == expected


@pytest.mark.parametrize("text, key", [
    ("9", "bookings.error.hours_format"), ("12-9", "bookings.error.hours_order"),
    ("9-12, 11-13", "bookings.error.hours_overlap"), ("9:07-12", "bookings.error.five_minutes"),
    ("25-26", "bookings.error.hours_format"), ("9:75-10", "bookings.error.hours_format"),
])
def test_hours_mistakes_are_explained(text, key):
    with pytest.raises(DomainError) as err:
        bookings.parse_intervals(text)
    assert err.value.key == key


def test_rules_are_validated(db, staff):
    for change, key in ((dict(time_zone="Mars/Olympus"), "bookings.error.time_zone"),
                        (dict(time_zone="../../etc/passwd"), "bookings.error.time_zone"),
                        (dict(book_notice_hours=-1), "bookings.error.notice"),
                        (dict(slot_step_minutes=7), "bookings.error.five_minutes"),
                        (dict(slot_step_minutes="x"), "bookings.error.step"),
                        (dict(horizon_days=0), "bookings.error.horizon"),
                        (dict(reminder_hours=10_000), "bookings.error.reminder")):
        with pytest.raises(DomainError) as err:
            rules(db, staff, **change)
        assert err.value.key == key
    assert rules(db, staff, time_zone="America/Montreal").time_zone == "America/Montreal"


def test_messages_use_the_contacts_own_zone_with_its_abbreviation(db):
    """A contact who chose a zone reads the time of their appointment in it, and every message says which
    zone it is in (an SMS has no room for the zone's name: the abbreviation is beside the time)."""
    clock.freeze(paris(2026, 4, 10, 9))
    contact, ctx = customer(db, language="en")
    contact.time_zone = "America/New_York"
    db.add(contact)
    svc = make_booking_service(db, "Fitting", duration=60)
    b, _ = customer_side.book(db, ctx, svc.id, paris(2026, 4, 13, 10))
    assert b.time_zone == "Europe/Paris"  # the booking keeps the business's zone
    [msg] = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id)).all()
    body = msg.body_text.replace("\u202f", " ")
    assert "Monday, April 13, 2026, 4:00 AM EDT (America/New York)" in body
    # Without a choice: the business's zone, abbreviated too (the same customer, reset).
    contact.time_zone = ""
    db.add(contact)
    assert notices.describe_when(b.starts_at, "fr", "Europe/Paris", with_zone=True) == "lundi 13 avril 2026, 10:00 CEST"
    deliveries = notices.tell(db, b, "moved", by_staff=False)
    assert deliveries
    moved = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id)
                    .where(OutboundMessage.template == "booking_moved")).one()
    assert "10:00 AM CEST (Europe/Paris)" in moved.body_text.replace("\u202f", " ")
