"""Customer bookings: /bookings (upcoming, requests, history; reschedule, cancel) and /bookings/new."""

from __future__ import annotations

import reflex as rx

from portal_app.core.ui.api import api_url
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, portal_page
from portal_app.core.ui.basics import link_button
from portal_app.core.ui.basics import (FOCUS_STEP, LABEL_STYLE, alert, back_link, brand_button, button_row, column, keyed_badge, page_header, pager)
from portal_app.bookings.state import BookingsState, NewBookingState
from portal_app.core.states.site import SiteState

STATUS_COLOURS = {"requested": "amber", "confirmed": "green", "cancelled": "gray", "completed": "blue"}


def _why(key: rx.Var, hours: rx.Var) -> rx.Var:
    return SiteState.tr[key].to(str).replace("{hours}", hours)


def slot_picker(S) -> rx.Component:
    """Seven days of free slots, in the reader's zone; each day is a labelled group of time buttons."""
    return column(
        rx.hstack(
            rx.button(rx.icon("chevron_left", size=16), t("bookings.earlier"), on_click=S.prev_week,
                      disabled=~S.can_go_back, variant="soft", size="2"),
            rx.spacer(),
            rx.button(t("bookings.later"), rx.icon("chevron_right", size=16), on_click=S.next_week, variant="soft",
                      size="2"),
            width="100%",
        ),
        rx.cond(S.zone_note != "", rx.hstack(rx.icon("globe", size=14, color="var(--gray-10)", flex_shrink="0"),
                                              rx.text(S.zone_note, size="1", color_scheme="gray"),
                                              spacing="1", align="center")),
        rx.foreach(S.days, lambda day, i: rx.box(
            rx.text(day.long, weight="bold", size="2", as_="div", margin_bottom="0.4em"),
            rx.cond(
                day.empty,
                rx.text(t("bookings.no_slots_day"), size="2", color_scheme="gray"),
                rx.flex(
                    rx.foreach(S.day_slots[i], lambda slot: rx.button(
                        slot.label,
                        on_click=S.choose_slot(slot.key),
                        variant=rx.cond(S.chosen_key == slot.key, "solid", "outline"),
                        aria_pressed=rx.cond(S.chosen_key == slot.key, "true", "false"),
                        size="2",
                        min_width="5.5em",
                    )),
                    wrap="wrap",
                    gap="2",
                ),
            ),
            role="group",
            aria_label=day.long,
            width="100%",
            padding_bottom="0.75em",
            border_bottom="1px solid var(--gray-4)",
        )),
        spacing="3",
        id="slot-picker",
    )


def _action(label_key: str, icon: str, why: rx.Var, on_click, colour: str = "gray") -> rx.Component:
    """A working button, or the same button disabled (its reason is written under the buttons)."""
    return rx.cond(
        why == "",
        rx.button(rx.icon(icon, size=14), t(label_key), on_click=on_click, variant="soft", size="2",
                  color_scheme=colour),
        rx.button(rx.icon(icon, size=14), t(label_key), disabled=True, variant="soft", size="2"),
    )


def _reason(why: rx.Var, hours: rx.Var) -> rx.Component:
    return rx.cond(why != "", rx.hstack(rx.icon("info", size=14, color="var(--gray-10)", flex_shrink="0"),
                                        rx.text(_why(why, hours), size="1", color_scheme="gray"),
                                        spacing="1", align="center"))


