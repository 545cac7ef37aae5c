"""Console: the bookings calendar (week and list), booking services and booking settings."""

from __future__ import annotations

import reflex as rx

from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, admin_page
from portal_app.core.ui.tables import data_table, text_cell
from portal_app.core.ui.basics import brand_button, field, pager, status_badge
from portal_app.bookings.admin_state import (ZONE_NAMES, AdminBookingServicesState, AdminBookingSettingsState, AdminBookingsState)
from portal_app.bookings.pages import status_badge as booking_status

LABEL_STYLE = {"font_weight": "500", "font_size": "0.9em"}
SELECT_STYLE = {"padding": "0.5em", "border_radius": "6px", "border": "1px solid var(--gray-7)",
                "background": "var(--color-panel-solid)", "width": "100%"}


def _subnav(current: str) -> rx.Component:
    links = [("admin.bookings.calendar", "/admin/bookings"), ("admin.bookings.services", "/admin/booking-services"),
             ("admin.bookings.settings", "/admin/booking-settings")]
    return rx.el.nav(
        rx.hstack(*[rx.link(t(key), href=href, weight="bold" if href == current else "regular", size="2",
                            aria_current="page" if href == current else None) for key, href in links],
                  spacing="4", wrap="wrap"),
        aria_label=t("admin.bookings.sections"),
    )


def _select(label_key: str, name: str, options: list, value=None, **props) -> rx.Component:
    return rx.vstack(
        rx.el.label(t(label_key), html_for=f"f-{name}", style=LABEL_STYLE),
        rx.el.select(*options, id=f"f-{name}", name=name, default_value=value, style=SELECT_STYLE, **props),
        spacing="1",
        width="100%",
    )


def _checkbox(label_key: str, name: str, checked) -> rx.Component:
    return rx.el.label(
        rx.el.input(type="checkbox", name=name, default_checked=checked, style={"margin_inline_end": "0.5em"}),
        t(label_key),
        style={"display": "flex", "align_items": "center", "gap": "0.25em"},
    )


# ---- calendar ---------------------------------------------------------------------------------------

B = AdminBookingsState


def _week_item(item: rx.Var) -> rx.Component:
    cancelled = item["status"] == "cancelled"
    return rx.el.button(
        rx.vstack(
            rx.text(item["time"], weight="bold", size="1"),
            rx.text(item["service"], size="1"),
            rx.text(item["account"], size="1", color_scheme="gray"),
            booking_status(item["status"], size="1", white_space="normal"),
            align="start",
            spacing="1",
        ),
        on_click=B.open_booking(item["id"]),
        type="button",
        style={"width": "100%", "text_align": "start", "padding": "0.5em", "cursor": "pointer",
               "border": "1px solid var(--gray-6)", "border_radius": "6px",
               "border_inline_start": rx.cond(cancelled, "4px solid var(--gray-7)", "4px solid var(--accent-9)"),
               "background": "var(--color-panel-solid)", "opacity": rx.cond(cancelled, "0.65", "1"),
               "overflow": "hidden"},
    )


