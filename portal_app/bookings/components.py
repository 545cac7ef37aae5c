"""The "next appointments" card for the customer's home page, with its own small state."""

from __future__ import annotations

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.bookings import rules as bookings
from portal_app.core import clock, i18n, registries
from portal_app.core.errors import DomainError
from portal_app.bookings.state import ZONE_SCRIPT
from portal_app.core.states.portal import PortalState
from portal_app.core.ui.i18n import t
from portal_app.core.ui.basics import brand_button

CARD_LIMIT = 3


class UpcomingBookingsCardState(PortalState):
    """Only plain display values: the account's next few bookings, in the reader's zone."""

    card_visible: bool = False
    card_can_book: bool = False
    card_items: list[dict[str, str]] = []
    card_zone: str = ""

    def _fill(self, db) -> None:
        ctx = self._require(db)
        if not ctx.can(bookings.MODULE):
            self.card_visible, self.card_items = False, []
            return
        settings = bookings.get_booking_settings(db)
        name = self.card_zone if bookings.is_zone(self.card_zone) else settings.time_zone
        tz, lang, today = bookings.zone(name), self.lang or "en", clock.now().astimezone(bookings.zone(name)).date()
        items = []
        for b, svc in bookings.next_bookings(db, ctx, CARD_LIMIT):
            day = b.starts_at.astimezone(tz).date()
            items.append({
                "id": str(b.id),
                "service": bookings.service_name(svc, lang, self._default_language),
                "day": i18n.t(lang, "bookings.today") if day == today else i18n.format_short_date(day, lang),
                "time": i18n.format_time_of_day(b.starts_at, lang, tz),
                "status": b.status,
            })
        self.card_items = items
        self.card_can_book = settings.online_booking
        self.card_visible = True

    @rx.event
    def load_upcoming_bookings(self):
        try:
            with session_scope() as db:
                self._fill(db)
        except DomainError:
            self.card_visible = False
            return
        if self.card_visible and not self.card_zone:
            return rx.call_script(ZONE_SCRIPT, callback=UpcomingBookingsCardState.set_card_zone)

    @rx.event
    def set_card_zone(self, name: str):
        name = str(name or "")[:64]
        if not bookings.is_zone(name) or name == self.card_zone:
            return
        self.card_zone = name
        try:
            with session_scope() as db:
                self._fill(db)
        except DomainError:
            self.card_visible = False


def _item(item: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(rx.text(item["day"], weight="bold", size="2"), rx.text(item["time"], size="2"), spacing="0",
                      min_width="6.5em"),
            rx.text(item["service"], size="2"),
            rx.spacer(),
            rx.cond(item["status"] == "requested", rx.badge(t("bookings.status.requested"), color_scheme="amber")),
            align="center",
            spacing="3",
            width="100%",
        ),
        style={"list_style": "none", "padding": "0.5em 0", "border_bottom": "1px solid var(--gray-4)"},
    )


def upcoming_bookings_card() -> rx.Component:
    S = UpcomingBookingsCardState
    return rx.cond(
        S.card_visible,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("calendar_days", size=20),
                    rx.heading(t("bookings.card_title"), size="3", as_="h2"),
                    rx.spacer(),
                    rx.link(t("bookings.card_all"), href="/bookings", size="2"),
                    align="center",
                    width="100%",
                ),
                rx.cond(
                    S.card_items.length() > 0,
                    rx.el.ul(rx.foreach(S.card_items, _item), style={"padding": "0", "margin": "0", "width": "100%"}),
                    rx.text(t("bookings.card_empty"), size="2", color_scheme="gray"),
                ),
                rx.cond(S.card_can_book, rx.link(brand_button(rx.icon("calendar_plus", size=16), t("bookings.book_now"),
                                                              size="2"), href="/bookings/new")),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="upcoming-bookings",
        ),
    )


registries.home_card(registries.HomeCard("upcoming_bookings", "main", 30, upcoming_bookings_card,
                                         on_load=UpcomingBookingsCardState.load_upcoming_bookings,
                                         module="bookings"))
