"""Console: how bookings are set up. The services customers book, the rules and weekly hours, and the
closed days and special hours (exceptions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from babel.dates import get_day_names

from portal_app.bookings import rules
from portal_app.bookings.models import AUDIENCE_ACCOUNTS, AUDIENCE_EVERYONE, BookingSettings
from portal_app.core import clock, i18n
from portal_app.core.errors import DomainError
from portal_app.core.states.handlers import parse_id, staff_event
from portal_app.core.states.paging import PagedList
from portal_app.core.states.staff import StaffState

# Offered in the settings page's time-zone field (compiled into the page, not sent as state).


@dataclass(frozen=True)
class ServiceRow:
    id: int
    name: str
    duration: str
    buffer: str
    price: str
    show_price: bool
    audience: str
    active: bool


@dataclass(frozen=True)
class LanguageRow:
    code: str
    name: str


@dataclass(frozen=True)
class HoursRow:
    """One weekday's opening hours, as staff type them."""

    weekday: int
    label: str
    text: str


@dataclass(frozen=True)
class ExceptionRow:
    id: int
    day: str
    closed: bool
    hours: str
    note: str


class AdminBookingServicesState(PagedList, StaffState):
    """/admin/booking-services: the services customers book, each with its names, length and audience."""
    area: ClassVar[str] = "settings"

    page_size: ClassVar[int] = rules.ADMIN_PAGE_SIZE
    rows: list[ServiceRow] = []
    languages: list[LanguageRow] = []
    edit_open: bool = False
    form_version: int = 0
    saved: bool = False
    service_id: int = 0  # 0: a new service
    form: rules.ServiceInput = rules.ServiceInput()  # what the edit form shows

    def _fetch(self, db, ctx) -> None:
        lang = self.lang or "en"
        self.languages = [LanguageRow(c, i18n.LANGUAGE_NAMES.get(c, c)) for c in i18n.shipped_languages()]
        found, self.total = rules.list_services(db, page=self.page)
        self.rows = [ServiceRow(
            id=s.id, name=rules.service_name(s, lang, self._default_language),
            duration=i18n.t(lang, "bookings.minutes", minutes=s.duration_minutes),
            buffer=i18n.t(lang, "bookings.minutes", minutes=s.buffer_minutes),
            price=i18n.format_price_minor(s.price_minor, s.currency, lang) if s.price_minor is not None else "",
            show_price=s.show_price, audience=s.audience, active=s.active,
        ) for s in found]

    def _show_form(self, service_id: int, form: rules.ServiceInput) -> None:
        self.service_id, self.form = service_id, form
        self.form_version += 1

    @staff_event("read")
    def new_service(self, db, ctx):
        self._show_form(0, rules.ServiceInput())
        self.saved = False
        self.edit_open = True

    @staff_event("read")
    def edit_service(self, db, ctx, service_id: str):
        self.saved = False
        s = rules.get_service(db, parse_id(service_id))
        self._show_form(s.id, rules.service_input(db, s))
        self.edit_open = True

    @staff_event("read")
    def close_edit(self, db, ctx):
        self.edit_open = self.saved = False

    @staff_event
    def save_service(self, db, ctx, form: dict):
        self.saved = False
        data = rules.ServiceInput(
            names={c: str(form.get(f"name_{c}", "")) for c in i18n.shipped_languages()},
            duration_minutes=str(form.get("duration", "")), buffer_minutes=str(form.get("buffer", "0") or "0"),
            price=str(form.get("price", ""))[:20], currency=str(form.get("currency", ""))[:3],
            show_price=bool(form.get("show_price")),
            audience=AUDIENCE_ACCOUNTS if form.get("audience") == AUDIENCE_ACCOUNTS else AUDIENCE_EVERYONE,
            account_numbers=str(form.get("accounts", ""))[:2000], active=bool(form.get("active")),
            position=str(form.get("position", "0") or "0"),
        )
        s = rules.save_service(db, ctx, data, self.service_id or None)
        self._show_form(s.id, rules.service_input(db, s))
        self._refetch(db, ctx)
        self.flash_key = ""
        self.saved = True


