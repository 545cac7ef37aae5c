"""Bookings: free slots from opening hours, exceptions and existing bookings; the rules customers and
staff book, move and cancel by; the messages that tell the customer; reminders; calendar files.

Times are stored in UTC. Opening hours are wall-clock times of the business zone, so slots are built
day by day in that zone with zoneinfo: a daylight-saving change neither shifts nor duplicates them.
No double booking: every live booking claims the 5-minute cells it covers under a unique key, so the
database itself refuses a second booking of the same time, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from babel.numbers import get_currency_precision, list_currencies
from sqlalchemy import delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app.core.config import get_settings
from portal_app.core.models.accounts import Account, Contact
from portal_app.bookings.models import (Booking, BookingException, BookingHours, BookingService, BookingServiceAccount, BookingSettings, BookingSlotClaim)
from portal_app.bookings.models import (AUDIENCE_ACCOUNTS, AUDIENCE_EVERYONE, CELL_MINUTES, STATUS_CANCELLED, STATUS_COMPLETED, STATUS_CONFIRMED, STATUS_REQUESTED)
from portal_app.core import audit, clock, notify
from portal_app.core.business import branding, business_view
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.i18n import format_long_date, format_time_of_day, shipped_languages, t
from portal_app.core.auth.sessions import PortalContext, require_module
from portal_app.core.auth.staff import StaffContext

MODULE = "bookings"
PAGE_SIZE = 10
ADMIN_PAGE_SIZE = 20
WEEK_VIEW_LIMIT = 500
# Bookings that can still change, and those that hold their time in the calendar.
LIVE = (STATUS_REQUESTED, STATUS_CONFIRMED)
HOLDING = (STATUS_REQUESTED, STATUS_CONFIRMED, STATUS_COMPLETED)
VIEWS = ("upcoming", "requests", "history")
REMINDER_BATCH = 200
# Claims of appointments older than this are released by the job (nothing can be booked there).
CLAIM_KEEP_HOURS = 24
DEFAULT_WEEKLY_HOURS = [(d, 9 * 60, 12 * 60) for d in range(5)] + [(d, 14 * 60, 18 * 60) for d in range(5)]
MAX_NOTICE_HOURS = 24 * 365
MAX_REMINDER_HOURS = 24 * 30
MAX_HORIZON_DAYS = 730
MAX_DURATION_MINUTES = 12 * 60
MAX_BUFFER_MINUTES = 4 * 60
NOTE_MAX = 500


# ---- time zones and small time helpers -------------------------------------------------------------


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """IANA zone names offered to staff and accepted from browsers."""
    names = {z for z in available_timezones()
             if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/", "posix", "right"))}
    return tuple(sorted(names | {"UTC"}))


def is_zone(name: str | None) -> bool:
    return bool(name) and name in zone_names()


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name if is_zone(name) else "UTC")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise DomainError("bookings.error.slot_unavailable")
    return value.astimezone(timezone.utc)


def _local_instant(day: date, minute: int, tz: ZoneInfo, fold: int = 0) -> datetime | None:
    """The UTC instant of a wall-clock time on a day; None when that time does not exist (spring gap).
    An ambiguous time (autumn overlap) is its first occurrence with fold=0, its second with fold=1."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    local = naive.replace(tzinfo=tz, fold=fold)
    instant = local.astimezone(timezone.utc)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return instant


