"""Console: the bookings calendar (a week, or the paged list) and one booking's actions in a dialog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

import reflex as rx

from portal_app.bookings import rules, staff_calendar
from portal_app.bookings.models import (STATUS_CANCELLED, STATUS_COMPLETED, STATUS_CONFIRMED,
                                        STATUS_REQUESTED)
from portal_app.bookings.notices import describe_when, on_behalf, staff_names
from portal_app.core import accounts, clock, i18n, notify
from portal_app.core.errors import DomainError
from portal_app.core.states.dialogs import Dialogs
from portal_app.core.states.handlers import staff_event
from portal_app.core.states.paging import PagedList
from portal_app.core.states.staff import StaffState


@dataclass(frozen=True)
class AdminBookingRow:
    """One booking in the week view or the list."""

    id: int
    day: str
    time: str
    service: str
    account: str
    contact: str
    status: str


@dataclass(frozen=True)
class WeekDay:
    label: str
    iso: str
    count: int


@dataclass(frozen=True)
class BookingDetail:
    """The booking open in the dialog: display values, and what staff may do with it now."""

    id: int = 0
    service: str = ""
    when: str = ""
    account: str = ""
    account_id: int = 0
    contact: str = ""
    contact_id: int = 0
    email: str = ""
    mobile: str = ""
    status: str = ""
    note: str = ""
    created_by: str = ""
    on_behalf: str = ""  # "<staff> for <contact>": booked by staff in the portal as the contact
    changed: str = ""  # "Last changed by <staff> for <contact>"
    date: str = ""  # in the business zone, for the move form
    time: str = ""
    can_confirm: bool = False
    can_complete: bool = False
    can_change: bool = False
    reminder: str = ""


@dataclass(frozen=True)
class ServiceOption:
    id: int
    name: str


class AdminBookingsState(Dialogs, PagedList, StaffState):
    """/admin/bookings: a week of the calendar, or the list (filters `status` and `scope`). Its dialogs:
    "detail" (one booking) and "new"."""
    area: ClassVar[str] = "bookings"

    page_size: ClassVar[int] = rules.ADMIN_PAGE_SIZE
    filters: ClassVar[dict[str, tuple[str, ...]]] = {
        "status": ("", STATUS_REQUESTED, STATUS_CONFIRMED, STATUS_CANCELLED, STATUS_COMPLETED),
        "scope": ("", *staff_calendar.ADMIN_SCOPES),
    }
    rows: list[AdminBookingRow] = []
    view: str = "week"  # week | list
    zone_name: str = ""
    week_first: str = ""  # ISO date of the Monday shown (business zone)
    week_label: str = ""
    week_days: list[WeekDay] = []
    week_items: list[list[AdminBookingRow]] = []
    # one booking
    detail: BookingDetail = BookingDetail()
    move_version: int = 0
    # new booking
    service_choices: list[ServiceOption] = []
    new_version: int = 0
    _detail_id: int | None = None

    @rx.var
    def status_filter(self) -> str:
        return self.filter_values.get("status", "")

    @rx.var
    def scope(self) -> str:
        return self.filter_values.get("scope", "") or "upcoming"

    def _lang(self) -> str:
        return self.lang or "en"

    def _row(self, b, svc, account, contact, tz, names: dict[int, str]) -> AdminBookingRow:
        lang = self._lang()
        booked_for, _ = on_behalf(b, contact.full_name, names, lang)
        return AdminBookingRow(
            id=b.id, day=i18n.format_short_date(b.starts_at.astimezone(tz).date(), lang),
            time=f"{i18n.format_time_of_day(b.starts_at, lang, tz)}–{i18n.format_time_of_day(b.ends_at, lang, tz)}",
            service=rules.service_name(svc, lang, self._default_language), account=account.name,
            contact=booked_for or contact.full_name, status=b.status)

    def _monday(self, db) -> date:
        try:
            return staff_calendar.week_monday(date.fromisoformat(self.week_first))
        except ValueError:
            tz = rules.zone(rules.get_booking_settings(db).time_zone)
            return staff_calendar.week_monday(clock.now().astimezone(tz).date())

    def _zone(self, db):
        self.zone_name = rules.get_booking_settings(db).time_zone
        return rules.zone(self.zone_name)

    def _fetch(self, db, ctx) -> None:
        """The list view's page."""
        tz = self._zone(db)
        found, self.total = staff_calendar.list_admin(db, status=self.status_filter,
                                                      scope=self.scope, page=self.page)
        names = staff_names(db, [row[0] for row in found])
        self.rows = [self._row(b, svc, account, contact, tz, names) for b, svc, account, contact in found]

    def _fetch_week(self, db) -> None:
        tz, lang = self._zone(db), self._lang()
        monday = self._monday(db)
        self.week_first = monday.isoformat()
        self.week_label = i18n.t(lang, "admin.bookings.week_of", day=i18n.format_long_date(monday, lang))
        items: list[list[AdminBookingRow]] = [[] for _ in range(7)]
        week = staff_calendar.list_week(db, monday)
        names = staff_names(db, [row[0] for row in week])
        for b, svc, account, contact in week:
            index = (b.starts_at.astimezone(tz).date() - monday).days
            if 0 <= index < 7:
                items[index].append(self._row(b, svc, account, contact, tz, names))
        self.week_days = [WeekDay(i18n.format_short_date(monday + timedelta(days=i), lang),
                                  (monday + timedelta(days=i)).isoformat(), len(items[i])) for i in range(7)]
        self.week_items = items

    def _show(self, db, ctx) -> None:
        if self.view == "week":
            self._fetch_week(db)
        else:
            self._refetch(db, ctx)

    @staff_event("read")
    def load_bookings(self, db, ctx):
        self.dialog, self._detail_id = "", None
        self.q, self.page, self.filter_values = "", 1, self._initial_filters()
        self._show(db, ctx)

    @staff_event("read")
    def show_week(self, db, ctx):
        self.view = "week"
        self._show(db, ctx)

    @staff_event("read")
    def show_list(self, db, ctx):
        self.view, self.page = "list", 1
        self._show(db, ctx)

    @staff_event("read")
    def prev_week(self, db, ctx):
        self._shift_week(db, -7)

    @staff_event("read")
    def next_week(self, db, ctx):
        self._shift_week(db, 7)

    @staff_event("read")
    def this_week(self, db, ctx):
        self.week_first = ""
        self._fetch_week(db)

    def _shift_week(self, db, days: int) -> None:
        try:
            self.week_first = (date.fromisoformat(self.week_first) + timedelta(days=days)).isoformat()
        except ValueError:
            self.week_first = ""
        self._fetch_week(db)

    # ---- one booking ------------------------------------------------------------------------------

    def _fill_detail(self, db, booking_id) -> None:
        b = staff_calendar.get_booking(db, booking_id)
        settings = rules.get_booking_settings(db)
        tz = rules.zone(settings.time_zone)
        svc = rules.get_service(db, b.service_id)
        contact = accounts.get_contact(db, b.contact_id)
        account = accounts.get_account(db, b.account_id)
        lang, now = self._lang(), clock.now()
        local = b.starts_at.astimezone(tz)
        booked_for, changed_for = on_behalf(b, contact.full_name, staff_names(db, [b]), lang)
        self._detail_id = b.id
        self.detail = BookingDetail(
            id=b.id, service=rules.service_name(svc, lang, self._default_language),
            when=f"{describe_when(b.starts_at, lang, settings.time_zone)} – "
                 f"{i18n.format_time_of_day(b.ends_at, lang, tz)}",
            account=account.name, account_id=account.id, contact=contact.full_name, contact_id=contact.id,
            email=contact.email, mobile=contact.mobile or "", status=b.status, note=b.note,
            created_by=b.created_by, on_behalf=booked_for, changed=changed_for, date=local.date().isoformat(), time=local.strftime("%H:%M"),
            can_confirm=b.status == STATUS_REQUESTED and b.starts_at > now,
            can_complete=b.status == STATUS_CONFIRMED and b.starts_at <= now,
            can_change=b.status in rules.LIVE,
            reminder=i18n.format_datetime(b.reminder_sent_at, lang, settings.time_zone) if b.reminder_sent_at else "",
        )
        self.move_version += 1

    @staff_event("read")
    def open_booking(self, db, ctx, booking_id: str):
        self._fill_detail(db, booking_id)
        self.flash_key = ""
        self.dialog = "detail"

    def _open_id(self) -> int | None:
        """The booking whose dialog is open, or None."""
        return self._detail_id if self.dialog == "detail" else None

    def _change(self, db, ctx, action, done_key: str, *args) -> None:
        """One of staff's changes to the open booking; a refusal closes the dialog on a fresh calendar."""
        booking_id = self._open_id()
        if booking_id is None:
            return
        try:
            _, deliveries = action(db, ctx, booking_id, *args)
        except DomainError:
            self.dialog = ""
            self._show(db, ctx)
            raise
        notify.dispatch_after_commit(db, deliveries)
        self._flash(done_key, "info")
        self._fill_detail(db, booking_id)
        self._show(db, ctx)

    @staff_event
    def confirm_booking(self, db, ctx):
        self._change(db, ctx, staff_calendar.staff_confirm, "admin.bookings.done_confirmed")

    @staff_event
    def complete_booking(self, db, ctx):
        self._change(db, ctx, staff_calendar.staff_complete, "admin.bookings.done_completed")

    @staff_event
    def cancel_booking(self, db, ctx):
        self._change(db, ctx, staff_calendar.staff_cancel, "admin.bookings.done_cancelled")

    @staff_event
    def move_booking(self, db, ctx, form: dict):
        if self._open_id() is None:
            return
        when = staff_calendar.business_instant(db, str(form.get("date", "")), str(form.get("time", "")))
        self._change(db, ctx, staff_calendar.staff_move, "admin.bookings.done_moved", when)

    # ---- new booking ------------------------------------------------------------------------------

    @staff_event("read")
    def open_new(self, db, ctx):
        self.service_choices = [ServiceOption(s.id, rules.service_name(s, self._lang(), self._default_language))
                                for s in rules.all_services(db) if s.active]
        self.new_version += 1
        self.dialog = "new"

    @staff_event
    def create_booking(self, db, ctx, form: dict):
        when = staff_calendar.business_instant(db, str(form.get("date", "")), str(form.get("time", "")))
        b, deliveries = staff_calendar.staff_create(db, ctx, contact_email=str(form.get("email", ""))[:254],
                                                    service_id=str(form.get("service", "")), starts_at=when,
                                                    note=str(form.get("note", ""))[:rules.NOTE_MAX])
        notify.dispatch_after_commit(db, deliveries)
        self.week_first = staff_calendar.week_monday(when.astimezone(self._zone(db)).date()).isoformat()
        self._flash("admin.bookings.done_created", "info")
        self._show(db, ctx)
        self._fill_detail(db, b.id)
        self.dialog = "detail"
