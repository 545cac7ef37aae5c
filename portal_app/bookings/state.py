"""Customer bookings: the list (upcoming, requests, history) with reschedule and cancel, and booking."""

from __future__ import annotations

import math
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.bookings import rules as bookings
from portal_app.core import clock, i18n, notify
from portal_app.core.errors import DomainError
from portal_app.core.states.portal import PortalState

# The browser's own time zone, asked once per page: slots are shown in it.
ZONE_SCRIPT = "Intl.DateTimeFormat().resolvedOptions().timeZone"
DAYS_SHOWN = 7


@contextmanager
def refusal_scope():
    """A transaction that is committed even when the service refuses, then re-raises the refusal: a
    refused look at another account's booking is recorded in the audit log, and session_scope alone
    would roll that record back. Safe because the booking services refuse before changing anything
    (a lost race rolls back its own savepoint)."""
    refused: DomainError | None = None
    with session_scope() as db:
        try:
            yield db
        except DomainError as exc:
            refused = exc
    if refused is not None:
        raise refused


class BookingPageMixin(rx.State, mixin=True):
    """What the bookings pages share: the reader's zone, a message, and the slot picker. Mixed into
    each page's state (a copy per state), which also derives from PortalState."""

    viewer_zone: str = ""
    business_zone: str = ""
    error_key: str = ""
    error_params: dict[str, str] = {}
    success_key: str = ""
    success_params: dict[str, str] = {}
    # slot picker
    week_first: str = ""  # ISO date of the first day shown, in the viewer's zone
    can_go_back: bool = False
    days: list[dict[str, str]] = []
    day_slots: list[list[dict[str, str]]] = []
    chosen_key: str = ""
    chosen_label: str = ""
    _offered: set[str] = set()

    @rx.var
    def error_text(self) -> str:
        return i18n.t(self.lang or "en", self.error_key, **self.error_params) if self.error_key else ""

    @rx.var
    def success_text(self) -> str:
        return i18n.t(self.lang or "en", self.success_key, **self.success_params) if self.success_key else ""

    @rx.var
    def zone_note(self) -> str:
        if not self.viewer_zone:
            return ""
        key = "bookings.times_in_business_zone" if self.viewer_zone == self.business_zone \
            else "bookings.times_in_your_zone"
        return i18n.t(self.lang or "en", key, zone=self.viewer_zone.replace("_", " "))

    def _fail(self, exc: DomainError) -> None:
        self.error_key = exc.key
        self.error_params = {k: str(v) for k, v in exc.params.items()}

    def _ok(self, key: str, **params) -> None:
        self.error_key = ""
        self.success_key = key
        self.success_params = {k: str(v) for k, v in params.items()}

    def _clear(self) -> None:
        self.error_key = self.success_key = ""

    def _zone(self) -> str:
        return self.viewer_zone if bookings.is_zone(self.viewer_zone) else (self.business_zone or "UTC")

    def _today(self) -> date:
        return clock.now().astimezone(bookings.zone(self._zone())).date()

    def _first_day(self) -> date:
        try:
            first = date.fromisoformat(self.week_first)
        except ValueError:
            first = self._today()
        return max(first, self._today())

    def _fill_slots(self, slot_days: list[bookings.SlotDay]) -> None:
        lang, tz = self.lang or "en", bookings.zone(self._zone())
        self.days = [{"label": i18n.format_short_date(d.day, lang), "long": i18n.format_long_date(d.day, lang),
                      "empty": "" if d.starts else "1"} for d in slot_days]
        self.day_slots = [[{"key": s.isoformat(), "label": i18n.format_time_of_day(s, lang, tz)} for s in d.starts]
                          for d in slot_days]
        self._offered = {s.isoformat() for d in slot_days for s in d.starts}
        if self.chosen_key not in self._offered:
            self.chosen_key = self.chosen_label = ""
        self.can_go_back = self._first_day() > self._today()

    def _reset_picker(self) -> None:
        self.week_first = self._today().isoformat()
        self.days, self.day_slots, self._offered = [], [], set()
        self.chosen_key = self.chosen_label = ""

    def _chosen(self) -> datetime | None:
        if self.chosen_key not in self._offered:
            return None
        return datetime.fromisoformat(self.chosen_key)

    def _pick(self, key: str) -> bool:
        """Accept a slot the page offered (anything else from the browser is ignored)."""
        key = str(key)[:40]
        if key not in self._offered:
            return False
        when = datetime.fromisoformat(key)
        self.chosen_key = key
        self.chosen_label = bookings.describe_when(when, self.lang or "en", self._zone())
        return True

    def _load_zone(self, db) -> None:
        self.business_zone = bookings.get_booking_settings(db).time_zone

    def _ask_zone(self):
        return rx.call_script(ZONE_SCRIPT, callback=type(self).set_viewer_zone)

    def _refresh_slots(self, db) -> None:  # pragma: no cover - each page defines it
        raise NotImplementedError

    @rx.event
    def set_viewer_zone(self, name: str):
        """The browser's zone; anything that is not a known IANA zone keeps the business zone."""
        name = str(name or "")[:64]
        if not bookings.is_zone(name) or name == self.viewer_zone:
            return
        self.viewer_zone = name
        self.week_first = self._today().isoformat()
        try:
            with session_scope() as db:
                self._require(db)
                self._refresh_slots(db)
        except DomainError as exc:
            self._fail(exc)

    @rx.event
    def next_week(self):
        self.week_first = (self._first_day() + timedelta(days=DAYS_SHOWN)).isoformat()
        self._reload_slots()

    @rx.event
    def prev_week(self):
        self.week_first = max(self._today(), self._first_day() - timedelta(days=DAYS_SHOWN)).isoformat()
        self._reload_slots()

    @rx.event
    def choose_slot(self, key: str):
        self._clear()
        self._pick(key)

    @rx.event
    def clear_slot(self):
        self.chosen_key = self.chosen_label = ""

    def _reload_slots(self) -> None:
        self._clear()
        try:
            with session_scope() as db:
                self._require(db)
                self._refresh_slots(db)
        except DomainError as exc:
            self._fail(exc)


