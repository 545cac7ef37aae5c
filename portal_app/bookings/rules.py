"""Bookings: the rules staff set. Time zones and wall-clock helpers, the settings (notice, reminders,
confirmation), weekly opening hours and exceptions, and the services customers book.

Times are stored in UTC. Opening hours are wall-clock times of the business zone, so slots are built
day by day in that zone with zoneinfo (see slots.py): a daylight-saving change neither shifts nor
duplicates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
import re
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision, list_currencies
from sqlalchemy import delete, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app.bookings.models import (Booking, BookingException, BookingHours, BookingService, BookingServiceAccount,
                                        BookingSettings)
from portal_app.bookings.models import (AUDIENCE_ACCOUNTS, AUDIENCE_EVERYONE, CELL_MINUTES, STATUS_COMPLETED,
                                        STATUS_CONFIRMED, STATUS_REQUESTED)
from portal_app.core import audit, clock
from portal_app.core.auth.sessions import PortalContext, require_module
from portal_app.core.auth.staff import StaffContext
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.i18n import shipped_languages
from portal_app.core.models.accounts import Account
# Zone names and lookups are the portal's (core/zones.py); bookings reads them from here.
from portal_app.core.zones import is_zone, zone, zone_names  # noqa: F401

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
def aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise DomainError("bookings.error.slot_unavailable")
    return value.astimezone(timezone.utc)


def local_instant(day: date, minute: int, tz: ZoneInfo, fold: int = 0) -> datetime | None:
    """The UTC instant of a wall-clock time on a day; None when that time does not exist (spring gap).
    An ambiguous time (autumn overlap) is its first occurrence with fold=0, its second with fold=1."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    local = naive.replace(tzinfo=tz, fold=fold)
    instant = local.astimezone(timezone.utc)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return instant


def cells(start: datetime, end: datetime) -> range:
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
    """The rules as staff send them, and as the settings form shows them (`rules_input`)."""

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


def rules_input(row: BookingSettings) -> RulesInput:
    """The settings row's rules, for the form that edits them (a new row: the defaults)."""
    return RulesInput(
        time_zone=row.time_zone, online_booking=row.online_booking, allow_reschedule=row.allow_reschedule,
        allow_cancel=row.allow_cancel, book_notice_hours=row.book_notice_hours,
        reschedule_notice_hours=row.reschedule_notice_hours, cancel_notice_hours=row.cancel_notice_hours,
        requires_confirmation=row.requires_confirmation, reminder_hours=row.reminder_hours,
        slot_step_minutes=row.slot_step_minutes, horizon_days=row.horizon_days)


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
        schedule_reminder(b, settings, now)
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



def schedule_reminder(b: Booking, settings: BookingSettings, now: datetime) -> None:
    """The reminder is due `reminder_hours` before the start; none if that moment has already passed
    (the customer has just been told) or the booking is not confirmed."""
    b.reminder_sent_at = None
    b.reminder_due_at = None
    if b.status == STATUS_CONFIRMED and settings.reminder_hours > 0:
        due = b.starts_at - timedelta(hours=settings.reminder_hours)
        if due > now:
            b.reminder_due_at = due



# ---- services ---------------------------------------------------------------------------------------


@dataclass
class ServiceInput:
    """A service as staff send it, and as the edit form shows it (`service_input`; the defaults: a new one)."""

    names: dict[str, str] = field(default_factory=dict)
    duration_minutes: int | str = 60
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
    position = _bounded(data.position or 0, 0, 10_000, "bookings.error.position")  # checked before any change
    if service_id is None:
        row = BookingService(created_at=clock.now())
        action = "booking.service_create"
    else:
        row = get_service(db, service_id)
        action = "booking.service_update"
    row.names, row.duration_minutes, row.buffer_minutes = names, duration, buffer
    row.price_minor, row.currency, row.show_price = price, currency, bool(data.show_price) and price is not None
    row.audience, row.active = data.audience, bool(data.active)
    row.position = position
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


def service_input(db: Session, s: BookingService) -> ServiceInput:
    """The service as its edit form shows it."""
    return ServiceInput(
        names=dict(s.names or {}), duration_minutes=s.duration_minutes, buffer_minutes=s.buffer_minutes,
        price=price_text(s.price_minor, s.currency), currency=s.currency, show_price=s.show_price,
        audience=s.audience, account_numbers=", ".join(a.number for a in service_accounts(db, s.id)),
        active=s.active, position=s.position)


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


def bookable_service(db: Session, ctx: PortalContext, service_id: int) -> BookingService:
    row = db.exec(select(BookingService).where(BookingService.id == service_id, BookingService.active,
                                               _audience_condition(ctx.account_id))).first()
    if row is None:
        raise NotFound()
    return row