def _week() -> rx.Component:
    return rx.vstack(
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
                    rx.hstack(rx.text(day["label"], weight="bold", size="2"), rx.spacer(),
                              rx.badge(day["count"], variant="soft", radius="full"), width="100%"),
                    rx.foreach(B.week_items[i], _week_item),
                    spacing="2",
                    width="100%",
                ),
                role="group",
                aria_label=day["label"],
                min_height="6em",
            )),
            columns=rx.breakpoints(initial="1", sm="2", md="4", lg="7"),
            spacing="2",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _list() -> rx.Component:
    statuses = ["requested", "confirmed", "cancelled", "completed"]
    filters = rx.form(
        rx.hstack(
            rx.box(_select("admin.bookings.status", "status",
                           [rx.el.option(t("admin.bookings.any_status"), value=""),
                            *[rx.el.option(t(f"bookings.status.{s}"), value=s) for s in statuses]],
                           B.status_filter), width="180px"),
            rx.box(_select("admin.bookings.when", "scope",
                           [rx.el.option(t(f"admin.bookings.scope_{s}"), value=s) for s in ("upcoming", "past", "all")],
                           B.scope), width="180px"),
            rx.button(rx.icon("filter", size=16), t("admin.bookings.filter"), type="submit", variant="soft"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=B.filter_list,
    )
    return rx.vstack(
        filters,
        data_table(B.rows, [
            ("admin.bookings.day", text_cell("day")),
            ("admin.bookings.time", text_cell("time")),
            ("admin.bookings.service", text_cell("service")),
            ("admin.bookings.account", text_cell("account")),
            ("admin.bookings.contact", text_cell("contact")),
            ("admin.bookings.status", lambda r: booking_status(r["status"])),
            ("admin.bookings.open", lambda r: rx.button(t("admin.bookings.open"), size="1", variant="soft",
                                                        on_click=B.open_booking(r["id"]),
                                                        aria_label=t("admin.bookings.open") + " " + r["day"] + " "
                                                        + r["time"])),
        ], empty_key="admin.bookings.empty"),
        pager(B.page, B.pages, B.total, B.prev_page, B.next_page),
        spacing="3",
        width="100%",
    )


def _detail_dialog() -> rx.Component:
    d = B.detail
    move = rx.form(
        rx.hstack(
            rx.vstack(rx.el.label(t("admin.bookings.date"), html_for="move-date", style=LABEL_STYLE),
                      rx.input(type="date", id="move-date", name="date", default_value=d["date"], required=True),
                      spacing="1"),
            rx.vstack(rx.el.label(t("admin.bookings.time"), html_for="move-time", style=LABEL_STYLE),
                      rx.input(type="time", id="move-time", name="time", step="300", default_value=d["time"],
                               required=True),
                      spacing="1"),
            rx.button(rx.icon("calendar_clock", size=16), t("admin.bookings.move"), type="submit", variant="soft"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=B.move_booking,
        key=B.move_version,
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(d["service"]),
            rx.dialog.description(d["when"]),
            rx.vstack(
                booking_status(d["status"]),
                rx.text(t("admin.bookings.account"), ": ",
                        rx.link(d["account"], href="/admin/account?id=" + d["account_id"]), size="2"),
                rx.text(t("admin.bookings.contact"), ": ",
                        rx.link(d["contact"], href="/admin/contact?id=" + d["contact_id"]), " · ", d["email"], " ",
                        d["mobile"], size="2"),
                rx.cond(d["note"] != "", rx.text(t("admin.bookings.note"), ": ", d["note"], size="2")),
                rx.text(rx.cond(d["created_by"] == "staff", t("admin.bookings.by_staff"),
                                t("admin.bookings.by_customer")), size="1", color_scheme="gray"),
                rx.cond(d["reminder"] != "", rx.text(t("admin.bookings.reminder_sent"), " ", d["reminder"], size="1",
                                                     color_scheme="gray")),
                rx.flex(
                    rx.cond(d["can_confirm"] != "", brand_button(rx.icon("check", size=16),
                                                                 t("admin.bookings.confirm"),
                                                                 on_click=B.confirm_booking, id="confirm-request")),
                    rx.cond(d["can_complete"] != "", rx.button(rx.icon("circle_check", size=16),
                                                               t("admin.bookings.complete"),
                                                               on_click=B.complete_booking, variant="soft")),
                    rx.cond(d["can_change"] != "", rx.button(rx.icon("calendar_x", size=16),
                                                             t("admin.bookings.cancel_booking"),
                                                             on_click=B.cancel_booking, variant="soft",
                                                             color_scheme="red")),
                    wrap="wrap",
                    gap="3",
                ),
                rx.cond(d["can_change"] != "", rx.vstack(
                    rx.text(t("admin.bookings.move_help"), " (", B.zone_name, ")", size="1", color_scheme="gray"),
                    move, spacing="1")),
                rx.hstack(rx.dialog.close(rx.button(t("admin.close"), variant="soft", on_click=B.close_booking)),
                          justify="end", width="100%"),
                spacing="3",
                margin_top="1em",
            ),
            max_width="560px",
        ),
        open=B.detail_open,
        on_open_change=lambda _open: B.close_booking(),
    )


def _new_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("admin.bookings.new")),
            rx.dialog.description(t("admin.bookings.new_help"), " (", B.zone_name, ")", size="2"),
            rx.form(
                rx.vstack(
                    field("admin.bookings.contact_email", "email", type="email", required=True, id="new-email"),
                    _select("admin.bookings.service", "service",
                            [rx.foreach(B.service_choices, lambda s: rx.el.option(s["name"], value=s["id"]))]),
                    rx.grid(
                        field("admin.bookings.date", "date", type="date", required=True, id="new-date"),
                        field("admin.bookings.time", "time", type="time", required=True, id="new-time", step="300"),
                        columns="2",
                        spacing="3",
                        width="100%",
                    ),
                    field("admin.bookings.note", "note", id="new-note"),
                    rx.hstack(
                        rx.dialog.close(rx.button(t("admin.cancel"), type="button", variant="soft",
                                                  on_click=B.close_new)),
                        brand_button(t("admin.create"), type="submit"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=B.create_booking,
                key=B.new_version,
                margin_top="1em",
            ),
            max_width="520px",
        ),
        open=B.new_open,
        on_open_change=lambda _open: B.close_new(),
    )


@admin_page("/admin/bookings", on_load=[B.load_bookings],
            nav=NavEntry("admin.nav.bookings", "/admin/bookings", "calendar_days", 30))
def admin_bookings_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(t("admin.nav.bookings"), size="6", as_="h1"),
            _subnav("/admin/bookings"),
            rx.spacer(),
            brand_button(rx.icon("plus", size=16), t("admin.bookings.new"), on_click=B.open_new, id="new-booking"),
            width="100%",
            align="center",
            wrap="wrap",
            spacing="4",
        ),
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
        spacing="4",
        width="100%",
    )


# ---- services ---------------------------------------------------------------------------------------

V = AdminBookingServicesState


def _service_form() -> rx.Component:
    names = rx.grid(
        rx.foreach(V.languages, lambda lang: rx.vstack(
            rx.el.label(t("admin.booking_services.name"), " (", lang["name"], ")", html_for="f-name_" + lang["code"],
                        style=LABEL_STYLE),
            rx.input(id="f-name_" + lang["code"], name="name_" + lang["code"], default_value=V.names[lang["code"]],
                     width="100%", size="3"),
            spacing="1",
            width="100%",
        )),
        columns=rx.breakpoints(initial="1", md="3"),
        spacing="3",
        width="100%",
    )
    audience = rx.el.fieldset(
        rx.el.legend(t("admin.booking_services.audience"), style={"font_weight": "500"}),
        rx.vstack(
            rx.el.label(rx.el.input(type="radio", name="audience", value="everyone",
                                    default_checked=V.audience == "everyone", style={"margin_inline_end": "0.5em"}),
                        t("admin.booking_services.everyone"), style={"display": "flex", "align_items": "center"}),
            rx.el.label(rx.el.input(type="radio", name="audience", value="accounts",
                                    default_checked=V.audience == "accounts", style={"margin_inline_end": "0.5em"}),
                        t("admin.booking_services.chosen_accounts"),
                        style={"display": "flex", "align_items": "center"}),
            field("admin.booking_services.account_numbers", "accounts", default_value=V.account_numbers,
                  placeholder="C-1001, C-1002"),
            spacing="2",
            width="100%",
        ),
        style={"border": "1px solid var(--gray-5)", "border_radius": "8px", "padding": "0.75em"},
    )
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(rx.cond(V.service_id > 0, t("admin.booking_services.edit"),
                                   t("admin.booking_services.new")), size="4", as_="h2"),
                names,
                rx.grid(
                    field("admin.booking_services.duration", "duration", type="number", required=True,
                          default_value=V.duration, min="5", step="5"),
                    field("admin.booking_services.buffer", "buffer", type="number", default_value=V.buffer, min="0",
                          step="5"),
                    field("admin.booking_services.price", "price", default_value=V.price, placeholder="90.00",
                          input_mode="decimal"),
                    field("admin.booking_services.currency", "currency", default_value=V.currency, max_length=3),
                    field("admin.booking_services.position", "position", type="number", default_value=V.position,
                          min="0"),
                    columns=rx.breakpoints(initial="2", md="5"),
                    spacing="3",
                    width="100%",
                ),
                rx.hstack(_checkbox("admin.booking_services.show_price", "show_price", V.show_price),
                          _checkbox("admin.booking_services.active", "active", V.active), spacing="5", wrap="wrap"),
                audience,
                rx.hstack(
                    brand_button(t("admin.save"), type="submit", id="save-service"),
                    rx.button(t("admin.close"), type="button", variant="soft", on_click=V.close_edit),
                    rx.cond(V.saved, rx.text(t("admin.saved"), color_scheme="green", role="status")),
                    spacing="3",
                    align="center",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=V.save_service,
            key=V.form_version,
            width="100%",
        ),
        width="100%",
    )


