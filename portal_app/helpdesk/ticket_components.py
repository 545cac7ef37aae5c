"""What the customer's and the console's ticket pages share, and the tickets card of the home page."""

from __future__ import annotations

import reflex as rx

from portal_app.core import registries
from portal_app.core.ui.basics import empty_note, link_button, select, titled_card
from portal_app.core.ui.i18n import t
from portal_app.helpdesk.ticket_state import TicketsCardState

STATUS_COLOURS = {"new": "blue", "open": "blue", "pending": "amber", "on_hold": "gray", "resolved": "green",
                  "closed": "gray"}
PRIORITY_COLOURS = {"low": "gray", "normal": "blue", "high": "orange", "urgent": "red"}


def status_badge(code: rx.Var, label: rx.Var) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(code, *STATUS_COLOURS.items(), "gray"), variant="soft")


def priority_badge(code: rx.Var, label: rx.Var) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(code, *PRIORITY_COLOURS.items(), "gray"), variant="outline")


def option_select(name: str, all_key: str, choices: rx.Var, *extra: rx.Component, value=None, on_change=None,
                  **props) -> rx.Component:
    """A select over typed options (value, label): an "all" choice first when `all_key` is given, then any
    `extra` options."""
    first = [rx.el.option(t(all_key), value="")] if all_key else []
    more = {"value": value} if value is not None else {}
    if on_change is not None:
        more["on_change"] = on_change
    return select(*first, *extra, rx.foreach(choices, lambda o: rx.el.option(o.label, value=o.value)), name=name,
                  **more, **props)


def filter_select(state, name: str, all_key: str, choices: rx.Var, *extra: rx.Component) -> rx.Component:
    """A list's filter (`state` mixes in PagedList): it applies as soon as it changes."""
    return option_select(name, all_key, choices, *extra, value=state.filter_values[name].to(str),
                         on_change=lambda value: state.set_filter(name, value), aria_label=t(all_key),
                         style={"width": "auto"})


def ticket_line(row: rx.Var, href: rx.Var, *extra: rx.Component) -> rx.Component:
    """One ticket of a list: number and title, who and when, its status."""
    return rx.el.li(
        rx.link(
            rx.flex(
                rx.vstack(
                    rx.hstack(
                        rx.text(row.number, color_scheme="gray", size="2"),
                        rx.text(row.title, weight=rx.cond(row.unread, "bold", "medium"), overflow_wrap="anywhere"),
                        rx.cond(row.unread, rx.badge(t("tickets.unread"), color_scheme="green")),
                        spacing="2", wrap="wrap", align="center",
                    ),
                    rx.text(row.contact, " · ", row.type_label, " · ", row.when, size="1", color_scheme="gray"),
                    *extra,
                    spacing="1", flex="1", min_width="0",
                ),
                rx.vstack(status_badge(row.status, row.status_label), priority_badge(row.priority, row.priority_label),
                          align="end", spacing="1"),
                align="center", spacing="3", width="100%",
            ),
            href=href,
            underline="none",
            color="inherit",
            style={"display": "block", "padding": "0.75em 0"},
        ),
        style={"list_style": "none", "border_bottom": "1px solid var(--gray-4)",
               "&:last-child": {"border_bottom": "none"}},
    )


def tickets_card() -> rx.Component:
    S = TicketsCardState
    return rx.cond(
        S.card_visible,
        titled_card(
            "tickets.card_title", "life_buoy",
            rx.cond(
                S.card_items.length() > 0,
                rx.el.ul(rx.foreach(S.card_items, lambda r: ticket_line(r, "/tickets/view?id=" + r.id.to(str))),
                         style={"padding": "0", "margin": "0", "width": "100%"}),
                empty_note(t("tickets.card_empty")),
            ),
            rx.hstack(
                link_button(rx.icon("plus", size=16), t("tickets.new"), href="/tickets/new", size="2"),
                rx.link(t("tickets.card_all"), href="/tickets", size="2"),
                spacing="4", align="center", wrap="wrap",
            ),
            id="tickets-card",
        ),
    )


registries.home_card(registries.HomeCard("tickets", "main", 35, tickets_card,
                                         on_load=TicketsCardState.load_tickets_card, module="tickets"))
