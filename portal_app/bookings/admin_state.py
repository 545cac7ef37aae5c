"""Console: the bookings calendar (week and list), booking services, booking settings."""

from __future__ import annotations

import math
from datetime import date, timedelta

import reflex as rx
from babel.dates import get_day_names

from portal_app.core.db import session_scope
from portal_app.bookings.models import AUDIENCE_ACCOUNTS, AUDIENCE_EVERYONE, STATUS_CONFIRMED, STATUS_REQUESTED
from portal_app.bookings import rules as bookings
from portal_app.core import clock, i18n, notify
from portal_app.core.errors import DomainError
from portal_app.core.states.staff import StaffState


# Offered in the settings page's time-zone field (compiled into the page, not sent as state).
ZONE_NAMES = bookings.zone_names()


def _pages(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def _lang(state: StaffState) -> str:
    return state.lang or "en"


class AdminBookingsState(StaffState):
    """/admin/bookings: a week of the calendar, or the list; one booking's actions in a dialog."""

    view: str = "week"  # week | list
    zone_name: str = ""
    week_first: str = ""  # ISO date of the Monday shown (business zone)
    week_label: str = ""
    week_days: list[dict[str, str]] = []
    week_items: list[list[dict[str, str]]] = []
    # list view
    status_filter: str = ""
    scope: str = "upcoming"
    page: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []
    # one booking
    detail_open: bool = False
    detail: dict[str, str] = {}
    move_version: int = 0
    # new booking
    new_open: bool = False
    service_choices: list[dict[str, str]] = []
    new_version: int = 0
    _detail_id: int | None = None

    @rx.var
    def pages(self) -> int:
        return _pages(self.total, bookings.ADMIN_PAGE_SIZE)

    def _row(self, b, svc, account, contact, tz) -> dict[str, str]:
        lang = _lang(self)
        return {
            "id": str(b.id),
            "day": i18n.format_short_date(b.starts_at.astimezone(tz).date(), lang),
            "time": f"{i18n.format_time_of_day(b.starts_at, lang, tz)}–{i18n.format_time_of_day(b.ends_at, lang, tz)}",
            "service": bookings.service_name(svc, lang, self._default_language),
            "account": account.name,
            "contact": contact.full_name,
            "status": b.status,
        }

    def _monday(self, db) -> date:
        try:
            return bookings.week_monday(date.fromisoformat(self.week_first))
        except ValueError:
            tz = bookings.zone(bookings.get_booking_settings(db).time_zone)
            return bookings.week_monday(clock.now().astimezone(tz).date())

    def _fetch(self, db) -> None:
        self._staff(db)
        self.zone_name = bookings.get_booking_settings(db).time_zone
        tz = bookings.zone(self.zone_name)
        lang = _lang(self)
        if self.view == "week":
            monday = self._monday(db)
            self.week_first = monday.isoformat()
            self.week_label = i18n.t(lang, "admin.bookings.week_of", day=i18n.format_long_date(monday, lang))
            found = bookings.list_week(db, monday)
            days = [monday + timedelta(days=i) for i in range(7)]
            items: list[list[dict[str, str]]] = [[] for _ in days]
            for b, svc, account, contact in found:
                index = (b.starts_at.astimezone(tz).date() - monday).days
                if 0 <= index < 7:
                    items[index].append(self._row(b, svc, account, contact, tz))
            self.week_days = [{"label": i18n.format_short_date(d, lang), "iso": d.isoformat(),
                               "count": str(len(items[i]))} for i, d in enumerate(days)]
            self.week_items = items
        else:
            found, self.total = bookings.list_admin(db, status=self.status_filter, scope=self.scope, page=self.page)
            self.rows = [self._row(b, svc, account, contact, tz) for b, svc, account, contact in found]

    def _reload(self) -> None:
        try:
            with session_scope() as db:
                self._fetch(db)
        except DomainError as exc:
            self._flash_error(exc)

    @rx.event
    def load_bookings(self):
        self.detail_open = self.new_open = False
        self._detail_id = None
        try:
            with session_scope() as db:
                self._fetch(db)
        except DomainError:
            return

    @rx.event
    def show_week(self):
        self.view = "week"
        self._reload()

    @rx.event
    def show_list(self):
        self.view, self.page = "list", 1
        self._reload()

    @rx.event
    def prev_week(self):
        self._shift_week(-7)

    @rx.event
    def next_week(self):
        self._shift_week(7)

    @rx.event
    def this_week(self):
        self.week_first = ""
        self._reload()

    def _shift_week(self, days: int) -> None:
        try:
            self.week_first = (date.fromisoformat(self.week_first) + timedelta(days=days)).isoformat()
        except ValueError:
            self.week_first = ""
        self._reload()

    @rx.event
    def filter_list(self, form: dict):
        status = str(form.get("status", ""))
        self.status_filter = status if status in ("requested", "confirmed", "cancelled", "completed") else ""
        scope = str(form.get("scope", "upcoming"))
        self.scope = scope if scope in bookings.ADMIN_SCOPES else "upcoming"
        self.page = 1
        self._reload()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        self._reload()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        self._reload()

    # ---- one booking ------------------------------------------------------------------------------

    def _fill_detail(self, db, booking_id) -> None:
        b = bookings.get_booking(db, booking_id)
        settings = bookings.get_booking_settings(db)
        tz = bookings.zone(settings.time_zone)
        svc = bookings.get_service(db, b.service_id)
        from portal_app.core import accounts

        contact = accounts.get_contact(db, b.contact_id)
        account = accounts.get_account(db, b.account_id)
        lang, now = _lang(self), clock.now()
        local = b.starts_at.astimezone(tz)
        self._detail_id = b.id
        self.detail = {
            "id": str(b.id),
            "service": bookings.service_name(svc, lang, self._default_language),
            "when": f"{bookings.describe_when(b.starts_at, lang, settings.time_zone)} – "
                    f"{i18n.format_time_of_day(b.ends_at, lang, tz)}",
            "account": account.name,
            "account_id": str(account.id),
            "contact": contact.full_name,
            "contact_id": str(contact.id),
            "email": contact.email,
            "mobile": contact.mobile or "",
            "status": b.status,
            "note": b.note,
            "created_by": b.created_by,
            "date": local.date().isoformat(),
            "time": local.strftime("%H:%M"),
            "can_confirm": "1" if b.status == STATUS_REQUESTED and b.starts_at > now else "",
            "can_complete": "1" if b.status == STATUS_CONFIRMED and b.starts_at <= now else "",
            "can_change": "1" if b.status in bookings.LIVE else "",
            "reminder": i18n.format_datetime(b.reminder_sent_at, lang, settings.time_zone)
            if b.reminder_sent_at else "",
        }
        self.move_version += 1

    @rx.event
    def open_booking(self, booking_id: str):
        try:
            with session_scope() as db:
                self._staff(db)
                self._fill_detail(db, booking_id)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.flash_key = ""
        self.detail_open = True

    @rx.event
    def close_booking(self):
        self.detail_open, self._detail_id = False, None

    def _act(self, action, done_key: str, *args) -> None:
        if self._detail_id is None:
            return
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                _, deliveries = action(db, ctx, self._detail_id, *args)
        except DomainError as exc:
            self._flash_error(exc)
            self.detail_open = False
            self._reload()
            return
        notify.dispatch(deliveries)
        self._flash(done_key, "info")
        with session_scope() as db:
            self._fill_detail(db, self._detail_id)
            self._fetch(db)

    @rx.event
    def confirm_booking(self):
        self._act(bookings.staff_confirm, "admin.bookings.done_confirmed")

    @rx.event
    def complete_booking(self):
        self._act(bookings.staff_complete, "admin.bookings.done_completed")

    @rx.event
    def cancel_booking(self):
        self._act(bookings.staff_cancel, "admin.bookings.done_cancelled")

    @rx.event
    def move_booking(self, form: dict):
        if self._detail_id is None:
            return
        try:
            with session_scope() as db:
                self._staff(db)
                when = bookings.business_instant(db, str(form.get("date", "")), str(form.get("time", "")))
        except DomainError as exc:
            self._flash_error(exc)
            return
        self._act(bookings.staff_move, "admin.bookings.done_moved", when)

    # ---- new booking ------------------------------------------------------------------------------

    @rx.event
    def open_new(self):
        try:
            with session_scope() as db:
                self._staff(db)
                lang = _lang(self)
                self.service_choices = [
                    {"id": str(s.id), "name": bookings.service_name(s, lang, self._default_language)}
                    for s in bookings.all_services(db) if s.active]
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.new_version += 1
        self.new_open = True

    @rx.event
    def close_new(self):
        self.new_open = False

    @rx.event
    def create_booking(self, form: dict):
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                when = bookings.business_instant(db, str(form.get("date", "")), str(form.get("time", "")))
                b, deliveries = bookings.staff_create(db, ctx, contact_email=str(form.get("email", ""))[:254],
                                                      service_id=str(form.get("service", "")), starts_at=when,
                                                      note=str(form.get("note", ""))[:bookings.NOTE_MAX])
                new_id = b.id
                tz = bookings.zone(bookings.get_booking_settings(db).time_zone)
                self.week_first = bookings.week_monday(when.astimezone(tz).date()).isoformat()
        except DomainError as exc:
            self._flash_error(exc)
            return
        notify.dispatch(deliveries)
        self.new_open = False
        self._flash("admin.bookings.done_created", "info")
        with session_scope() as db:
            self._fetch(db)
            self._fill_detail(db, new_id)
        self.detail_open = True


class AdminBookingServicesState(StaffState):
    """/admin/booking-services: the services customers book, each with its names, length and audience."""

    page: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []
    languages: list[dict[str, str]] = []
    edit_open: bool = False
    form_version: int = 0
    saved: bool = False
    service_id: int = 0  # 0: a new service
    names: dict[str, str] = {}
    duration: str = "60"
    buffer: str = "0"
    price: str = ""
    currency: str = "EUR"
    show_price: bool = False
    audience: str = AUDIENCE_EVERYONE
    account_numbers: str = ""
    active: bool = True
    position: str = "0"

    @rx.var
    def pages(self) -> int:
        return _pages(self.total, bookings.ADMIN_PAGE_SIZE)

    def _fetch(self, db) -> None:
        self._staff(db)
        lang = _lang(self)
        self.languages = [{"code": c, "name": i18n.LANGUAGE_NAMES.get(c, c)} for c in i18n.shipped_languages()]
        found, self.total = bookings.list_services(db, page=self.page)
        self.rows = [{
            "id": str(s.id),
            "name": bookings.service_name(s, lang, self._default_language),
            "duration": i18n.t(lang, "bookings.minutes", minutes=s.duration_minutes),
            "buffer": i18n.t(lang, "bookings.minutes", minutes=s.buffer_minutes),
            "price": i18n.format_price_minor(s.price_minor, s.currency, lang) if s.price_minor is not None else "",
            "show_price": "1" if s.show_price else "",
            "audience": s.audience,
            "active": "1" if s.active else "",
        } for s in found]

    @rx.event
    def load_services(self):
        self.edit_open = self.saved = False
        try:
            with session_scope() as db:
                self._fetch(db)
        except DomainError:
            return

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        self._reload()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        self._reload()

    def _reload(self) -> None:
        try:
            with session_scope() as db:
                self._fetch(db)
        except DomainError as exc:
            self._flash_error(exc)

    @rx.event
    def new_service(self):
        self.service_id, self.names = 0, {}
        self.duration, self.buffer, self.price, self.currency = "60", "0", "", "EUR"
        self.show_price, self.audience, self.account_numbers = False, AUDIENCE_EVERYONE, ""
        self.active, self.position, self.saved = True, "0", False
        self.form_version += 1
        self.edit_open = True

    @rx.event
    def edit_service(self, service_id: str):
        self.saved = False
        try:
            with session_scope() as db:
                self._staff(db)
                s = bookings.get_service(db, int(service_id) if str(service_id).isdigit() else 0)
                self._fill(db, s)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.edit_open = True

    def _fill(self, db, s) -> None:
        self.service_id, self.names = s.id, dict(s.names or {})
        self.duration, self.buffer = str(s.duration_minutes), str(s.buffer_minutes)
        self.price, self.currency = bookings.price_text(s.price_minor, s.currency), s.currency
        self.show_price, self.audience, self.active = s.show_price, s.audience, s.active
        self.account_numbers = ", ".join(a.number for a in bookings.service_accounts(db, s.id))
        self.position = str(s.position)
        self.form_version += 1

    @rx.event
    def close_edit(self):
        self.edit_open = False

    @rx.event
    def save_service(self, form: dict):
        self.saved = False
        data = bookings.ServiceInput(
            names={c: str(form.get(f"name_{c}", "")) for c in i18n.shipped_languages()},
            duration_minutes=str(form.get("duration", "")), buffer_minutes=str(form.get("buffer", "0") or "0"),
            price=str(form.get("price", ""))[:20], currency=str(form.get("currency", ""))[:3],
            show_price=bool(form.get("show_price")),
            audience=AUDIENCE_ACCOUNTS if form.get("audience") == AUDIENCE_ACCOUNTS else AUDIENCE_EVERYONE,
            account_numbers=str(form.get("accounts", ""))[:2000], active=bool(form.get("active")),
            position=str(form.get("position", "0") or "0"),
        )
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                row = bookings.save_service(db, ctx, data, self.service_id or None)
                self._fill(db, row)
                self._fetch(db)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.flash_key = ""
        self.saved = True


class AdminBookingSettingsState(StaffState):
    """/admin/booking-settings: time zone, rules, weekly hours, closed days and exceptions."""

    time_zone: str = ""
    online_booking: bool = True
    allow_reschedule: bool = True
    allow_cancel: bool = True
    book_notice_hours: str = ""
    reschedule_notice_hours: str = ""
    cancel_notice_hours: str = ""
    requires_confirmation: bool = False
    reminder_hours: str = ""
    slot_step_minutes: str = ""
    horizon_days: str = ""
    hours: list[dict[str, str]] = []
    exceptions: list[dict[str, str]] = []
    exc_page: int = 1
    exc_total: int = 0
    form_version: int = 0
    saved_rules: bool = False
    saved_hours: bool = False

    @rx.var
    def exc_pages(self) -> int:
        return _pages(self.exc_total, bookings.ADMIN_PAGE_SIZE)

    def _fill(self, db) -> None:
        s = bookings.get_booking_settings(db)
        self.time_zone, self.online_booking = s.time_zone, s.online_booking
        self.allow_reschedule, self.allow_cancel = s.allow_reschedule, s.allow_cancel
        self.book_notice_hours, self.reschedule_notice_hours = str(s.book_notice_hours), str(s.reschedule_notice_hours)
        self.cancel_notice_hours, self.requires_confirmation = str(s.cancel_notice_hours), s.requires_confirmation
        self.reminder_hours, self.slot_step_minutes = str(s.reminder_hours), str(s.slot_step_minutes)
        self.horizon_days = str(s.horizon_days)
        names = get_day_names("wide", locale=_lang(self))
        weekly = bookings.weekly_hours(db)
        self.hours = [{"weekday": str(d), "label": names[d].capitalize(), "text": bookings.format_intervals(weekly[d])}
                      for d in range(7)]
        self._fill_exceptions(db)
        self.form_version += 1

    def _fill_exceptions(self, db) -> None:
        tz = bookings.zone(bookings.get_booking_settings(db).time_zone)
        lang = _lang(self)
        found, self.exc_total = bookings.list_exceptions(db, from_day=clock.now().astimezone(tz).date(),
                                                         page=self.exc_page)
        self.exceptions = [{"id": str(e.id), "day": i18n.format_long_date(e.day, lang),
                            "closed": "1" if e.closed else "", "hours": bookings.format_intervals(e.hours),
                            "note": e.note} for e in found]

    @rx.event
    def load_booking_settings(self):
        self.saved_rules = self.saved_hours = False
        self.exc_page = 1
        try:
            with session_scope() as db:
                self._staff(db)
                self._fill(db)
        except DomainError:
            return

    @rx.event
    def save_rules(self, form: dict):
        self.saved_rules = False
        data = bookings.RulesInput(
            time_zone=str(form.get("time_zone", ""))[:64], online_booking=bool(form.get("online_booking")),
            allow_reschedule=bool(form.get("allow_reschedule")), allow_cancel=bool(form.get("allow_cancel")),
            book_notice_hours=str(form.get("book_notice_hours", "")),
            reschedule_notice_hours=str(form.get("reschedule_notice_hours", "")),
            cancel_notice_hours=str(form.get("cancel_notice_hours", "")),
            requires_confirmation=form.get("confirmation") == "request",
            reminder_hours=str(form.get("reminder_hours", "")), slot_step_minutes=str(form.get("slot_step", "")),
            horizon_days=str(form.get("horizon_days", "")),
        )
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                bookings.update_rules(db, ctx, data)
                self._fill(db)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.flash_key = ""
        self.saved_rules = True

    @rx.event
    def save_hours(self, form: dict):
        self.saved_hours = False
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                bookings.set_weekly_hours(db, ctx, {d: str(form.get(f"day_{d}", ""))[:200] for d in range(7)})
                self._fill(db)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.flash_key = ""
        self.saved_hours = True

    @rx.event
    def add_exception(self, form: dict):
        try:
            day = date.fromisoformat(str(form.get("day", "")).strip())
        except ValueError:
            self._flash("bookings.error.date", "error")
            return
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                bookings.save_exception(db, ctx, day=day, closed=form.get("kind") != "hours",
                                        hours_text=str(form.get("hours", ""))[:200],
                                        note=str(form.get("note", ""))[:200])
                self._fill(db)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self._flash("admin.booking_settings.exception_saved", "info")

    @rx.event
    def delete_exception(self, exception_id: str):
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                bookings.delete_exception(db, ctx, int(exception_id) if str(exception_id).isdigit() else 0)
                self._fill_exceptions(db)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self._flash("admin.booking_settings.exception_deleted", "info")

    @rx.event
    def next_exceptions(self):
        self.exc_page = min(self.exc_page + 1, self.exc_pages)
        self._reload_exceptions()

    @rx.event
    def prev_exceptions(self):
        self.exc_page = max(self.exc_page - 1, 1)
        self._reload_exceptions()

    def _reload_exceptions(self) -> None:
        try:
            with session_scope() as db:
                self._staff(db)
                self._fill_exceptions(db)
        except DomainError as exc:
            self._flash_error(exc)
