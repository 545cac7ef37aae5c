"""Bookings: the staff calendar. Book for a contact, confirm, move, cancel, complete; the list and week views."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func
from sqlmodel import Session, select

from portal_app.bookings.models import Booking, BookingService
from portal_app.bookings.models import (CELL_MINUTES, STATUS_CANCELLED, STATUS_COMPLETED, STATUS_CONFIRMED,
                                        STATUS_REQUESTED)
from portal_app.bookings.notices import changed
from portal_app.bookings.rules import (ADMIN_PAGE_SIZE, LIVE, NOTE_MAX, aware, get_booking_settings, get_service,
                                       local_instant, parse_time, schedule_reminder, zone)
from portal_app.bookings.slots import LONGEST, cancel_in_calendar, lengths, overlaps, place
from portal_app.core import clock, notify
from portal_app.core.auth.staff import StaffContext
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import Account, Contact

WEEK_VIEW_LIMIT = 500


def get_booking(db: Session, booking_id) -> Booking:
    try:
        row = db.get(Booking, int(booking_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound()
    return row


def _staff_start(value: datetime, now: datetime) -> datetime:
    start = aware(value)
    if start.second or start.microsecond or start.minute % CELL_MINUTES:
        raise DomainError("bookings.error.five_minutes")
    if start < now:
        raise DomainError("bookings.error.in_past")
    return start


def business_instant(db: Session, day_text: str, time_text: str) -> datetime:
    """A date and a time typed by staff, read in the business zone, as a UTC instant."""
    try:
        day = date.fromisoformat((day_text or "").strip())
    except ValueError:
        raise DomainError("bookings.error.date") from None
    minute = parse_time(time_text)
    instant = local_instant(day, minute, zone(get_booking_settings(db).time_zone))
    if instant is None:  # inside the spring gap: that wall-clock time does not exist
        raise DomainError("bookings.error.no_such_time")
    return instant


def staff_create(db: Session, staff: StaffContext, *, contact_email: str, service_id, starts_at: datetime,
                 note: str = "") -> tuple[Booking, list[notify.Delivery]]:
    """Staff book for a contact: confirmed at once, at any free time (opening hours are theirs to
    overrule), never over another booking."""
    settings = get_booking_settings(db)
    contact = db.exec(select(Contact).where(Contact.email == (contact_email or "").strip().lower())).first()
    if contact is None:
        raise DomainError("bookings.error.unknown_contact", email=(contact_email or "").strip()[:254])
    svc = get_service(db, int(service_id)) if str(service_id).isdigit() else None
    if svc is None:
        raise NotFound()
    now = clock.now()
    start = _staff_start(starts_at, now)
    if overlaps(db, start, start + timedelta(minutes=svc.duration_minutes + svc.buffer_minutes), None):
        raise DomainError("bookings.error.just_taken")
    booking = Booking(account_id=contact.account_id, contact_id=contact.id, service_id=svc.id,
                      status=STATUS_CONFIRMED, starts_at=start, ends_at=start, blocked_until=start,
                      time_zone=settings.time_zone, note=(note or "").strip()[:NOTE_MAX], created_by="staff",
                      created_at=now, confirmed_at=now)
    place(db, booking, start, svc.duration_minutes, svc.buffer_minutes)
    schedule_reminder(booking, settings, now)
    return changed(db, staff.actor, booking, "booking.staff_create", STATUS_CONFIRMED, by_staff=True)


def _staff_booking(db: Session, booking_id, statuses: tuple[str, ...], refusal: str) -> Booking:
    """The booking, when its status allows the change (else `refusal`, a catalogue key)."""
    b = get_booking(db, booking_id)
    if b.status not in statuses:
        raise DomainError(refusal)
    return b


def staff_confirm(db: Session, staff: StaffContext, booking_id) -> tuple[Booking, list[notify.Delivery]]:
    b = _staff_booking(db, booking_id, (STATUS_REQUESTED,), "bookings.error.not_requested")
    now = clock.now()
    if b.starts_at <= now:
        raise DomainError("bookings.error.in_past")
    b.status, b.confirmed_at, b.updated_at = STATUS_CONFIRMED, now, now
    b.sequence += 1
    schedule_reminder(b, get_booking_settings(db), now)
    return changed(db, staff.actor, b, "booking.confirm", STATUS_CONFIRMED, by_staff=True)


def staff_move(db: Session, staff: StaffContext, booking_id,
               new_start: datetime) -> tuple[Booking, list[notify.Delivery]]:
    b = _staff_booking(db, booking_id, LIVE, "bookings.error.not_live")
    now = clock.now()
    start = _staff_start(new_start, now)
    if start == b.starts_at:
        raise DomainError("bookings.error.same_time")
    duration, buffer = lengths(b)
    if overlaps(db, start, start + timedelta(minutes=duration + buffer), b.id):
        raise DomainError("bookings.error.just_taken")
    old = b.starts_at
    place(db, b, start, duration, buffer)
    b.sequence += 1
    b.updated_at = now
    schedule_reminder(b, get_booking_settings(db), now)
    return changed(db, staff.actor, b, "booking.move", "moved", by_staff=True, old=old.isoformat(),
                   new=start.isoformat())


def staff_cancel(db: Session, staff: StaffContext, booking_id) -> tuple[Booking, list[notify.Delivery]]:
    b = _staff_booking(db, booking_id, LIVE, "bookings.error.not_live")
    cancel_in_calendar(db, b, clock.now())
    return changed(db, staff.actor, b, "booking.staff_cancel", STATUS_CANCELLED, by_staff=True)


def staff_complete(db: Session, staff: StaffContext, booking_id) -> tuple[Booking, list[notify.Delivery]]:
    b = _staff_booking(db, booking_id, (STATUS_CONFIRMED,), "bookings.error.not_confirmed")
    now = clock.now()
    if b.starts_at > now:
        raise DomainError("bookings.error.not_started")
    b.status, b.updated_at, b.reminder_due_at = STATUS_COMPLETED, now, None
    return changed(db, staff.actor, b, "booking.complete", STATUS_COMPLETED, by_staff=True)


ADMIN_SCOPES = ("upcoming", "past", "all")


def list_admin(db: Session, *, status: str = "", scope: str = "upcoming", page: int = 1,
               page_size: int = ADMIN_PAGE_SIZE):
    """The console's list view, paged in the database."""
    now = clock.now()
    conds = []
    if status in (STATUS_REQUESTED, STATUS_CONFIRMED, STATUS_CANCELLED, STATUS_COMPLETED):
        conds.append(Booking.status == status)
    if scope == "upcoming":
        conds += [Booking.ends_at >= now, Booking.starts_at > now - LONGEST]
    elif scope == "past":
        conds.append(Booking.ends_at < now)
    count = select(func.count()).select_from(Booking)
    query = (select(Booking, BookingService, Account, Contact)
             .join(BookingService, BookingService.id == Booking.service_id)
             .join(Account, Account.id == Booking.account_id)
             .join(Contact, Contact.id == Booking.contact_id))
    for c in conds:
        count, query = count.where(c), query.where(c)
    total = db.exec(count).one()
    order = Booking.starts_at.desc() if scope == "past" else Booking.starts_at
    rows = db.exec(query.order_by(order, Booking.id).offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return rows, total


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def list_week(db: Session, monday: date):
    """Every booking starting in the business week from `monday` (bounded by WEEK_VIEW_LIMIT)."""
    tz = zone(get_booking_settings(db).time_zone)
    start = datetime.combine(monday, time(), tz).astimezone(timezone.utc)
    end = datetime.combine(monday + timedelta(days=7), time(), tz).astimezone(timezone.utc)
    return db.exec(select(Booking, BookingService, Account, Contact)
                   .join(BookingService, BookingService.id == Booking.service_id)
                   .join(Account, Account.id == Booking.account_id)
                   .join(Contact, Contact.id == Booking.contact_id)
                   .where(Booking.starts_at >= start, Booking.starts_at < end)
                   .order_by(Booking.starts_at, Booking.id).limit(WEEK_VIEW_LIMIT)).all()