def booking_card(row: rx.Var) -> rx.Component:
    S = BookingsState
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.text(row.service, weight="bold", size="3"),
                    rx.text(row.day, size="2"),
                    rx.text(row.time, size="2", color_scheme="gray"),
                    spacing="1",
                ),
                rx.spacer(),
                keyed_badge(row.status, "bookings.status.", STATUS_COLOURS),
                width="100%",
                align="start",
            ),
            rx.cond(row.note != "", rx.text(row.note, size="2", color_scheme="gray", font_style="italic")),
            rx.text(t("bookings.booked_by"), " ", row.by, size="1", color_scheme="gray"),
            rx.cond(row.changed != "", rx.text(row.changed, size="1", color_scheme="gray")),
            rx.flex(
                rx.cond(
                    S.view != "history",
                    rx.fragment(
                        _action("bookings.reschedule", "calendar_clock", row.res_why,
                                S.start_reschedule(row.id)),
                        _action("bookings.cancel", "calendar_x", row.can_why, S.ask_cancel(row.id), "red"),
                    ),
                ),
                rx.cond(row.ics != "",
                        rx.link(rx.hstack(rx.icon("calendar_plus", size=14), t("bookings.add_to_calendar"),
                                          spacing="1", align="center"),
                                href=api_url(row.ics), size="2")),
                wrap="wrap",
                gap="3",
                align="center",
            ),
            rx.cond(
                S.view != "history",
                rx.vstack(_reason(row.res_why, row.res_hours),
                          rx.cond(row.can_why != row.res_why, _reason(row.can_why, row.can_hours)),
                          spacing="1"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        role="article",
        aria_label=row.service,
    )


def _list() -> rx.Component:
    S = BookingsState
    empty = rx.card(
        rx.vstack(
            rx.icon("calendar", size=28, color="var(--gray-9)"),
            rx.match(S.view, ("requests", rx.text(t("bookings.empty_requests"))),
                     ("history", rx.text(t("bookings.empty_history"))), rx.text(t("bookings.empty_upcoming"))),
            rx.cond(S.online_booking, rx.link(t("bookings.book_now"), href="/bookings/new")),
            align="center",
            spacing="2",
            padding="1.5em",
        ),
        width="100%",
    )
    return column(
        rx.cond(S.rows.length() > 0, column(rx.foreach(S.rows, booking_card), spacing="3"), empty),
        rx.cond(S.pages > 1, pager(S.page, S.pages, S.total, S.prev_page, S.next_page)),
        spacing="3",
    )


def _tab(value: str, key: str, count: rx.Var) -> rx.Component:
    return rx.tabs.trigger(rx.hstack(t(key), rx.badge(count, variant="soft", radius="full"), spacing="2",
                                     align="center"), value=value)


def _cancel_dialog() -> rx.Component:
    S = BookingsState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("bookings.cancel_title")),
            rx.alert_dialog.description(S.cancel_label),
            button_row(
                rx.alert_dialog.cancel(rx.button(t("bookings.keep"), variant="soft", on_click=S.keep_booking)),
                rx.alert_dialog.action(rx.button(t("bookings.cancel_confirm"), color_scheme="red",
                                                 on_click=S.cancel_booking)),
                margin_top="1em",
            ),
            max_width="480px",
        ),
        open=S.dialog == "cancel",
    )


def _reschedule_dialog() -> rx.Component:
    S = BookingsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("bookings.reschedule_title")),
            rx.dialog.description(t("bookings.currently"), " ", S.moving_label, size="2"),
            alert(S.error_text, "error"),
            rx.box(slot_picker(S), margin_y="1em"),
            rx.hstack(
                rx.cond(S.chosen_label != "", rx.text(t("bookings.new_time"), " ", rx.text.strong(S.chosen_label),
                                                      size="2"),
                        rx.text(t("bookings.pick_a_time"), size="2", color_scheme="gray")),
                rx.spacer(),
                rx.button(t("bookings.close"), variant="soft", on_click=S.stop_reschedule),
                brand_button(t("bookings.confirm_new_time"), on_click=S.confirm_reschedule,
                             disabled=S.chosen_key == ""),
                align="center",
                spacing="3",
                wrap="wrap",
                position="sticky",
                bottom="0",
                background="var(--color-panel-solid)",
                padding_y="0.75em",
                border_top="1px solid var(--gray-5)",
            ),
            max_width="640px",
        ),
        open=S.dialog == "move",
        on_open_change=lambda _open: S.stop_reschedule(),
    )


@portal_page("/bookings", on_load=[BookingsState.load_bookings],
             nav=NavEntry("nav.bookings", "/bookings", "calendar_days", 30, module="bookings"))
def bookings_page() -> rx.Component:
    S = BookingsState
    return column(
        page_header("bookings.title",
                    rx.cond(S.online_booking, link_button(rx.icon("calendar_plus", size=16), t("bookings.book_now"),
                                                              href="/bookings/new"))),
        rx.cond(S.dialog != "move", alert(S.error_text, "error")),
        alert(S.success_text, "success"),
        rx.tabs.root(
            rx.tabs.list(
                _tab("upcoming", "bookings.tab_upcoming", S.count_upcoming),
                _tab("requests", "bookings.tab_requests", S.count_requests),
                _tab("history", "bookings.tab_history", S.count_history),
                overflow_x="auto",
            ),
            *[rx.tabs.content(_list(), value=v, padding_top="1em") for v in ("upcoming", "requests", "history")],
            value=S.view,
            on_change=lambda view: S.set_filter("view", view),
            width="100%",
        ),
        rx.cond(S.zone_note != "", rx.text(S.zone_note, size="1", color_scheme="gray")),
        _cancel_dialog(),
        _reschedule_dialog(),
    )




