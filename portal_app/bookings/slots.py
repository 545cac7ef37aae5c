"""Bookings: free slots from opening hours, exceptions and existing bookings, and placing a booking in
the calendar.

No double booking: every live booking claims the 5-minute cells it covers under a unique key, so the
database itself refuses a second booking of the same time, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app.bookings.models import Booking, BookingException, BookingSettings, BookingSlotClaim
from portal_app.bookings.models import STATUS_CANCELLED
from portal_app.bookings.rules import (HOLDING, MAX_BUFFER_MINUTES, MAX_DURATION_MINUTES, cells, is_zone, local_instant,
                                       weekly_hours, zone)
from portal_app.core import clock
from portal_app.core.errors import DomainError

# ---- free slots -------------------------------------------------------------------------------------


def day_intervals(db: Session, day: date, weekly: dict[int, list[tuple[int, int]]] | None = None,
                  exceptions: dict[date, BookingException] | None = None) -> list[tuple[int, int]]:
    """Opening intervals of one date: its exception if it has one, else the weekday's hours."""
    if exceptions is None:
        exc = db.exec(select(BookingException).where(BookingException.day == day)).first()
    else:
        exc = exceptions.get(day)
    if exc is not None:
        return [] if exc.closed else [(int(a), int(b)) for a, b in exc.hours]
    weekly = weekly if weekly is not None else weekly_hours(db)
    return weekly.get(day.weekday(), [])


def free_starts(day: date, intervals: list[tuple[int, int]], tz: ZoneInfo, *, step_minutes: int,
                duration_minutes: int, buffer_minutes: int, busy: list[tuple[datetime, datetime]],
                earliest: datetime) -> list[datetime]:
    """The UTC starts of free slots on one local date.

    Starts are wall-clock times on the step grid of each opening interval. A time that does not exist
    (spring gap) is skipped; a time that exists twice (autumn overlap) is offered once, at its first
    occurrence. Durations are real elapsed time, and the appointment (not its buffer) must end by the
    close. A slot is free when [start, end + buffer) overlaps no busy [start, blocked_until).
    """
    duration = timedelta(minutes=duration_minutes)
    blocked = timedelta(minutes=duration_minutes + buffer_minutes)
    out: list[datetime] = []
    for open_minute, close_minute in intervals:
        close = local_instant(day, close_minute, tz, fold=1)
        if close is None:  # a closing time inside the spring gap: read with the offset before the change
            wall = datetime.combine(day, time()) + timedelta(minutes=close_minute)
            close = wall.replace(tzinfo=tz).astimezone(timezone.utc)
        minute = open_minute
        while minute < close_minute:
            start = local_instant(day, minute, tz)
            minute += step_minutes
            if start is None or start < earliest or start + duration > close:
                continue
            end = start + blocked
            if any(b_start < end and start < b_end for b_start, b_end in busy):
                continue
            if not out or out[-1] != start:
                out.append(start)
    return sorted(set(out))


# No booking is longer than this (appointment and buffer): a lower bound on starts_at lets every
# "what overlaps this window" query read a narrow range of the starts_at index, however long the history.
LONGEST = timedelta(minutes=MAX_DURATION_MINUTES + MAX_BUFFER_MINUTES)


def _busy(db: Session, start: datetime, end: datetime, ignore_booking_id: int | None = None):
    query = select(Booking.starts_at, Booking.blocked_until).where(
        Booking.status.in_(HOLDING), Booking.starts_at < end, Booking.starts_at > start - LONGEST,
        Booking.blocked_until > start)
    if ignore_booking_id is not None:
        query = query.where(Booking.id != ignore_booking_id)
    return list(db.exec(query).all())


@dataclass(frozen=True)
class SlotDay:
    day: date  # a date in the viewer's zone
    starts: list[datetime]  # UTC


def _business_today(settings: BookingSettings, now: datetime) -> date:
    return now.astimezone(zone(settings.time_zone)).date()


