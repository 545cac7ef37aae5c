"""Customer bookings: the lists (upcoming, requests, history) with reschedule and cancel, booking, and the
home page's card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal_app.bookings import customer, rules
from portal_app.bookings.notices import ics_path, on_behalf, staff_names
from portal_app.bookings.picker_state import DAYS_SHOWN, BookingPageMixin
from portal_app.core import clock, i18n, notify
from portal_app.core.errors import DomainError
from portal_app.core.states.dialogs import Dialogs
from portal_app.core.states.handlers import portal_event
from portal_app.core.states.paging import PagedList
from portal_app.core.states.portal import PortalState

CARD_LIMIT = 3


@dataclass(frozen=True)
class BookingRow:
    """One booking of the account's lists, with why it cannot be moved or cancelled (catalogue keys)."""

    id: int
    service: str
    day: str
    time: str
    status: str
    by: str  # the contact, or "<staff> for <contact>" when staff booked it in the portal as them
    changed: str  # "Last changed by <staff> for <contact>" when staff moved or cancelled it so
    note: str
    res_why: str
    res_hours: str
    can_why: str
    can_hours: str
    ics: str


@dataclass(frozen=True)
class ServiceChoice:
    id: int
    name: str
    duration: str
    price: str


@dataclass(frozen=True)
class Booked:
    """What the customer has just booked: its status (confirmed, or a request), service and time, calendar file."""

    status: str = ""
    label: str = ""
    ics: str = ""


@dataclass(frozen=True)
class CardItem:
    id: int
    service: str
    day: str
    time: str
    status: str


def _why(block) -> tuple[str, str]:
    """(catalogue key, its hours parameter) of a reason, or two empty texts."""
    return (block[0], str(block[1].get("hours", ""))) if block else ("", "")


class BookingsState(Dialogs, PagedList, BookingPageMixin, PortalState):
    """/bookings: the account's bookings in three lists (the `view` filter), each paged in the database.
    Its dialogs: "cancel" (are you sure?) and "move" (the reschedule picker), for one booking of this account."""

    page_size: ClassVar[int] = rules.PAGE_SIZE
    filters: ClassVar[dict[str, tuple[str, ...]]] = {"view": ("", *customer.VIEWS)}
    rows: list[BookingRow] = []
    count_upcoming: int = 0
    count_requests: int = 0
    count_history: int = 0
    online_booking: bool = False
    cancel_label: str = ""
    moving_label: str = ""
    _cancel_id: int | None = None
    _moving_id: int | None = None

    @rx.var
    def view(self) -> str:
        return self.filter_values.get("view", "") or "upcoming"

    def _fetch(self, db, ctx) -> None:
        settings = rules.get_booking_settings(db)
        self.online_booking = settings.online_booking
        counts = customer.customer_counts(db, ctx)
        self.count_upcoming, self.count_requests = counts["upcoming"], counts["requests"]
        self.count_history = counts["history"]
        found, self.total = customer.list_customer_bookings(db, ctx, self.view, page=self.page)
        lang, tz, now = self.lang or "en", rules.zone(self._zone()), clock.now()
        names = staff_names(db, [b for b, _, _ in found])
        rows = []
        for b, svc, contact in found:
            booked_for, changed_for = on_behalf(b, contact.full_name, names, lang)
            res_why, res_hours = _why(customer.reschedule_block(settings, b, now))
            can_why, can_hours = _why(customer.cancel_block(settings, b, now))
            rows.append(BookingRow(
                id=b.id, service=rules.service_name(svc, lang, self._default_language),
                day=i18n.format_long_date(b.starts_at.astimezone(tz).date(), lang),
                time=f"{i18n.format_time_of_day(b.starts_at, lang, tz)} – {i18n.format_time_of_day(b.ends_at, lang, tz)}",
                status=b.status, by=booked_for or contact.full_name, changed=changed_for, note=b.note, res_why=res_why, res_hours=res_hours,
                can_why=can_why, can_hours=can_hours, ics=ics_path(b.id) if b.status != "cancelled" else ""))
        self.rows = rows

    def _refresh_slots(self, db, ctx) -> None:
        """After a zone or week change: the reschedule picker if it is open, else the list."""
        if self.dialog == "move" and self._moving_id is not None:
            self._fill_slots(customer.reschedule_slots(db, ctx, self._moving_id, self._first_day(), DAYS_SHOWN,
                                                       self._zone()))
        else:
            self._refetch(db, ctx)

    def _label(self, db, b) -> str:
        svc = rules.get_service(db, b.service_id)
        return f"{rules.service_name(svc, self.lang or 'en', self._default_language)} · {self._when(b.starts_at)}"

    @portal_event
    def load_bookings(self, db, ctx):
        """on_load: the list named in the query string (`?view=requests`), then the reader's zone."""
        self._clear_messages()
        self.dialog = ""
        self._cancel_id = self._moving_id = None
        self.q, self.page, self.filter_values = "", 1, self._initial_filters()
        self._load_zone(db)
        self._fetch(db, ctx)

    # ---- cancel -----------------------------------------------------------------------------------

    @portal_event
    def ask_cancel(self, db, ctx, booking_id: str):
        self._clear_messages()
        b = customer.get_customer_booking(db, ctx, booking_id)
        why = customer.cancel_block(rules.get_booking_settings(db), b, clock.now())
        if why:
            raise DomainError(why[0], **why[1])
        self.cancel_label, self._cancel_id, self.dialog = self._label(db, b), b.id, "cancel"

    @portal_event
    def keep_booking(self, db, ctx):
        self.dialog, self._cancel_id = "", None

    @portal_event
    def cancel_booking(self, db, ctx):
        if self._cancel_id is None:
            return
        booking_id, self._cancel_id, self.dialog = self._cancel_id, None, ""
        try:
            _, deliveries = customer.cancel(db, ctx, booking_id)
            notify.dispatch_after_commit(db, deliveries)
            self._ok("bookings.cancelled")
        finally:  # refused or not, the list shows where things stand
            self._refetch(db, ctx)

    # ---- reschedule -------------------------------------------------------------------------------

    @portal_event
    def start_reschedule(self, db, ctx, booking_id: str):
        self._clear_messages()
        self._reset_picker()
        b = customer.get_customer_booking(db, ctx, booking_id)
        self._fill_slots(customer.reschedule_slots(db, ctx, b.id, self._first_day(), DAYS_SHOWN, self._zone()))
        self.moving_label, self._moving_id, self.dialog = self._label(db, b), b.id, "move"

    @portal_event
    def stop_reschedule(self, db, ctx):
        self.dialog, self._moving_id = "", None
        self.chosen_key = self.chosen_label = ""

    @portal_event
    def confirm_reschedule(self, db, ctx):
        when = self._chosen()
        if self._moving_id is None or when is None:
            return
        with self._fresh_slots_if_taken(db, ctx):
            b, deliveries = customer.reschedule(db, ctx, self._moving_id, when)
        notify.dispatch_after_commit(db, deliveries)
        self.dialog, self._moving_id = "", None
        self._ok("bookings.moved_requested" if b.status == "requested" else "bookings.moved", when=self._when(when))
        self.chosen_key = self.chosen_label = ""
        self._refetch(db, ctx)