@admin_page("/admin/booking-services", on_load=[V.load_services])
def admin_booking_services_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(t("admin.bookings.services"), size="6", as_="h1"),
            _subnav("/admin/booking-services"),
            rx.spacer(),
            brand_button(rx.icon("plus", size=16), t("admin.booking_services.new"), on_click=V.new_service),
            width="100%",
            align="center",
            wrap="wrap",
            spacing="4",
        ),
        rx.cond(V.edit_open, _service_form()),
        data_table(V.rows, [
            ("admin.booking_services.name", lambda r: rx.button(r["name"], variant="ghost",
                                                                on_click=V.edit_service(r["id"]))),
            ("admin.booking_services.duration", text_cell("duration")),
            ("admin.booking_services.buffer", text_cell("buffer")),
            ("admin.booking_services.price", lambda r: rx.hstack(
                rx.text(r["price"], size="2"),
                rx.cond((r["price"] != "") & (r["show_price"] == ""),
                        rx.badge(t("admin.booking_services.price_hidden"), color_scheme="gray")),
                spacing="2")),
            ("admin.booking_services.audience", lambda r: rx.cond(
                r["audience"] == "everyone", rx.text(t("admin.booking_services.everyone"), size="2"),
                rx.text(t("admin.booking_services.chosen_accounts"), size="2"))),
            ("admin.booking_services.active", lambda r: status_badge(r["active"] != "", "admin.yes", "admin.no")),
        ], empty_key="admin.booking_services.empty"),
        pager(V.page, V.pages, V.total, V.prev_page, V.next_page),
        spacing="4",
        width="100%",
    )