class AdminBookingSettingsState(StaffState):
    """/admin/booking-settings: time zone, rules and weekly hours."""
    area: ClassVar[str] = "settings"

    form: rules.RulesInput = rules.rules_input(BookingSettings())  # what the rules form shows
    hours: list[HoursRow] = []
    form_version: int = 0
    saved_rules: bool = False
    saved_hours: bool = False

    def _fill(self, db) -> None:
        self.form = rules.rules_input(rules.get_booking_settings(db))
        names = get_day_names("wide", locale=self.lang or "en")
        weekly = rules.weekly_hours(db)
        self.hours = [HoursRow(d, names[d].capitalize(), rules.format_intervals(weekly[d])) for d in range(7)]
        self.form_version += 1

    @staff_event("read")
    def load_booking_settings(self, db, ctx):
        self.saved_rules = self.saved_hours = False
        self._fill(db)

    @staff_event
    def save_rules(self, db, ctx, form: dict):
        self.saved_rules = False
        data = rules.RulesInput(
            time_zone=str(form.get("time_zone", ""))[:64], online_booking=bool(form.get("online_booking")),
            allow_reschedule=bool(form.get("allow_reschedule")), allow_cancel=bool(form.get("allow_cancel")),
            book_notice_hours=str(form.get("book_notice_hours", "")),
            reschedule_notice_hours=str(form.get("reschedule_notice_hours", "")),
            cancel_notice_hours=str(form.get("cancel_notice_hours", "")),
            requires_confirmation=form.get("confirmation") == "request",
            reminder_hours=str(form.get("reminder_hours", "")), slot_step_minutes=str(form.get("slot_step", "")),
            horizon_days=str(form.get("horizon_days", "")),
        )
        rules.update_rules(db, ctx, data)
        self._fill(db)
        self.flash_key = ""
        self.saved_rules = True

    @staff_event
    def save_hours(self, db, ctx, form: dict):
        self.saved_hours = False
        rules.set_weekly_hours(db, ctx, {d: str(form.get(f"day_{d}", ""))[:200] for d in range(7)})
        self._fill(db)
        self.flash_key = ""
        self.saved_hours = True


class AdminBookingExceptionsState(PagedList, StaffState):
    """The settings page's closed days and special hours, from today on, paged."""
    area: ClassVar[str] = "settings"

    page_size: ClassVar[int] = rules.ADMIN_PAGE_SIZE
    rows: list[ExceptionRow] = []

    def _fetch(self, db, ctx) -> None:
        tz = rules.zone(rules.get_booking_settings(db).time_zone)
        lang = self.lang or "en"
        found, self.total = rules.list_exceptions(db, from_day=clock.now().astimezone(tz).date(), page=self.page)
        self.rows = [ExceptionRow(e.id, i18n.format_long_date(e.day, lang), e.closed,
                                  rules.format_intervals(e.hours), e.note) for e in found]

    @staff_event
    def add_exception(self, db, ctx, form: dict):
        try:
            day = date.fromisoformat(str(form.get("day", "")).strip())
        except ValueError:
            raise DomainError("bookings.error.date") from None
        rules.save_exception(db, ctx, day=day, closed=form.get("kind") != "hours",
                             hours_text=str(form.get("hours", ""))[:200], note=str(form.get("note", ""))[:200])
        self._refetch(db, ctx)
        self._flash("admin.booking_settings.exception_saved", "info")

    @staff_event
    def delete_exception(self, db, ctx, exception_id: str):
        rules.delete_exception(db, ctx, parse_id(exception_id))
        self._refetch(db, ctx)
        self._flash("admin.booking_settings.exception_deleted", "info")
