"""The "next appointments" card for the customer's home page (its state is in state.py)."""

from __future__ import annotations

import reflex as rx

from portal_app.bookings.state import UpcomingBookingsCardState
from portal_app.core import registries
from portal_app.core.ui.basics import empty_note, link_button, titled_card
from portal_app.core.ui.i18n import t


def _item(item: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(rx.text(item.day, weight="bold", size="2"), rx.text(item.time, size="2"), spacing="0",
                      min_width="6.5em"),
            rx.text(item.service, size="2"),
            rx.spacer(),
            rx.cond(item.status == "requested", rx.badge(t("bookings.status.requested"), color_scheme="amber")),
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
        titled_card(
            "bookings.card_title",
            "calendar_days",
            rx.cond(
                S.card_items.length() > 0,
                rx.el.ul(rx.foreach(S.card_items, _item), style={"padding": "0", "margin": "0", "width": "100%"}),
                empty_note(t("bookings.card_empty")),
            ),
            rx.hstack(
                rx.cond(S.card_can_book, link_button(rx.icon("calendar_plus", size=16), t("bookings.book_now"),
                                                             href="/bookings/new", size="2")),
                rx.link(t("bookings.card_all"), href="/bookings", size="2"),
                spacing="4",
                align="center",
                wrap="wrap",
            ),
            id="upcoming-bookings",
        ),
    )


registries.home_card(registries.HomeCard("upcoming_bookings", "main", 30, upcoming_bookings_card,
                                         on_load=UpcomingBookingsCardState.load_upcoming_bookings,
                                         module="bookings"))