def _cells(start: datetime, end: datetime) -> range:
    """The calendar cells an interval [start, end) covers."""
    step = CELL_MINUTES * 60
    first = int(start.timestamp()) // step
    last = -(-int(end.timestamp()) // step)
    return range(first, last)


def parse_time(text: str) -> int:
    """'9', '09:30', '9h30', '24:00' → minutes after midnight."""
    m = re.fullmatch(r"\s*(\d{1,2})(?:\s*[:h.]\s*(\d{2}))?\s*h?\s*", text or "")
    if not m:
        raise DomainError("bookings.error.hours_format", text=(text or "").strip()[:40])
    hours, minutes = int(m.group(1)), int(m.group(2) or 0)
    value = hours * 60 + minutes
    if minutes >= 60 or value > 24 * 60:
        raise DomainError("bookings.error.hours_format", text=text.strip()[:40])
    if value % CELL_MINUTES:
        raise DomainError("bookings.error.five_minutes")
    return value


def parse_intervals(text: str) -> list[tuple[int, int]]:
    """'09:00-12:00, 14:00-18:00' → [(540, 720), (840, 1080)]; empty text is no interval."""
    out: list[tuple[int, int]] = []
    for part in re.split(r"[,;]", text or ""):
        if not part.strip():
            continue
        bits = re.split(r"\s*[-–—]\s*", part.strip())
        if len(bits) != 2:
            raise DomainError("bookings.error.hours_format", text=part.strip()[:40])
        start, end = parse_time(bits[0]), parse_time(bits[1])
        if start >= end:
            raise DomainError("bookings.error.hours_order", text=part.strip()[:40])
        out.append((start, end))
    out.sort()
    for (_, end), (start, _) in zip(out, out[1:]):
        if start < end:
            raise DomainError("bookings.error.hours_overlap")
    return out


def format_minutes(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def format_intervals(intervals) -> str:
    return ", ".join(f"{format_minutes(a)}–{format_minutes(b)}" for a, b in intervals)


# ---- settings, hours, exceptions ------------------------------------------------------------------


def get_booking_settings(db: Session) -> BookingSettings:
    """The one settings row; created with default hours (Monday–Friday 9–12, 14–18) on first use."""
    row = db.get(BookingSettings, 1)
    if row is not None:
        return row
    try:
        with db.begin_nested():
            row = BookingSettings(id=1)
            db.add(row)
            if db.exec(select(func.count()).select_from(BookingHours)).one() == 0:
                for weekday, start, end in DEFAULT_WEEKLY_HOURS:
                    db.add(BookingHours(weekday=weekday, start_minute=start, end_minute=end))
            db.flush()
    except IntegrityError:  # another request created it first
        row = db.get(BookingSettings, 1)
    return row


@dataclass
class RulesInput:
    time_zone: str
    online_booking: bool
    allow_reschedule: bool
    allow_cancel: bool
    book_notice_hours: int
    reschedule_notice_hours: int
    cancel_notice_hours: int
    requires_confirmation: bool
    reminder_hours: int
    slot_step_minutes: int
    horizon_days: int


def _bounded(value, low: int, high: int, key: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(key, low=low, high=high) from None
    if not low <= number <= high:
        raise DomainError(key, low=low, high=high)
    return number


def update_rules(db: Session, staff: StaffContext, data: RulesInput) -> BookingSettings:
    row = get_booking_settings(db)
    if not is_zone(data.time_zone.strip()):
        raise DomainError("bookings.error.time_zone", zone=data.time_zone.strip()[:64])
    notices = [_bounded(v, 0, MAX_NOTICE_HOURS, "bookings.error.notice")
               for v in (data.book_notice_hours, data.reschedule_notice_hours, data.cancel_notice_hours)]
    reminder = _bounded(data.reminder_hours, 0, MAX_REMINDER_HOURS, "bookings.error.reminder")
    step = _bounded(data.slot_step_minutes, CELL_MINUTES, 240, "bookings.error.step")
    if step % CELL_MINUTES:
        raise DomainError("bookings.error.five_minutes")
    horizon = _bounded(data.horizon_days, 1, MAX_HORIZON_DAYS, "bookings.error.horizon")
    reminder_changed = reminder != row.reminder_hours
    row.time_zone = data.time_zone.strip()
    row.online_booking, row.allow_reschedule = bool(data.online_booking), bool(data.allow_reschedule)
    row.allow_cancel, row.requires_confirmation = bool(data.allow_cancel), bool(data.requires_confirmation)
    row.book_notice_hours, row.reschedule_notice_hours, row.cancel_notice_hours = notices
    row.reminder_hours, row.slot_step_minutes, row.horizon_days = reminder, step, horizon
    row.updated_at = clock.now()
    db.add(row)
    db.flush()
    if reminder_changed:
        _reschedule_pending_reminders(db, row)
    audit.record(db, staff.actor, "booking.settings", target_type="booking_settings", target_id=1)
    return row


def _reschedule_pending_reminders(db: Session, settings: BookingSettings) -> None:
    """A new reminder delay applies to every future booking whose reminder has not gone yet."""
    now = clock.now()
    rows = db.exec(select(Booking).where(Booking.status == STATUS_CONFIRMED, Booking.starts_at > now,
                                         Booking.reminder_sent_at.is_(None))).all()
    for b in rows:
        _schedule_reminder(b, settings, now)
        db.add(b)
    db.flush()


def weekly_hours(db: Session) -> dict[int, list[tuple[int, int]]]:
    get_booking_settings(db)
    out: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    for row in db.exec(select(BookingHours).order_by(BookingHours.weekday, BookingHours.start_minute)).all():
        out[row.weekday].append((row.start_minute, row.end_minute))
    return out


def set_weekly_hours(db: Session, staff: StaffContext, texts: dict[int, str]) -> dict[int, list[tuple[int, int]]]:
    """Replace the weekly hours; `texts` maps weekday (0 = Monday) to '09:00-12:00, 14:00-18:00'."""
    get_booking_settings(db)
    parsed = {d: parse_intervals(texts.get(d, "")) for d in range(7)}
    db.exec(delete(BookingHours))
    for weekday, intervals in parsed.items():
        for start, end in intervals:
            db.add(BookingHours(weekday=weekday, start_minute=start, end_minute=end))
    db.flush()
    audit.record(db, staff.actor, "booking.hours", target_type="booking_settings", target_id=1)
    return parsed


def save_exception(db: Session, staff: StaffContext, *, day: date, closed: bool, hours_text: str = "",
                   note: str = "") -> BookingException:
    """A closed day, or special opening hours for one date (replacing what that date had)."""
    intervals = [] if closed else parse_intervals(hours_text)
    if not closed and not intervals:
        raise DomainError("bookings.error.exception_hours")
    row = db.exec(select(BookingException).where(BookingException.day == day)).first()
    if row is None:
        row = BookingException(day=day, created_at=clock.now())
    row.closed, row.hours, row.note = bool(closed), [list(i) for i in intervals], note.strip()[:200]
    db.add(row)
    db.flush()
    audit.record(db, staff.actor, "booking.exception", target_type="booking_exception", target_id=row.id,
                 day=day.isoformat(), closed=bool(closed))
    return row


def delete_exception(db: Session, staff: StaffContext, exception_id: int) -> None:
    row = db.get(BookingException, exception_id)
    if row is None:
        raise NotFound()
    db.delete(row)
    db.flush()
    audit.record(db, staff.actor, "booking.exception_delete", target_type="booking_exception",
                 target_id=exception_id, day=row.day.isoformat())


def list_exceptions(db: Session, *, from_day: date, page: int = 1, page_size: int = ADMIN_PAGE_SIZE):
    cond = BookingException.day >= from_day
    total = db.exec(select(func.count()).select_from(BookingException).where(cond)).one()
    rows = db.exec(select(BookingException).where(cond).order_by(BookingException.day)
                   .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return rows, total


# ---- services ---------------------------------------------------------------------------------------


@dataclass
class ServiceInput:
    names: dict[str, str]
    duration_minutes: int | str
    buffer_minutes: int | str = 0
    price: str = ""  # decimal text in the currency's major unit; empty: no price
    currency: str = "EUR"
    show_price: bool = False
    audience: str = AUDIENCE_EVERYONE
    account_numbers: str = ""  # comma-separated account numbers when audience is 'accounts'
    active: bool = True
    position: int | str = 0


def parse_price(text: str, currency: str) -> int | None:
    """'45', '45.50', '45,50' → integer minor units; never a float."""
    text = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise DomainError("bookings.error.price") from None
    digits = get_currency_precision(currency)
    minor = value * (10 ** digits)
    if value < 0 or minor != minor.to_integral_value() or minor > 10 ** 12:
        raise DomainError("bookings.error.price")
    return int(minor)


def price_text(price_minor: int | None, currency: str) -> str:
    """Integer minor units back to the text staff typed (for the edit form)."""
    if price_minor is None:
        return ""
    digits = get_currency_precision(currency)
    return str((Decimal(price_minor) / (10 ** digits)).quantize(Decimal(1).scaleb(-digits)))


def save_service(db: Session, staff: StaffContext, data: ServiceInput, service_id: int | None = None) -> BookingService:
    names = {lang: (data.names.get(lang) or "").strip()[:120] for lang in shipped_languages()}
    names = {k: v for k, v in names.items() if v}
    if not names:
        raise DomainError("bookings.error.service_name")
    duration = _bounded(data.duration_minutes, CELL_MINUTES, MAX_DURATION_MINUTES, "bookings.error.duration")
    buffer = _bounded(data.buffer_minutes or 0, 0, MAX_BUFFER_MINUTES, "bookings.error.buffer")
    if duration % CELL_MINUTES or buffer % CELL_MINUTES:
        raise DomainError("bookings.error.five_minutes")
    currency = (data.currency or "").strip().upper()
    if currency not in list_currencies():
        raise DomainError("bookings.error.currency", currency=currency[:10])
    price = parse_price(data.price, currency)
    if data.audience not in (AUDIENCE_EVERYONE, AUDIENCE_ACCOUNTS):
        raise DomainError("bookings.error.audience")
    account_ids: list[int] = []
    if data.audience == AUDIENCE_ACCOUNTS:
        for number in [n.strip() for n in re.split(r"[,;\s]+", data.account_numbers or "") if n.strip()]:
            acc = db.exec(select(Account).where(func.lower(Account.number) == number.lower())).first()
            if acc is None:
                raise DomainError("bookings.error.unknown_account", number=number[:40])
            account_ids.append(acc.id)
        if not account_ids:
            raise DomainError("bookings.error.no_accounts")
    if service_id is None:
        row = BookingService(created_at=clock.now())
        action = "booking.service_create"
    else:
        row = get_service(db, service_id)
        action = "booking.service_update"
    row.names, row.duration_minutes, row.buffer_minutes = names, duration, buffer
    row.price_minor, row.currency, row.show_price = price, currency, bool(data.show_price) and price is not None
    row.audience, row.active = data.audience, bool(data.active)
    row.position = _bounded(data.position or 0, 0, 10_000, "bookings.error.position")
    db.add(row)
    db.flush()
    db.exec(delete(BookingServiceAccount).where(BookingServiceAccount.service_id == row.id))
    for account_id in dict.fromkeys(account_ids):
        db.add(BookingServiceAccount(service_id=row.id, account_id=account_id))
    db.flush()
    audit.record(db, staff.actor, action, target_type="booking_service", target_id=row.id)
    return row


def get_service(db: Session, service_id: int) -> BookingService:
    row = db.get(BookingService, service_id)
    if row is None:
        raise NotFound()
    return row


def service_accounts(db: Session, service_id: int) -> list[Account]:
    return list(db.exec(select(Account).join(BookingServiceAccount, BookingServiceAccount.account_id == Account.id)
                        .where(BookingServiceAccount.service_id == service_id).order_by(Account.number)).all())


def list_services(db: Session, *, page: int = 1, page_size: int = ADMIN_PAGE_SIZE):
    total = db.exec(select(func.count()).select_from(BookingService)).one()
    rows = db.exec(select(BookingService).order_by(BookingService.position, BookingService.id)
                   .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return rows, total


def all_services(db: Session) -> list[BookingService]:
    """Every service, for the console's booking form (a business has a handful)."""
    return list(db.exec(select(BookingService).order_by(BookingService.position, BookingService.id)).all())


def service_name(service: BookingService | None, lang: str, fallback_lang: str = "en") -> str:
    if service is None:
        return ""
    names = service.names or {}
    return names.get(lang) or names.get(fallback_lang) or names.get("en") or next(iter(names.values()), "") \
        or f"#{service.id}"


def _audience_condition(account_id: int):
    chosen = select(BookingServiceAccount.service_id).where(BookingServiceAccount.account_id == account_id)
    return or_(BookingService.audience == AUDIENCE_EVERYONE, BookingService.id.in_(chosen))


def bookable_services(db: Session, ctx: PortalContext) -> list[BookingService]:
    """The active services this customer's account may book."""
    require_module(ctx, MODULE)
    return list(db.exec(select(BookingService).where(BookingService.active, _audience_condition(ctx.account_id))
                        .order_by(BookingService.position, BookingService.id)).all())


def _bookable_service(db: Session, ctx: PortalContext, service_id: int) -> BookingService:
    row = db.exec(select(BookingService).where(BookingService.id == service_id, BookingService.active,
                                               _audience_condition(ctx.account_id))).first()
    if row is None:
        raise NotFound()
    return row


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
        close = _local_instant(day, close_minute, tz, fold=1)
        if close is None:  # a closing time inside the spring gap: read with the offset before the change
            wall = datetime.combine(day, time()) + timedelta(minutes=close_minute)
            close = wall.replace(tzinfo=tz).astimezone(timezone.utc)
        minute = open_minute
        while minute < close_minute:
            start = _local_instant(day, minute, tz)
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


def available_slots(db: Session, ctx: PortalContext, service_id: int, first_day: date, days: int = 7,
                    viewer_zone: str | None = None) -> list[SlotDay]:
    """Free slots of a service for a customer (the service must be bookable by their account)."""
    require_module(ctx, MODULE)
    settings = get_booking_settings(db)
    if not settings.online_booking:
        raise DomainError("bookings.error.online_off")
    svc = _bookable_service(db, ctx, service_id)
    return compute_slots(db, settings, duration_minutes=svc.duration_minutes, buffer_minutes=svc.buffer_minutes,
                         first_day=first_day, days=days, viewer_zone=viewer_zone)


def reschedule_slots(db: Session, ctx: PortalContext, booking_id: int, first_day: date, days: int = 7,
                     viewer_zone: str | None = None) -> list[SlotDay]:
    """Free slots to move a booking to: same lengths, its own time counted free."""
    require_module(ctx, MODULE)
    settings = get_booking_settings(db)
    b = _customer_booking(db, ctx, booking_id)
    why = reschedule_block(settings, b, clock.now())
    if why:
        raise DomainError(why[0], **why[1])
    duration, buffer = _lengths(b)
    return compute_slots(db, settings, duration_minutes=duration, buffer_minutes=buffer, first_day=first_day,
                         days=days, viewer_zone=viewer_zone, ignore_booking_id=b.id)


def _lengths(b: Booking) -> tuple[int, int]:
    return (int((b.ends_at - b.starts_at).total_seconds() // 60),
            int((b.blocked_until - b.ends_at).total_seconds() // 60))


def _overlaps(db: Session, start: datetime, end: datetime, ignore_booking_id: int | None) -> bool:
    return bool(_busy(db, start, end, ignore_booking_id))


def _check_customer_slot(db: Session, settings: BookingSettings, start: datetime, duration: int, buffer: int,
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
    if _overlaps(db, start, start + timedelta(minutes=duration + buffer), ignore_booking_id):
        raise DomainError("bookings.error.just_taken")
    if start < now + timedelta(hours=settings.book_notice_hours):
        raise DomainError("bookings.error.too_soon", hours=settings.book_notice_hours)
    raise DomainError("bookings.error.slot_unavailable")


# ---- placing bookings in the calendar ---------------------------------------------------------------


def _place(db: Session, booking: Booking, start: datetime, duration: int, buffer: int) -> None:
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
                        for c in _cells(booking.starts_at, booking.blocked_until)])
            db.flush()
    except IntegrityError:
        raise DomainError("bookings.error.just_taken") from None


def _release(db: Session, booking: Booking) -> None:
    db.exec(delete(BookingSlotClaim).where(BookingSlotClaim.booking_id == booking.id))


def _schedule_reminder(b: Booking, settings: BookingSettings, now: datetime) -> None:
    """The reminder is due `reminder_hours` before the start; none if that moment has already passed
    (the customer has just been told) or the booking is not confirmed."""
    b.reminder_sent_at = None
    b.reminder_due_at = None
    if b.status == STATUS_CONFIRMED and settings.reminder_hours > 0:
        due = b.starts_at - timedelta(hours=settings.reminder_hours)
        if due > now:
            b.reminder_due_at = due


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


def reschedule_block(settings: BookingSettings, b: Booking, now: datetime) -> tuple[str, dict] | None:
    """Why a customer cannot move this booking now (catalogue key and parameters), or None."""
    if b.status not in LIVE:
        return "bookings.why.not_changeable", {}
    if b.starts_at <= now:
        return "bookings.why.past", {}
    if not settings.allow_reschedule:
        return "bookings.why.reschedule_off", {}
    if now > b.starts_at - timedelta(hours=settings.reschedule_notice_hours):
        return "bookings.why.reschedule_notice", {"hours": settings.reschedule_notice_hours}
    return None


def cancel_block(settings: BookingSettings, b: Booking, now: datetime) -> tuple[str, dict] | None:
    """Why a customer cannot cancel this booking now, or None. A request not yet confirmed can be
    withdrawn until it starts."""
    if b.status not in LIVE:
        return "bookings.why.not_changeable", {}
    if b.starts_at <= now:
        return "bookings.why.past", {}
    if not settings.allow_cancel:
        return "bookings.why.cancel_off", {}
    if b.status == STATUS_CONFIRMED and now > b.starts_at - timedelta(hours=settings.cancel_notice_hours):
        return "bookings.why.cancel_notice", {"hours": settings.cancel_notice_hours}
    return None


# ---- customer actions --------------------------------------------------------------------------------


def book(db: Session, ctx: PortalContext, service_id, starts_at: datetime, note: str = "",
         ) -> tuple[Booking, list[notify.Delivery]]:
    """A customer books a free slot: confirmed at once, or a request when staff confirm bookings."""
    require_module(ctx, MODULE)
    settings = get_booking_settings(db)
    if not settings.online_booking:
        raise DomainError("bookings.error.online_off")
    try:
        service_id = int(service_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    svc = _bookable_service(db, ctx, service_id)
    start, now = _aware(starts_at), clock.now()
    _check_customer_slot(db, settings, start, svc.duration_minutes, svc.buffer_minutes, now)
    status = STATUS_REQUESTED if settings.requires_confirmation else STATUS_CONFIRMED
    booking = Booking(account_id=ctx.account_id, contact_id=ctx.contact_id, service_id=svc.id, status=status,
                      starts_at=start, ends_at=start, blocked_until=start, time_zone=settings.time_zone,
                      note=(note or "").strip()[:NOTE_MAX], created_by="contact", created_at=now,
                      confirmed_at=now if status == STATUS_CONFIRMED else None)
    _place(db, booking, start, svc.duration_minutes, svc.buffer_minutes)
    _schedule_reminder(booking, settings, now)
    db.add(booking)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "booking.create", target_type="booking", target_id=booking.id,
                 account_id=ctx.account_id, status=status)
    return booking, _tell(db, booking, status, by_staff=False)


def reschedule(db: Session, ctx: PortalContext, booking_id,
               new_start: datetime) -> tuple[Booking, list[notify.Delivery]]:
    require_module(ctx, MODULE)
    settings = get_booking_settings(db)
    b = _customer_booking(db, ctx, booking_id)
    now = clock.now()
    why = reschedule_block(settings, b, now)
    if why:
        raise DomainError(why[0], **why[1])
    start = _aware(new_start)
    if start == b.starts_at:
        raise DomainError("bookings.error.same_time")
    duration, buffer = _lengths(b)
    _check_customer_slot(db, settings, start, duration, buffer, now, ignore_booking_id=b.id)
    old = b.starts_at
    _place(db, b, start, duration, buffer)
    if settings.requires_confirmation:
        b.status, b.confirmed_at = STATUS_REQUESTED, None
    b.sequence += 1
    b.updated_at = now
    _schedule_reminder(b, settings, now)
    db.add(b)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "booking.reschedule", target_type="booking", target_id=b.id,
                 account_id=b.account_id, old=old.isoformat(), new=start.isoformat())
    return b, _tell(db, b, "moved", by_staff=False)


def cancel(db: Session, ctx: PortalContext, booking_id) -> tuple[Booking, list[notify.Delivery]]:
    require_module(ctx, MODULE)
    settings = get_booking_settings(db)
    b = _customer_booking(db, ctx, booking_id)
    now = clock.now()
    why = cancel_block(settings, b, now)
    if why:
        raise DomainError(why[0], **why[1])
    _cancel(db, b, now)
    audit.record(db, audit.portal_actor(ctx), "booking.cancel", target_type="booking", target_id=b.id,
                 account_id=b.account_id)
    return b, _tell(db, b, STATUS_CANCELLED, by_staff=False)


def _cancel(db: Session, b: Booking, now: datetime) -> None:
    b.status, b.cancelled_at, b.updated_at = STATUS_CANCELLED, now, now
    b.reminder_due_at = None
    b.sequence += 1
    _release(db, b)
    db.add(b)
    db.flush()


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


# ---- staff actions ----------------------------------------------------------------------------------


def get_booking(db: Session, booking_id) -> Booking:
    try:
        row = db.get(Booking, int(booking_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound()
    return row


def _staff_start(value: datetime, now: datetime) -> datetime:
    start = _aware(value)
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
    instant = _local_instant(day, minute, zone(get_booking_settings(db).time_zone))
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
    if _overlaps(db, start, start + timedelta(minutes=svc.duration_minutes + svc.buffer_minutes), None):
        raise DomainError("bookings.error.just_taken")
    booking = Booking(account_id=contact.account_id, contact_id=contact.id, service_id=svc.id,
                      status=STATUS_CONFIRMED, starts_at=start, ends_at=start, blocked_until=start,
                      time_zone=settings.time_zone, note=(note or "").strip()[:NOTE_MAX], created_by="staff",
                      created_at=now, confirmed_at=now)
    _place(db, booking, start, svc.duration_minutes, svc.buffer_minutes)
    _schedule_reminder(booking, settings, now)
    db.add(booking)
    db.flush()
    audit.record(db, staff.actor, "booking.staff_create", target_type="booking", target_id=booking.id,
                 account_id=booking.account_id)
    return booking, _tell(db, booking, STATUS_CONFIRMED, by_staff=True)


def staff_confirm(db: Session, staff: StaffContext, booking_id) -> tuple[Booking, list[notify.Delivery]]:
    b = get_booking(db, booking_id)
    if b.status != STATUS_REQUESTED:
        raise DomainError("bookings.error.not_requested")
    now = clock.now()
    if b.starts_at <= now:
        raise DomainError("bookings.error.in_past")
    b.status, b.confirmed_at, b.updated_at = STATUS_CONFIRMED, now, now
    b.sequence += 1
    _schedule_reminder(b, get_booking_settings(db), now)
    db.add(b)
    db.flush()
    audit.record(db, staff.actor, "booking.confirm", target_type="booking", target_id=b.id, account_id=b.account_id)
    return b, _tell(db, b, STATUS_CONFIRMED, by_staff=True)


def staff_move(db: Session, staff: StaffContext, booking_id,
               new_start: datetime) -> tuple[Booking, list[notify.Delivery]]:
    b = get_booking(db, booking_id)
    if b.status not in LIVE:
        raise DomainError("bookings.error.not_live")
    now = clock.now()
    start = _staff_start(new_start, now)
    if start == b.starts_at:
        raise DomainError("bookings.error.same_time")
    duration, buffer = _lengths(b)
    if _overlaps(db, start, start + timedelta(minutes=duration + buffer), b.id):
        raise DomainError("bookings.error.just_taken")
    old = b.starts_at
    _place(db, b, start, duration, buffer)
    b.sequence += 1
    b.updated_at = now
    _schedule_reminder(b, get_booking_settings(db), now)
    db.add(b)
    db.flush()
    audit.record(db, staff.actor, "booking.move", target_type="booking", target_id=b.id, account_id=b.account_id,
                 old=old.isoformat(), new=start.isoformat())
    return b, _tell(db, b, "moved", by_staff=True)


def staff_cancel(db: Session, staff: StaffContext, booking_id) -> tuple[Booking, list[notify.Delivery]]:
    b = get_booking(db, booking_id)
    if b.status not in LIVE:
        raise DomainError("bookings.error.not_live")
    _cancel(db, b, clock.now())
    audit.record(db, staff.actor, "booking.staff_cancel", target_type="booking", target_id=b.id,
                 account_id=b.account_id)
    return b, _tell(db, b, STATUS_CANCELLED, by_staff=True)


def staff_complete(db: Session, staff: StaffContext, booking_id) -> tuple[Booking, list[notify.Delivery]]:
    b = get_booking(db, booking_id)
    if b.status != STATUS_CONFIRMED:
        raise DomainError("bookings.error.not_confirmed")
    now = clock.now()
    if b.starts_at > now:
        raise DomainError("bookings.error.not_started")
    b.status, b.updated_at, b.reminder_due_at = STATUS_COMPLETED, now, None
    db.add(b)
    db.flush()
    audit.record(db, staff.actor, "booking.complete", target_type="booking", target_id=b.id,
                 account_id=b.account_id)
    return b, _tell(db, b, STATUS_COMPLETED, by_staff=True)


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


# ---- telling the customer ---------------------------------------------------------------------------

# Events with a calendar file to add; the others link to the bookings page.
_ICS_EVENTS = (STATUS_CONFIRMED, STATUS_REQUESTED, "moved", "reminder")


def describe_when(value: datetime, lang: str, tz_name: str) -> str:
    """'Tuesday, 14 April 2026, 10:00' in the zone given."""
    tz = zone(tz_name)
    return f"{format_long_date(value.astimezone(tz).date(), lang)}, {format_time_of_day(value, lang, tz)}"


def ics_path(booking_id: int) -> str:
    return f"/api/bookings/{booking_id}.ics"


def _tell(db: Session, b: Booking, event: str, *, by_staff: bool) -> list[notify.Delivery]:
    """Queue the message for one change, in the contact's language. Staff changes and reminders go by
    SMS when the contact has a mobile (email if the SMS fails); the customer's own actions are
    confirmed by email, which carries the calendar link."""
    contact = db.get(Contact, b.contact_id)
    if contact is None or not contact.active:
        return []
    biz = business_view(db)
    lang = contact.language if contact.language in shipped_languages() else biz.default_language
    brand = branding(db)
    svc = db.get(BookingService, b.service_id)
    params = {
        "name": contact.first_name or contact.full_name,
        "service": service_name(svc, lang, biz.default_language),
        "when": describe_when(b.starts_at, lang, b.time_zone),
        "zone": b.time_zone,
        "bookings_url": notify.portal_url("/bookings"),
    }
    template = f"booking_{event}"
    link = notify.portal_url(ics_path(b.id) if event in _ICS_EVENTS else "/bookings")
    mail = notify.render_email(template, lang, brand, link=link, **params)
    if by_staff and contact.mobile and get_settings().sms_provider != "none":
        text = notify.render_sms(template, lang, brand, **params)
        return [notify.queue_sms(db, to=contact.mobile, template=template, language=lang, text=text,
                                 sender_name=brand.sender_name, contact_id=contact.id, account_id=b.account_id,
                                 fallback_email=(contact.email, mail))]
    return [notify.queue_email(db, to=contact.email, template=template, language=lang, rendered=mail,
                               sender_name=brand.sender_name, contact_id=contact.id, account_id=b.account_id)]


# ---- reminders --------------------------------------------------------------------------------------


def send_due_reminders(db: Session, now: datetime) -> list[notify.Delivery]:
    """Claim every reminder that is due and not sent, and queue its message in the same transaction.

    The claim is a conditional UPDATE (`reminder_sent_at IS NULL`) checked by its row count, so two
    workers running this at once never both send one reminder: on PostgreSQL the second waits for the
    first's row lock and then finds it claimed; SQLite serialises writers. The caller commits, then
    dispatches. A claimed reminder leaves the schedule (reminder_due_at back to NULL), so the indexed
    "due" range stays as small as what is pending. A reminder whose appointment has already started
    (the server was down) is dropped, not sent late.
    """
    due = db.exec(select(Booking.id, Booking.starts_at).where(
        Booking.reminder_due_at <= now, Booking.reminder_sent_at.is_(None), Booking.status == STATUS_CONFIRMED,
    ).order_by(Booking.reminder_due_at).limit(REMINDER_BATCH)).all()
    deliveries: list[notify.Delivery] = []
    for booking_id, starts_at in due:
        pending = (Booking.id == booking_id) & Booking.reminder_sent_at.is_(None) & \
            (Booking.status == STATUS_CONFIRMED)
        if starts_at <= now:
            db.exec(update(Booking).where(pending).values(reminder_due_at=None))
            continue
        claimed = db.exec(update(Booking).where(pending).values(reminder_sent_at=now, reminder_due_at=None)).rowcount
        if claimed != 1:
            continue
        b = db.get(Booking, booking_id, populate_existing=True)
        deliveries += _tell(db, b, "reminder", by_staff=True)
    db.flush()
    return deliveries


def release_past_claims(db: Session, now: datetime) -> int:
    """Forget the calendar cells of appointments long over (nothing can be booked in the past)."""
    limit = int((now - timedelta(hours=CLAIM_KEEP_HOURS)).timestamp()) // (CELL_MINUTES * 60)
    return db.exec(delete(BookingSlotClaim).where(BookingSlotClaim.resource == "main",
                                                  BookingSlotClaim.cell < limit)).rowcount


# ---- calendar file ----------------------------------------------------------------------------------

_ICS_STATUS = {STATUS_REQUESTED: "TENTATIVE", STATUS_CONFIRMED: "CONFIRMED", STATUS_COMPLETED: "CONFIRMED",
               STATUS_CANCELLED: "CANCELLED"}


def calendar_file(db: Session, ctx: PortalContext, booking_id) -> tuple[str, bytes]:
    """(file name, iCalendar bytes) of one of the customer's bookings."""
    b = get_customer_booking(db, ctx, booking_id)
    return f"booking-{b.id}.ics", build_ics(db, b, ctx.language)


def build_ics(db: Session, b: Booking, lang: str) -> bytes:
    from icalendar import Calendar, Event

    biz = business_view(db)
    svc = db.get(BookingService, b.service_id)
    host = urlsplit(get_settings().base_url).hostname or "guichet"
    cal = Calendar()
    cal.add("prodid", "-//Guichet//Bookings//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{b.id}@{host}")
    event.add("dtstamp", clock.now())
    event.add("dtstart", b.starts_at)
    event.add("dtend", b.ends_at)
    event.add("sequence", b.sequence)
    event.add("status", _ICS_STATUS.get(b.status, "CONFIRMED"))
    event.add("summary", f"{service_name(svc, lang, biz.default_language)} · {biz.name}")
    event.add("description", t(lang, "bookings.ics_description", business=biz.name,
                               url=notify.portal_url("/bookings")))
    event.add("url", notify.portal_url("/bookings"))
    cal.add_component(event)
    return cal.to_ical()


# ---- demo data --------------------------------------------------------------------------------------


def seed_demo(db: Session) -> None:
    """Two services for the demo business, when it has none (called by the demo seed)."""
    get_booking_settings(db)
    if db.exec(select(func.count()).select_from(BookingService)).one():
        return
    db.add(BookingService(names={"en": "Installation visit", "fr": "Visite d'installation",
                                 "de": "Installationstermin"}, duration_minutes=60, buffer_minutes=15,
                          price_minor=9000, currency="EUR", show_price=True, position=1, created_at=clock.now()))
    db.add(BookingService(names={"en": "Phone consultation", "fr": "Conseil par téléphone",
                                 "de": "Telefonberatung"}, duration_minutes=30, position=2, created_at=clock.now()))
    db.flush()
