"""What the customer's bookings pages share: the reader's time zone, the page's message, and the slot picker."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import reflex as rx

from portal_app.bookings import rules
from portal_app.bookings.notices import describe_when
from portal_app.bookings.slots import SlotDay
from portal_app.core import clock, i18n
from portal_app.core.errors import DomainError
from portal_app.core.states.handlers import portal_event
from portal_app.core.states.site import PageMessage

DAYS_SHOWN = 7
JUST_TAKEN = "bookings.error.just_taken"


@dataclass(frozen=True)
class PickerDay:
    """One date of the slot picker, in the reader's zone."""

    label: str
    long: str
    empty: bool


@dataclass(frozen=True)
class PickerSlot:
    key: str  # the UTC start, ISO
    label: str  # its time of day in the reader's zone


class BookingPageMixin(PageMessage, mixin=True):
    """Mixed into each customer bookings page's state (a copy per state), which also derives from
    PortalState. Times are shown in the reader's zone (the shell's `time_zone`: their choice, else their
    device's; a new one loads the page again). Each page writes `_refresh_slots(db, ctx)`. A refusal is the page's message
    (`PageMessage`); `_clear_messages` takes both messages off before the next action."""

    business_zone: str = ""
    success_key: str = ""
    success_params: dict[str, str] = {}
    # slot picker
    week_first: str = ""  # ISO date of the first day shown, in the viewer's zone
    can_go_back: bool = False
    days: list[PickerDay] = []
    day_slots: list[list[PickerSlot]] = []
    chosen_key: str = ""
    chosen_label: str = ""
    _slot_keys: set[str] = set()

    @rx.var
    def success_text(self) -> str:
        return i18n.t(self.lang or "en", self.success_key, **self.success_params) if self.success_key else ""

    @rx.var
    def zone_note(self) -> str:
        if not self.time_zone:
            return ""
        key = "bookings.times_in_business_zone" if self.time_zone == self.business_zone \
            else "bookings.times_in_your_zone"
        return i18n.t(self.lang or "en", key, zone=self.time_zone.replace("_", " "))

    def _ok(self, key: str, **params) -> None:
        self.error_key = ""
        self.success_key = key
        self.success_params = {k: str(v) for k, v in params.items()}

    def _clear_messages(self) -> None:
        self.error_key = self.success_key = ""

    def _zone(self) -> str:
        return self.time_zone if rules.is_zone(self.time_zone) else (self.business_zone or "UTC")

    def _today(self) -> date:
        return clock.now().astimezone(rules.zone(self._zone())).date()

    def _first_day(self) -> date:
        try:
            first = date.fromisoformat(self.week_first)
        except ValueError:
            first = self._today()
        return max(first, self._today())

    def _when(self, value: datetime) -> str:
        return describe_when(value, self.lang or "en", self._zone())

    def _fill_slots(self, slot_days: list[SlotDay]) -> None:
        lang, tz = self.lang or "en", rules.zone(self._zone())
        self.days = [PickerDay(i18n.format_short_date(d.day, lang), i18n.format_long_date(d.day, lang), not d.starts)
                     for d in slot_days]
        self.day_slots = [[PickerSlot(s.isoformat(), i18n.format_time_of_day(s, lang, tz)) for s in d.starts]
                          for d in slot_days]
        self._slot_keys = {s.isoformat() for d in slot_days for s in d.starts}
        if self.chosen_key not in self._slot_keys:
            self.chosen_key = self.chosen_label = ""
        self.can_go_back = self._first_day() > self._today()

    def _reset_picker(self) -> None:
        self.week_first = self._today().isoformat()
        self.days, self.day_slots, self._slot_keys = [], [], set()
        self.chosen_key = self.chosen_label = ""

    def _chosen(self) -> datetime | None:
        if self.chosen_key not in self._slot_keys:
            return None
        return datetime.fromisoformat(self.chosen_key)

    def _load_zone(self, db) -> None:
        self.business_zone = rules.get_booking_settings(db).time_zone

    def _refresh_slots(self, db, ctx) -> None:  # pragma: no cover - each page defines it
        raise NotImplementedError

    @contextmanager
    def _fresh_slots_if_taken(self, db, ctx):
        """Around a booking or a move: when someone else has just taken the time, the picker shows what
        is free now (the refusal stays the page's message)."""
        try:
            yield
        except DomainError as exc:
            if exc.key == JUST_TAKEN:
                self.chosen_key = self.chosen_label = ""
                try:
                    self._refresh_slots(db, ctx)
                except DomainError:
                    pass
            raise

    @portal_event
    def next_week(self, db, ctx):
        self._clear_messages()
        self.week_first = (self._first_day() + timedelta(days=DAYS_SHOWN)).isoformat()
        self._refresh_slots(db, ctx)

    @portal_event
    def prev_week(self, db, ctx):
        self._clear_messages()
        self.week_first = max(self._today(), self._first_day() - timedelta(days=DAYS_SHOWN)).isoformat()
        self._refresh_slots(db, ctx)

    @portal_event
    def choose_slot(self, db, ctx, key: str):
        """Accept a slot the page offered (anything else from the browser is ignored)."""
        self._clear_messages()
        key = str(key)[:40]
        if key in self._slot_keys:
            self.chosen_key, self.chosen_label = key, self._when(datetime.fromisoformat(key))

    @portal_event
    def clear_slot(self, db, ctx):
        self.chosen_key = self.chosen_label = ""