# ---- booking --------------------------------------------------------------------------------------


def _service_choice(svc: rx.Var) -> rx.Component:
    N = NewBookingState
    return rx.button(
        rx.vstack(
            rx.text(svc.name, weight="bold", size="3"),
            rx.hstack(rx.text(svc.duration, size="2"),
                      rx.cond(svc.price != "", rx.text("· ", svc.price, size="2")), spacing="1"),
            align="start",
            spacing="1",
        ),
        on_click=N.choose_service(svc.id),
        variant="surface",
        color_scheme="gray",
        high_contrast=True,
        height="auto",
        padding="1em",
        width="100%",
        justify="start",
        style={"text_align": "start", "white_space": "normal"},
    )


def _confirm_dialog() -> rx.Component:
    N = NewBookingState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("bookings.confirm_title")),
            rx.dialog.description(rx.text.strong(N.service_label), rx.el.br(), N.chosen_label),
            rx.form(
                column(
                    rx.el.label(t("bookings.note_label"), html_for="booking-note", style=LABEL_STYLE),
                    rx.text_area(id="booking-note", name="note", max_length=500, rows="3", width="100%"),
                    button_row(
                        rx.button(t("bookings.back"), type="button", variant="soft", on_click=N.clear_slot),
                        brand_button(t("bookings.confirm"), type="submit", id="confirm-booking"),
                    ),
                    spacing="3",
                ),
                on_submit=N.confirm_booking,
                reset_on_submit=True,
                margin_top="1em",
            ),
            max_width="480px",
        ),
        open=N.chosen_key != "",
        on_open_change=lambda _open: N.clear_slot(),
    )


def _done() -> rx.Component:
    N = NewBookingState
    return rx.card(
        rx.vstack(
            rx.icon("circle_check", size=32, color="var(--green-9)"),
            rx.heading(rx.cond(N.booked.status == "requested", t("bookings.done_requested_title"),
                               t("bookings.done_confirmed_title")), size="5", as_="h2"),
            rx.text(N.booked.label, weight="medium"),
            rx.text(rx.cond(N.booked.status == "requested", t("bookings.done_requested_text"),
                            t("bookings.done_confirmed_text")), size="2", color_scheme="gray"),
            rx.flex(
                link_button(rx.icon("calendar_plus", size=16), t("bookings.add_to_calendar"), href=api_url(N.booked.ics),
                            brand=False, variant="soft"),
                link_button(t("bookings.see_mine"), href="/bookings", brand=False, variant="soft"),
                rx.button(t("bookings.book_another"), variant="ghost", on_click=N.book_another),
                wrap="wrap",
                gap="3",
                justify="center",
            ),
            align="center",
            spacing="3",
            padding="1em",
            role="status",
        ),
        width="100%",
        custom_attrs=FOCUS_STEP,
    )


@portal_page("/bookings/new", on_load=[NewBookingState.load_new])
def new_booking_page() -> rx.Component:
    N = NewBookingState
    choose = column(
        rx.heading(t("bookings.step_service"), size="4", as_="h2"),
        rx.cond(
            N.services.length() > 0,
            rx.grid(rx.foreach(N.services, _service_choice), columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3", width="100%"),
            rx.card(rx.text(t("bookings.no_services"), color_scheme="gray"), width="100%"),
        ),
        spacing="3",
        custom_attrs=FOCUS_STEP,
    )
    pick = column(
        page_header("bookings.step_time",
                    rx.cond(N.services.length() > 1, rx.button(t("bookings.change_service"), variant="ghost",
                                                                size="2", on_click=N.change_service)),
                    level="h2"),
        rx.text(rx.text.strong(N.service_label), size="3"),
        slot_picker(N),
        spacing="3",
        custom_attrs=FOCUS_STEP,
    )
    return column(
        back_link("bookings.back_to_list", "/bookings"),
        page_header("bookings.new_title"),
        alert(N.error_text, "error"),
        rx.cond(
            ~N.online_booking,
            rx.card(rx.text(SiteState.tr["bookings.online_off"].to(str).replace("{business}", SiteState.brand_name)),
                    width="100%"),
            rx.cond(N.done, _done(), rx.cond(N.service_id == "", choose, pick)),
        ),
        _confirm_dialog(),
    )