class NewBookingState(BookingPageMixin, PortalState):
    """/bookings/new: pick a service, a free slot, confirm."""

    online_booking: bool = True
    services: list[ServiceChoice] = []
    service_id: str = ""
    service_label: str = ""
    done: bool = False
    booked: Booked = Booked()
    _service_ids: list[int] = []

    def _refresh_slots(self, db, ctx) -> None:
        if self.service_id:
            self._fill_slots(customer.available_slots(db, ctx, int(self.service_id), self._first_day(), DAYS_SHOWN,
                                                      self._zone()))

    def _service_rows(self, db, ctx) -> None:
        lang = self.lang or "en"
        found = rules.bookable_services(db, ctx)
        self._service_ids = [s.id for s in found]
        self.services = [ServiceChoice(
            id=s.id, name=rules.service_name(s, lang, self._default_language),
            duration=i18n.t(lang, "bookings.minutes", minutes=s.duration_minutes),
            price=i18n.format_price_minor(s.price_minor, s.currency, lang)
            if s.show_price and s.price_minor is not None else "",
        ) for s in found]

    def _select(self, db, ctx, service_id: int) -> None:
        self.service_id = str(service_id)
        self.service_label = next((s.name for s in self.services if s.id == service_id), "")
        self._refresh_slots(db, ctx)

    def _change_service(self) -> None:
        self.service_id = self.service_label = ""
        self._reset_picker()

    @portal_event
    def load_new(self, db, ctx):
        self._clear_messages()
        self.done, self.service_id, self.service_label = False, "", ""
        self._load_zone(db)
        self._reset_picker()
        self.online_booking = rules.get_booking_settings(db).online_booking
        if not self.online_booking:
            self.services = []
            return
        self._service_rows(db, ctx)
        if len(self._service_ids) == 1:
            self._select(db, ctx, self._service_ids[0])

    @portal_event
    def choose_service(self, db, ctx, service_id: str):
        self._clear_messages()
        self.done = False
        if not str(service_id).isdigit() or int(service_id) not in self._service_ids:
            return
        self._reset_picker()
        self._select(db, ctx, int(service_id))

    @portal_event
    def change_service(self, db, ctx):
        self._change_service()

    @portal_event
    def confirm_booking(self, db, ctx, form: dict):
        when = self._chosen()
        if not self.service_id or when is None:
            return
        self._clear_messages()
        with self._fresh_slots_if_taken(db, ctx):
            b, deliveries = customer.book(db, ctx, int(self.service_id), when,
                                          str(form.get("note", ""))[:rules.NOTE_MAX])
        notify.dispatch_after_commit(db, deliveries)
        self.booked = Booked(b.status, f"{self.service_label} · {self._when(when)}", ics_path(b.id))
        self.done = True
        self.chosen_key = self.chosen_label = ""

    @portal_event
    def book_another(self, db, ctx):
        self.done = False
        self._clear_messages()
        self._change_service()


class UpcomingBookingsCardState(PortalState):
    """The home page's "next appointments" card: the account's next few bookings, in the reader's zone."""

    card_visible: bool = False
    card_can_book: bool = False
    card_items: list[CardItem] = []

    def _fail(self, exc: DomainError) -> None:
        self.card_visible = False  # no card rather than a message on the home page

    def _fill(self, db, ctx) -> None:
        if not ctx.can(rules.MODULE):
            self.card_visible, self.card_items = False, []
            return
        settings = rules.get_booking_settings(db)
        name = self.time_zone if rules.is_zone(self.time_zone) else settings.time_zone
        tz, lang = rules.zone(name), self.lang or "en"
        today = clock.now().astimezone(tz).date()
        items = []
        for b, svc in customer.next_bookings(db, ctx, CARD_LIMIT):
            day = b.starts_at.astimezone(tz).date()
            items.append(CardItem(
                id=b.id, service=rules.service_name(svc, lang, self._default_language),
                day=i18n.t(lang, "bookings.today") if day == today else i18n.format_short_date(day, lang),
                time=i18n.format_time_of_day(b.starts_at, lang, tz), status=b.status))
        self.card_items = items
        self.card_can_book = settings.online_booking
        self.card_visible = True

    @portal_event
    def load_upcoming_bookings(self, db, ctx):
        self._fill(db, ctx)