def _pages(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


class BookingsState(BookingPageMixin, PortalState):
    """/bookings: the account's bookings in three lists, each paged in the database."""

    view: str = "upcoming"
    page: int = 1
    total: int = 0
    count_upcoming: int = 0
    count_requests: int = 0
    count_history: int = 0
    rows: list[dict[str, str]] = []
    online_booking: bool = False
    # cancel confirmation and reschedule panel, for one booking of this account
    cancel_open: bool = False
    cancel_label: str = ""
    moving: bool = False
    moving_label: str = ""
    _cancel_id: int | None = None
    _moving_id: int | None = None

    @rx.var
    def pages(self) -> int:
        return _pages(self.total, bookings.PAGE_SIZE)

    def _fetch(self, db, ctx) -> None:
        settings = bookings.get_booking_settings(db)
        self.online_booking = settings.online_booking
        counts = bookings.customer_counts(db, ctx)
        self.count_upcoming, self.count_requests = counts["upcoming"], counts["requests"]
        self.count_history = counts["history"]
        found, self.total = bookings.list_customer_bookings(db, ctx, self.view, page=self.page)
        if found == [] and self.page > 1:
            self.page = 1
            found, self.total = bookings.list_customer_bookings(db, ctx, self.view, page=1)
        lang, tz, now = self.lang or "en", bookings.zone(self._zone()), clock.now()
        biz_default = self._default_language
        rows = []
        for b, svc, contact in found:
            res = bookings.reschedule_block(settings, b, now)
            can = bookings.cancel_block(settings, b, now)
            rows.append({
                "id": str(b.id),
                "service": bookings.service_name(svc, lang, biz_default),
                "day": i18n.format_long_date(b.starts_at.astimezone(tz).date(), lang),
                "time": f"{i18n.format_time_of_day(b.starts_at, lang, tz)} – "
                        f"{i18n.format_time_of_day(b.ends_at, lang, tz)}",
                "status": b.status,
                "by": contact.full_name,
                "note": b.note,
                "res_why": res[0] if res else "",
                "res_hours": str(res[1].get("hours", "")) if res else "",
                "can_why": can[0] if can else "",
                "can_hours": str(can[1].get("hours", "")) if can else "",
                "ics": bookings.ics_path(b.id) if b.status != "cancelled" else "",
            })
        self.rows = rows

    def _refresh_slots(self, db) -> None:
        """After a zone or week change: the reschedule picker if it is open, else the list."""
        ctx = self._require(db)
        if self.moving and self._moving_id is not None:
            self._fill_slots(bookings.reschedule_slots(db, ctx, self._moving_id, self._first_day(), DAYS_SHOWN,
                                                       self._zone()))
        else:
            self._fetch(db, ctx)

    @rx.event
    def load_bookings(self):
        self._clear()
        self.cancel_open = self.moving = False
        self._cancel_id = self._moving_id = None
        self.page = 1
        wanted = self.router.url.query_parameters.get("view", "")
        self.view = wanted if wanted in bookings.VIEWS else "upcoming"
        try:
            with session_scope() as db:
                ctx = self._require(db)
                self._load_zone(db)
                self._fetch(db, ctx)
        except DomainError as exc:
            self._fail(exc)
            return
        if not self.viewer_zone:
            return self._ask_zone()

    @rx.event
    def show(self, view: str):
        self.view = view if view in bookings.VIEWS else "upcoming"
        self.page = 1
        self._reload_list()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        self._reload_list()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        self._reload_list()

    def _reload_list(self) -> None:
        try:
            with session_scope() as db:
                self._fetch(db, self._require(db))
        except DomainError as exc:
            self._fail(exc)

    # ---- cancel -----------------------------------------------------------------------------------

    @rx.event
    def ask_cancel(self, booking_id: str):
        self._clear()
        try:
            with refusal_scope() as db:
                ctx = self._require(db)
                b = bookings.get_customer_booking(db, ctx, booking_id)
                why = bookings.cancel_block(bookings.get_booking_settings(db), b, clock.now())
                if why:
                    raise DomainError(why[0], **why[1])
                svc = bookings.get_service(db, b.service_id)
                self.cancel_label = (f"{bookings.service_name(svc, self.lang or 'en', self._default_language)} · "
                                     f"{bookings.describe_when(b.starts_at, self.lang or 'en', self._zone())}")
                self._cancel_id = b.id
        except DomainError as exc:
            self._fail(exc)
            return
        self.cancel_open = True

    @rx.event
    def keep_booking(self):
        self.cancel_open, self._cancel_id = False, None

    @rx.event
    def cancel_booking(self):
        if self._cancel_id is None:
            return
        booking_id, self._cancel_id, self.cancel_open = self._cancel_id, None, False
        self._cancel(booking_id)

    def _cancel(self, booking_id) -> None:
        try:
            with refusal_scope() as db:
                ctx = self._require(db)
                _, deliveries = bookings.cancel(db, ctx, booking_id)
        except DomainError as exc:
            self._fail(exc)
            self._reload_list()
            return
        notify.dispatch(deliveries)
        self._ok("bookings.cancelled")
        self._reload_list()

    # ---- reschedule -------------------------------------------------------------------------------

    @rx.event
    def start_reschedule(self, booking_id: str):
        self._clear()
        self._reset_picker()
        try:
            with refusal_scope() as db:
                ctx = self._require(db)
                b = bookings.get_customer_booking(db, ctx, booking_id)
                svc = bookings.get_service(db, b.service_id)
                self._fill_slots(bookings.reschedule_slots(db, ctx, b.id, self._first_day(), DAYS_SHOWN,
                                                           self._zone()))
                self.moving_label = (f"{bookings.service_name(svc, self.lang or 'en', self._default_language)} · "
                                     f"{bookings.describe_when(b.starts_at, self.lang or 'en', self._zone())}")
                self._moving_id = b.id
        except DomainError as exc:
            self._fail(exc)
            return
        self.moving = True

    @rx.event
    def stop_reschedule(self):
        self.moving, self._moving_id = False, None
        self.chosen_key = self.chosen_label = ""

    @rx.event
    def confirm_reschedule(self):
        when = self._chosen()
        if self._moving_id is None or when is None:
            return
        try:
            with refusal_scope() as db:
                ctx = self._require(db)
                b, deliveries = bookings.reschedule(db, ctx, self._moving_id, when)
                status = b.status
        except DomainError as exc:
            self._fail(exc)
            if exc.key == "bookings.error.just_taken":
                self._reload_slots_keep_error()
            return
        notify.dispatch(deliveries)
        self.moving, self._moving_id = False, None
        self._ok("bookings.moved_requested" if status == "requested" else "bookings.moved",
                 when=bookings.describe_when(when, self.lang or "en", self._zone()))
        self.chosen_key = self.chosen_label = ""
        self._reload_list()

    def _reload_slots_keep_error(self) -> None:
        try:
            with session_scope() as db:
                self._refresh_slots(db)
        except DomainError:
            pass


class NewBookingState(BookingPageMixin, PortalState):
    """/bookings/new: pick a service, a free slot, confirm."""

    online_booking: bool = True
    services: list[dict[str, str]] = []
    service_id: str = ""
    service_label: str = ""
    done: bool = False
    done_status: str = ""
    done_label: str = ""
    done_ics: str = ""
    _service_ids: list[int] = []

    def _refresh_slots(self, db) -> None:
        ctx = self._require(db)
        if self.service_id:
            self._fill_slots(bookings.available_slots(db, ctx, int(self.service_id), self._first_day(), DAYS_SHOWN,
                                                      self._zone()))

    def _service_rows(self, db, ctx) -> None:
        lang = self.lang or "en"
        found = bookings.bookable_services(db, ctx)
        self._service_ids = [s.id for s in found]
        self.services = [{
            "id": str(s.id),
            "name": bookings.service_name(s, lang, self._default_language),
            "duration": i18n.t(lang, "bookings.minutes", minutes=s.duration_minutes),
            "price": i18n.format_price_minor(s.price_minor, s.currency, lang)
            if s.show_price and s.price_minor is not None else "",
        } for s in found]

    @rx.event
    def load_new(self):
        self._clear()
        self.done, self.service_id, self.service_label = False, "", ""
        try:
            with session_scope() as db:
                ctx = self._require(db)
                self._load_zone(db)
                self._reset_picker()
                self.online_booking = bookings.get_booking_settings(db).online_booking
                if not self.online_booking:
                    self.services = []
                    return
                self._service_rows(db, ctx)
                if len(self._service_ids) == 1:
                    self._select(db, self._service_ids[0])
        except DomainError as exc:
            self._fail(exc)
            return
        if not self.viewer_zone:
            return self._ask_zone()

    def _select(self, db, service_id: int) -> None:
        self.service_id = str(service_id)
        self.service_label = next((s["name"] for s in self.services if s["id"] == self.service_id), "")
        self._refresh_slots(db)

    @rx.event
    def choose_service(self, service_id: str):
        self._clear()
        self.done = False
        if not str(service_id).isdigit() or int(service_id) not in self._service_ids:
            return
        self._reset_picker()
        try:
            with session_scope() as db:
                self._require(db)
                self._select(db, int(service_id))
        except DomainError as exc:
            self._fail(exc)

    @rx.event
    def change_service(self):
        self.service_id = self.service_label = ""
        self._reset_picker()

    @rx.event
    def confirm_booking(self, form: dict):
        when = self._chosen()
        if not self.service_id or when is None:
            return
        self._clear()
        try:
            with session_scope() as db:
                ctx = self._require(db)
                b, deliveries = bookings.book(db, ctx, int(self.service_id), when,
                                              str(form.get("note", ""))[:bookings.NOTE_MAX])
                booking_id, status = b.id, b.status
        except DomainError as exc:
            self._fail(exc)
            if exc.key == "bookings.error.just_taken":
                self.chosen_key = self.chosen_label = ""
                try:
                    with session_scope() as db:
                        self._refresh_slots(db)
                except DomainError:
                    pass
            return
        notify.dispatch(deliveries)
        self.done, self.done_status = True, status
        self.done_label = f"{self.service_label} · {bookings.describe_when(when, self.lang or 'en', self._zone())}"
        self.done_ics = bookings.ics_path(booking_id)
        self.chosen_key = self.chosen_label = ""

    @rx.event
    def book_another(self):
        self.done = False
        self._clear()
        self.change_service()