def compute_slots(db: Session, settings: BookingSettings, *, duration_minutes: int, buffer_minutes: int,
                  first_day: date, days: int, viewer_zone: str | None = None, now: datetime | None = None,
                  ignore_booking_id: int | None = None) -> list[SlotDay]:
    """Free slots for `days` dates from `first_day`, dates taken in the viewer's zone (default: the
    business zone). One query for the bookings of the whole range."""
    now = now or clock.now()
    biz = zone(settings.time_zone)
    viewer = zone(viewer_zone) if is_zone(viewer_zone) else biz
    earliest = now + timedelta(hours=settings.book_notice_hours)
    last_business_day = _business_today(settings, now) + timedelta(days=settings.horizon_days)
    # The viewer's dates may straddle two business dates: look one day either side.
    business_days = [first_day + timedelta(days=i) for i in range(-1, days + 1)]
    business_days = [d for d in business_days if d <= last_business_day]
    if not business_days:
        return [SlotDay(first_day + timedelta(days=i), []) for i in range(days)]
    range_start = datetime.combine(business_days[0], time(), biz).astimezone(timezone.utc)
    range_end = datetime.combine(business_days[-1] + timedelta(days=2), time(), biz).astimezone(timezone.utc)
    busy = _busy(db, range_start - timedelta(days=1), range_end, ignore_booking_id)
    weekly = weekly_hours(db)
    exceptions = {e.day: e for e in db.exec(select(BookingException).where(
        BookingException.day >= business_days[0], BookingException.day <= business_days[-1])).all()}
    by_day: dict[date, list[datetime]] = {first_day + timedelta(days=i): [] for i in range(days)}
    for day in business_days:
        for start in free_starts(day, day_intervals(db, day, weekly, exceptions), biz,
                                 step_minutes=settings.slot_step_minutes, duration_minutes=duration_minutes,
                                 buffer_minutes=buffer_minutes, busy=busy, earliest=earliest):
            local_day = start.astimezone(viewer).date()
            if local_day in by_day:
                by_day[local_day].append(start)
    return [SlotDay(d, sorted(starts)) for d, starts in by_day.items()]



def lengths(b: Booking) -> tuple[int, int]:
    return (int((b.ends_at - b.starts_at).total_seconds() // 60),
            int((b.blocked_until - b.ends_at).total_seconds() // 60))


def overlaps(db: Session, start: datetime, end: datetime, ignore_booking_id: int | None) -> bool:
    return bool(_busy(db, start, end, ignore_booking_id))


def check_customer_slot(db: Session, settings: BookingSettings, start: datetime, duration: int, buffer: int,
                         now: datetime, ignore_booking_id: int | None = None) -> None:
    """The start must be one of the free slots a customer would have been shown."""
    biz = zone(settings.time_zone)
    day = start.astimezone(biz).date()
    last_day = _business_today(settings, now) + timedelta(days=settings.horizon_days)
    if day <= last_day:
        busy = _busy(db, start - timedelta(days=1), start + timedelta(days=2), ignore_booking_id)
        free = free_starts(day, day_intervals(db, day), biz, step_minutes=settings.slot_step_minutes,
                           duration_minutes=duration, buffer_minutes=buffer, busy=busy,
                           earliest=now + timedelta(hours=settings.book_notice_hours))
        if start in free:
            return
    if overlaps(db, start, start + timedelta(minutes=duration + buffer), ignore_booking_id):
        raise DomainError("bookings.error.just_taken")
    if start < now + timedelta(hours=settings.book_notice_hours):
        raise DomainError("bookings.error.too_soon", hours=settings.book_notice_hours)
    raise DomainError("bookings.error.slot_unavailable")


# ---- placing bookings in the calendar ---------------------------------------------------------------


def place(db: Session, booking: Booking, start: datetime, duration: int, buffer: int) -> None:
    """Set the booking's times and claim its cells, in a savepoint: if another booking holds any of
    them (a concurrent request won the race), nothing of this change remains and the caller hears
    'just taken'."""
    try:
        with db.begin_nested():
            booking.starts_at = start
            booking.ends_at = start + timedelta(minutes=duration)
            booking.blocked_until = booking.ends_at + timedelta(minutes=buffer)
            db.add(booking)
            db.flush()
            db.exec(delete(BookingSlotClaim).where(BookingSlotClaim.booking_id == booking.id))
            db.add_all([BookingSlotClaim(cell=c, booking_id=booking.id)
                        for c in cells(booking.starts_at, booking.blocked_until)])
            db.flush()
    except IntegrityError:
        raise DomainError("bookings.error.just_taken") from None


def release(db: Session, booking: Booking) -> None:
    db.exec(delete(BookingSlotClaim).where(BookingSlotClaim.booking_id == booking.id))



def cancel_in_calendar(db: Session, b: Booking, now: datetime) -> None:
    b.status, b.cancelled_at, b.updated_at = STATUS_CANCELLED, now, now
    b.reminder_due_at = None
    b.sequence += 1
    release(db, b)
    db.add(b)
    db.flush()