# ---- settings ---------------------------------------------------------------------------------------

G = AdminBookingSettingsState


def _number(label_key: str, name: str, value, *, min_: str = "0", step: str = "1") -> rx.Component:
    return field(label_key, name, type="number", default_value=value, min=min_, step=step, required=True)


def _rules_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(t("admin.booking_settings.rules"), size="4", as_="h2"),
            rx.grid(
                rx.vstack(
                    rx.el.label(t("admin.booking_settings.time_zone"), html_for="f-time_zone", style=LABEL_STYLE),
                    rx.input(id="f-time_zone", name="time_zone", default_value=G.time_zone, list="zone-names",
                             required=True, width="100%", size="3"),
                    rx.el.datalist(*[rx.el.option(value=z) for z in ZONE_NAMES], id="zone-names"),
                    spacing="1",
                    width="100%",
                ),
                _select("admin.booking_settings.confirmation", "confirmation",
                        [rx.el.option(t("admin.booking_settings.confirm_instant"), value="instant"),
                         rx.el.option(t("admin.booking_settings.confirm_request"), value="request")],
                        rx.cond(G.requires_confirmation, "request", "instant")),
                _number("admin.booking_settings.book_notice", "book_notice_hours", G.book_notice_hours),
                _number("admin.booking_settings.reschedule_notice", "reschedule_notice_hours",
                        G.reschedule_notice_hours),
                _number("admin.booking_settings.cancel_notice", "cancel_notice_hours", G.cancel_notice_hours),
                _number("admin.booking_settings.reminder", "reminder_hours", G.reminder_hours),
                _number("admin.booking_settings.step", "slot_step", G.slot_step_minutes, min_="5", step="5"),
                _number("admin.booking_settings.horizon", "horizon_days", G.horizon_days, min_="1"),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
            rx.hstack(
                _checkbox("admin.booking_settings.online_booking", "online_booking", G.online_booking),
                _checkbox("admin.booking_settings.allow_reschedule", "allow_reschedule", G.allow_reschedule),
                _checkbox("admin.booking_settings.allow_cancel", "allow_cancel", G.allow_cancel),
                spacing="5",
                wrap="wrap",
            ),
            rx.text(t("admin.booking_settings.rules_help"), size="1", color_scheme="gray"),
            rx.hstack(brand_button(t("admin.save"), type="submit", id="save-rules"),
                      rx.cond(G.saved_rules, rx.text(t("admin.saved"), color_scheme="green", role="status")),
                      spacing="3", align="center"),
            spacing="4",
            width="100%",
        ),
        on_submit=G.save_rules,
        key=G.form_version,
        width="100%",
    )


