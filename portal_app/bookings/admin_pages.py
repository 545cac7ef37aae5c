"""Console: the bookings calendar (a week, or the paged list) and one booking's dialog."""

from __future__ import annotations

import reflex as rx

from portal_app.bookings.admin_state import AdminBookingsState
from portal_app.bookings.pages import STATUS_COLOURS
from portal_app.core.ui.basics import (brand_button, button_row, column, field, form_dialog, form_grid, keyed_badge,
                                       options, pager, select_field)
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, admin_page, if_permitted
from portal_app.core.ui.tables import data_table, text_cell

STATUSES = ("requested", "confirmed", "cancelled", "completed")


def section_header(title_key: str, current: str, *actions: rx.Component) -> rx.Component:
    """The heading of a bookings console page, the links to its sister pages, and the page's own buttons."""
    links = [("admin.bookings.calendar", "/admin/bookings", "bookings.read"),
             ("admin.bookings.services", "/admin/booking-services", "settings.read"),
             ("admin.bookings.settings", "/admin/booking-settings", "settings.read")]
    nav = rx.el.nav(
        rx.hstack(*[if_permitted(needs, rx.link(t(key), href=href, weight="bold" if href == current else "regular",
                                                size="2", aria_current="page" if href == current else None))
                    for key, href, needs in links],
                  spacing="4", wrap="wrap"),
        aria_label=t("admin.bookings.sections"),
    )
    return rx.hstack(rx.heading(t(title_key), size="6", as_="h1"), nav, *((rx.spacer(), *actions) if actions else ()),
                     width="100%", align="center", wrap="wrap", spacing="4")


def inline_form(on_submit, button: rx.Component, *fields: rx.Component, **form_props) -> rx.Component:
    """A few narrow fields on one line, their button at the end: a list's filters, a quick change."""
    return rx.form(
        rx.hstack(*[rx.box(f, width="180px") for f in fields], button, align="end", spacing="3", wrap="wrap"),
        on_submit=on_submit,
        **form_props,
    )


# ---- calendar ---------------------------------------------------------------------------------------

B = AdminBookingsState


def _week_item(item: rx.Var) -> rx.Component:
    cancelled = item.status == "cancelled"
    return rx.el.button(
        rx.vstack(
            rx.text(item.time, weight="bold", size="1"),
            rx.text(item.service, size="1"),
            rx.text(item.account, size="1", color_scheme="gray"),
            keyed_badge(item.status, "bookings.status.", STATUS_COLOURS, size="1", white_space="normal"),
            align="start",
            spacing="1",
        ),
        on_click=B.open_booking(item.id),
        type="button",
        style={"width": "100%", "text_align": "start", "padding": "0.5em", "cursor": "pointer",
               "border": "1px solid var(--gray-6)", "border_radius": "6px",
               "border_inline_start": rx.cond(cancelled, "4px solid var(--gray-7)", "4px solid var(--accent-9)"),
               "background": "var(--color-panel-solid)", "opacity": rx.cond(cancelled, "0.65", "1"),
               "overflow": "hidden"},
    )


