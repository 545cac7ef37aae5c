"""Bookings: what a customer sees and does: free slots, book, reschedule, cancel, their lists."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, select

from portal_app.bookings.models import Booking, BookingService, BookingSettings
from portal_app.bookings.models import STATUS_CANCELLED, STATUS_COMPLETED, STATUS_CONFIRMED, STATUS_REQUESTED
from portal_app.bookings.notices import build_ics, changed
from portal_app.bookings.rules import (LIVE, MODULE, NOTE_MAX, PAGE_SIZE, aware, bookable_service, get_booking_settings,
                                       schedule_reminder)
from portal_app.bookings.slots import (LONGEST, SlotDay, cancel_in_calendar, check_customer_slot, compute_slots,
                                       lengths, place)
from portal_app.core import audit, clock, notify
from portal_app.core.auth.sessions import PortalContext, require_module
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import Contact

VIEWS = ("upcoming", "requests", "history")


def _online(db: Session, ctx: PortalContext) -> BookingSettings:
    """The settings, when this customer may book online at all."""
    require_module(ctx, MODULE)
    settings = get_booking_settings(db)
    if not settings.online_booking:
        raise DomainError("bookings.error.online_off")
    return settings


def _changeable(db: Session, ctx: PortalContext, booking_id, block) -> tuple[BookingSettings, Booking, datetime]:
    """(settings, the booking, now) when the customer may make this change to their booking now
    (`block` says why not: reschedule_block or cancel_block)."""
    require_module(ctx, MODULE)
    settings = get_booking_settings(db)
    b = _customer_booking(db, ctx, booking_id)
    now = clock.now()
    why = block(settings, b, now)
    if why:
        raise DomainError(why[0], **why[1])
    return settings, b, now


def available_slots(db: Session, ctx: PortalContext, service_id: int, first_day: date, days: int = 7,
                    viewer_zone: str | None = None) -> list[SlotDay]:
    """Free slots of a service for a customer (the service must be bookable by their account)."""
    settings = _online(db, ctx)
    svc = bookable_service(db, ctx, service_id)
    return compute_slots(db, settings, duration_minutes=svc.duration_minutes, buffer_minutes=svc.buffer_minutes,
                         first_day=first_day, days=days, viewer_zone=viewer_zone)


def reschedule_slots(db: Session, ctx: PortalContext, booking_id: int, first_day: date, days: int = 7,
                     viewer_zone: str | None = None) -> list[SlotDay]:
    """Free slots to move a booking to: same lengths, its own time counted free."""
    settings, b, _ = _changeable(db, ctx, booking_id, reschedule_block)
    duration, buffer = lengths(b)
    return compute_slots(db, settings, duration_minutes=duration, buffer_minutes=buffer, first_day=first_day,
                         days=days, viewer_zone=viewer_zone, ignore_booking_id=b.id)


def _customer_booking(db: Session, ctx: PortalContext, booking_id) -> Booking:
    """A booking of the customer's account, or NotFound (another account's looks the same, and is
    recorded)."""
    try:
        booking_id = int(booking_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    row = db.exec(select(Booking).where(Booking.id == booking_id, Booking.account_id == ctx.account_id)).first()
    if row is None:
        if db.get(Booking, booking_id) is not None:
            audit.record(db, audit.portal_actor(ctx), "booking.denied", target_type="booking", target_id=booking_id,
                         account_id=ctx.account_id)
        raise NotFound()
    return row


def get_customer_booking(db: Session, ctx: PortalContext, booking_id) -> Booking:
    require_module(ctx, MODULE)
    return _customer_booking(db, ctx, booking_id)


# ---- what a customer may do with a booking ----------------------------------------------------------


def _closed_to_change(b: Booking, now: datetime, allowed: bool, off_key: str) -> tuple[str, dict] | None:
    """What stops a customer moving and cancelling alike: the booking is over or no longer live, or the
    business does not let customers do it."""
    if b.status not in LIVE:
        return "bookings.why.not_changeable", {}
    if b.starts_at <= now:
        return "bookings.why.past", {}
    if not allowed:
        return off_key, {}
    return None


def reschedule_block(settings: BookingSettings, b: Booking, now: datetime) -> tuple[str, dict] | None:
    """Why a customer cannot move this booking now (catalogue key and parameters), or None."""
    why = _closed_to_change(b, now, settings.allow_reschedule, "bookings.why.reschedule_off")
    if why is None and now > b.starts_at - timedelta(hours=settings.reschedule_notice_hours):
        return "bookings.why.reschedule_notice", {"hours": settings.reschedule_notice_hours}
    return why


def cancel_block(settings: BookingSettings, b: Booking, now: datetime) -> tuple[str, dict] | None:
    """Why a customer cannot cancel this booking now, or None. A request not yet confirmed can be
    withdrawn until it starts."""
    why = _closed_to_change(b, now, settings.allow_cancel, "bookings.why.cancel_off")
    if why is None and b.status == STATUS_CONFIRMED and \
            now > b.starts_at - timedelta(hours=settings.cancel_notice_hours):
        return "bookings.why.cancel_notice", {"hours": settings.cancel_notice_hours}
    return why


# ---- customer actions --------------------------------------------------------------------------------


def book(db: Session, ctx: PortalContext, service_id, starts_at: datetime, note: str = "",
         ) -> tuple[Booking, list[notify.Delivery]]:
    """A customer books a free slot: confirmed at once, or a request when staff confirm bookings."""
    settings = _online(db, ctx)
    try:
        service_id = int(service_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    svc = bookable_service(db, ctx, service_id)
    start, now = aware(starts_at), clock.now()
    check_customer_slot(db, settings, start, svc.duration_minutes, svc.buffer_minutes, now)
    status = STATUS_REQUESTED if settings.requires_confirmation else STATUS_CONFIRMED
    booking = Booking(account_id=ctx.account_id, contact_id=ctx.contact_id, service_id=svc.id, status=status,
                      starts_at=start, ends_at=start, blocked_until=start, time_zone=settings.time_zone,
                      note=(note or "").strip()[:NOTE_MAX], created_by="contact", created_at=now,
                      confirmed_at=now if status == STATUS_CONFIRMED else None,
                      booked_by_staff_id=ctx.impersonator_staff_id)
    place(db, booking, start, svc.duration_minutes, svc.buffer_minutes)
    schedule_reminder(booking, settings, now)
    return changed(db, audit.portal_actor(ctx), booking, "booking.create", status, by_staff=False,
                   on_behalf=ctx.impersonator_name, status=status)


def reschedule(db: Session, ctx: PortalContext, booking_id,
               new_start: datetime) -> tuple[Booking, list[notify.Delivery]]:
    settings, b, now = _changeable(db, ctx, booking_id, reschedule_block)
    start = aware(new_start)
    if start == b.starts_at:
        raise DomainError("bookings.error.same_time")
    duration, buffer = lengths(b)
    check_customer_slot(db, settings, start, duration, buffer, now, ignore_booking_id=b.id)
    old = b.starts_at
    place(db, b, start, duration, buffer)
    if settings.requires_confirmation:
        b.status, b.confirmed_at = STATUS_REQUESTED, None
    b.sequence += 1
    b.updated_at = now
    b.changed_by_staff_id = ctx.impersonator_staff_id
    schedule_reminder(b, settings, now)
    return changed(db, audit.portal_actor(ctx), b, "booking.reschedule", "moved", by_staff=False,
                   on_behalf=ctx.impersonator_name, old=old.isoformat(), new=start.isoformat())


def cancel(db: Session, ctx: PortalContext, booking_id) -> tuple[Booking, list[notify.Delivery]]:
    _, b, now = _changeable(db, ctx, booking_id, cancel_block)
    cancel_in_calendar(db, b, now)
    b.changed_by_staff_id = ctx.impersonator_staff_id
    return changed(db, audit.portal_actor(ctx), b, "booking.cancel", STATUS_CANCELLED, by_staff=False,
                   on_behalf=ctx.impersonator_name)



def _view_condition(view: str, now: datetime):
    # ends_at >= now, with its starts_at bound so the (account_id, starts_at) index reads only the future
    ahead = (Booking.ends_at >= now) & (Booking.starts_at > now - LONGEST)
    if view == "upcoming":
        return (Booking.status == STATUS_CONFIRMED) & ahead
    if view == "requests":
        return (Booking.status == STATUS_REQUESTED) & ahead
    return or_(Booking.status.in_((STATUS_CANCELLED, STATUS_COMPLETED)), Booking.ends_at < now)


def list_customer_bookings(db: Session, ctx: PortalContext, view: str = "upcoming", *, page: int = 1,
                           page_size: int = PAGE_SIZE):
    """One page of the account's bookings: upcoming (confirmed), requests (awaiting staff), history."""
    require_module(ctx, MODULE)
    view = view if view in VIEWS else "upcoming"
    now = clock.now()
    cond = (Booking.account_id == ctx.account_id) & _view_condition(view, now)
    total = db.exec(select(func.count()).select_from(Booking).where(cond)).one()
    order = Booking.starts_at.desc() if view == "history" else Booking.starts_at
    rows = db.exec(select(Booking, BookingService, Contact)
                   .join(BookingService, BookingService.id == Booking.service_id)
                   .join(Contact, Contact.id == Booking.contact_id)
                   .where(cond).order_by(order, Booking.id)
                   .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return rows, total


def customer_counts(db: Session, ctx: PortalContext) -> dict[str, int]:
    require_module(ctx, MODULE)
    now = clock.now()
    return {view: db.exec(select(func.count()).select_from(Booking).where(
        (Booking.account_id == ctx.account_id) & _view_condition(view, now))).one() for view in VIEWS}


def next_bookings(db: Session, ctx: PortalContext, limit: int = 3):
    """The account's next live bookings (confirmed or requested), soonest first."""
    require_module(ctx, MODULE)
    return db.exec(select(Booking, BookingService)
                   .join(BookingService, BookingService.id == Booking.service_id)
                   .where(Booking.account_id == ctx.account_id, Booking.status.in_(LIVE),
                          Booking.ends_at >= clock.now(), Booking.starts_at > clock.now() - LONGEST)
                   .order_by(Booking.starts_at, Booking.id).limit(limit)).all()



def calendar_file(db: Session, ctx: PortalContext, booking_id) -> tuple[str, bytes]:
    """(file name, iCalendar bytes) of one of the customer's bookings."""
    b = get_customer_booking(db, ctx, booking_id)
    return f"booking-{b.id}.ics", build_ics(db, b, ctx.language)