def _hours_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(t("admin.booking_settings.weekly_hours"), size="4", as_="h2"),
            rx.text(t("admin.booking_settings.hours_help"), size="1", color_scheme="gray"),
            rx.foreach(G.hours, lambda h: rx.hstack(
                rx.el.label(h["label"], html_for="f-day_" + h["weekday"], style={**LABEL_STYLE, "min_width": "7em"}),
                rx.input(id="f-day_" + h["weekday"], name="day_" + h["weekday"], default_value=h["text"],
                         placeholder="09:00-12:00, 14:00-18:00", width="100%"),
                align="center",
                spacing="3",
                width="100%",
            )),
            rx.hstack(brand_button(t("admin.save"), type="submit", id="save-hours"),
                      rx.cond(G.saved_hours, rx.text(t("admin.saved"), color_scheme="green", role="status")),
                      spacing="3", align="center"),
            spacing="3",
            width="100%",
        ),
        on_submit=G.save_hours,
        key=G.form_version,
        width="100%",
    )


def _exceptions() -> rx.Component:
    add = rx.form(
        rx.grid(
            field("admin.booking_settings.exception_day", "day", type="date", required=True),
            _select("admin.booking_settings.exception_kind", "kind",
                    [rx.el.option(t("admin.booking_settings.closed"), value="closed"),
                     rx.el.option(t("admin.booking_settings.special_hours"), value="hours")]),
            field("admin.booking_settings.exception_hours", "hours", placeholder="10:00-14:00"),
            field("admin.booking_settings.exception_note", "note"),
            rx.button(rx.icon("plus", size=16), t("admin.booking_settings.add_exception"), type="submit",
                      variant="soft", align_self="end", width="fit-content"),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
        on_submit=G.add_exception,
        reset_on_submit=True,
        width="100%",
    )
    return rx.vstack(
        rx.heading(t("admin.booking_settings.exceptions"), size="4", as_="h2"),
        rx.text(t("admin.booking_settings.exceptions_help"), size="1", color_scheme="gray"),
        add,
        data_table(G.exceptions, [
            ("admin.booking_settings.exception_day", text_cell("day")),
            ("admin.booking_settings.exception_kind", lambda r: rx.cond(
                r["closed"] != "", rx.badge(t("admin.booking_settings.closed"), color_scheme="red"),
                rx.text(r["hours"], size="2"))),
            ("admin.booking_settings.exception_note", text_cell("note")),
            ("admin.booking_settings.delete", lambda r: rx.button(
                rx.icon("trash_2", size=14), t("admin.booking_settings.delete"), size="1", variant="soft",
                color_scheme="red", on_click=G.delete_exception(r["id"]),
                aria_label=t("admin.booking_settings.delete") + " " + r["day"])),
        ], empty_key="admin.booking_settings.no_exceptions"),
        rx.cond(G.exc_pages > 1, pager(G.exc_page, G.exc_pages, G.exc_total, G.prev_exceptions, G.next_exceptions)),
        spacing="3",
        width="100%",
    )


@admin_page("/admin/booking-settings", on_load=[G.load_booking_settings])
def admin_booking_settings_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(t("admin.bookings.settings"), size="6", as_="h1"),
            _subnav("/admin/booking-settings"),
            width="100%",
            align="center",
            wrap="wrap",
            spacing="4",
        ),
        rx.card(_rules_form(), width="100%"),
        rx.grid(
            rx.card(_hours_form(), width="100%"),
            rx.card(_exceptions(), width="100%"),
            columns=rx.breakpoints(initial="1", lg="2"),
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