def _week() -> rx.Component:
    return column(
        rx.hstack(
            rx.button(rx.icon("chevron_left", size=16), t("admin.bookings.prev_week"), on_click=B.prev_week,
                      variant="soft", size="2"),
            rx.button(t("admin.bookings.this_week"), on_click=B.this_week, variant="soft", size="2"),
            rx.button(t("admin.bookings.next_week"), rx.icon("chevron_right", size=16), on_click=B.next_week,
                      variant="soft", size="2"),
            rx.heading(B.week_label, size="3", as_="h2"),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        rx.grid(
            rx.foreach(B.week_days, lambda day, i: rx.card(
                rx.vstack(
                    rx.hstack(rx.text(day.label, weight="bold", size="2"), rx.spacer(),
                              rx.badge(day.count, variant="soft", radius="full"), width="100%"),
                    rx.foreach(B.week_items[i], _week_item),
                    spacing="2",
                    width="100%",
                ),
                role="group",
                aria_label=day.label,
                min_height="6em",
            )),
            columns=rx.breakpoints(initial="1", sm="2", md="4", lg="7"),
            spacing="2",
            width="100%",
        ),
        spacing="3",
    )


def _list() -> rx.Component:
    filters = inline_form(
        B.search,
        rx.button(rx.icon("filter", size=16), t("admin.bookings.filter"), type="submit", variant="soft"),
        select_field("admin.bookings.status", "status",
                     *options([("", "admin.bookings.any_status"), *[(x, f"bookings.status.{x}") for x in STATUSES]]),
                     value=B.status_filter),
        select_field("admin.bookings.when", "scope", *options(("upcoming", "past", "all"), "admin.bookings.scope_"),
                     value=B.scope),
    )
    return column(
        filters,
        data_table(B.rows, [
            ("admin.bookings.day", text_cell("day")),
            ("admin.bookings.time", text_cell("time")),
            ("admin.bookings.service", text_cell("service")),
            ("admin.bookings.account", text_cell("account")),
            ("admin.bookings.contact", text_cell("contact")),
            ("admin.bookings.status", lambda r: keyed_badge(r.status, "bookings.status.", STATUS_COLOURS)),
            ("admin.bookings.open", lambda r: rx.button(t("admin.bookings.open"), size="1", variant="soft",
                                                        on_click=B.open_booking(r.id),
                                                        aria_label=t("admin.bookings.open") + " " + r.day + " "
                                                        + r.time)),
        ], empty_key="admin.bookings.empty"),
        pager(B.page, B.pages, B.total, B.prev_page, B.next_page),
        spacing="3",
    )


def _detail_dialog() -> rx.Component:
    d = B.detail
    move = inline_form(
        B.move_booking,
        rx.button(rx.icon("calendar_clock", size=16), t("admin.bookings.move"), type="submit", variant="soft"),
        field("admin.bookings.date", "date", type="date", id="move-date", default_value=d.date, required=True),
        field("admin.bookings.time", "time", type="time", id="move-time", step="300", default_value=d.time,
              required=True),
        key=B.move_version,
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(d.service),
            rx.dialog.description(d.when),
            column(
                keyed_badge(d.status, "bookings.status.", STATUS_COLOURS),
                rx.text(t("admin.bookings.account"), ": ",
                        rx.link(d.account, href="/admin/account?id=" + d.account_id.to(str)), size="2"),
                rx.text(t("admin.bookings.contact"), ": ",
                        rx.link(d.contact, href="/admin/contact?id=" + d.contact_id.to(str)), " · ", d.email, " ",
                        d.mobile, size="2"),
                rx.cond(d.note != "", rx.text(t("admin.bookings.note"), ": ", d.note, size="2")),
                rx.text(rx.cond(d.on_behalf != "", t("bookings.booked_by") + " " + d.on_behalf,
                                rx.cond(d.created_by == "staff", t("admin.bookings.by_staff"),
                                        t("admin.bookings.by_customer"))), size="1", color_scheme="gray",
                        id="booking-by"),
                rx.cond(d.changed != "", rx.text(d.changed, size="1", color_scheme="gray")),
                rx.cond(d.reminder != "", rx.text(t("admin.bookings.reminder_sent"), " ", d.reminder, size="1",
                                                     color_scheme="gray")),
                rx.flex(
                    rx.cond(d.can_confirm, brand_button(rx.icon("check", size=16),
                                                                 t("admin.bookings.confirm"),
                                                                 on_click=B.confirm_booking, id="confirm-request")),
                    rx.cond(d.can_complete, rx.button(rx.icon("circle_check", size=16),
                                                               t("admin.bookings.complete"),
                                                               on_click=B.complete_booking, variant="soft")),
                    rx.cond(d.can_change, rx.button(rx.icon("calendar_x", size=16),
                                                             t("admin.bookings.cancel_booking"),
                                                             on_click=B.cancel_booking, variant="soft",
                                                             color_scheme="red")),
                    wrap="wrap",
                    gap="3",
                ),
                rx.cond(d.can_change, rx.vstack(
                    rx.text(t("admin.bookings.move_help"), " (", B.zone_name, ")", size="1", color_scheme="gray"),
                    move, spacing="1")),
                button_row(rx.dialog.close(rx.button(t("admin.close"), variant="soft", on_click=B.close_dialog))),
                spacing="3",
                margin_top="1em",
            ),
            max_width="560px",
        ),
        open=B.dialog == "detail",
        on_open_change=lambda _open: B.close_dialog(),
    )


def _new_dialog() -> rx.Component:
    return form_dialog(
        "admin.bookings.new",
        rx.text(t("admin.bookings.new_help"), " (", B.zone_name, ")", size="2"),
        field("admin.bookings.contact_email", "email", type="email", required=True, id="new-email"),
        select_field("admin.bookings.service", "service",
                     rx.foreach(B.service_choices, lambda s: rx.el.option(s.name, value=s.id.to(str)))),
        form_grid(
            field("admin.bookings.date", "date", type="date", required=True, id="new-date"),
            field("admin.bookings.time", "time", type="time", required=True, id="new-time", step="300"),
        ),
        field("admin.bookings.note", "note", id="new-note"),
        open=B.dialog == "new",
        on_cancel=B.close_dialog,
        on_submit=B.create_booking,
        submit_key="admin.create",
        key=B.new_version,
    )


@admin_page("/admin/bookings", on_load=[B.load_bookings],
            nav=NavEntry("admin.nav.bookings", "/admin/bookings", "calendar_days", 30), area=B.area)
def admin_bookings_page() -> rx.Component:
    return column(
        section_header("admin.nav.bookings", "/admin/bookings",
                       brand_button(rx.icon("plus", size=16), t("admin.bookings.new"), on_click=B.open_new,
                                    id="new-booking")),
        rx.hstack(
            rx.button(rx.icon("calendar_days", size=16), t("admin.bookings.week_view"), on_click=B.show_week,
                      variant=rx.cond(B.view == "week", "solid", "soft"), aria_pressed=B.view == "week"),
            rx.button(rx.icon("list", size=16), t("admin.bookings.list_view"), on_click=B.show_list,
                      variant=rx.cond(B.view == "list", "solid", "soft"), aria_pressed=B.view == "list"),
            rx.text(t("admin.bookings.times_in"), " ", B.zone_name, size="1", color_scheme="gray"),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.cond(B.view == "week", _week(), _list()),
        _detail_dialog(),
        _new_dialog(),
    )
