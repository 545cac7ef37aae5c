"""Console: booking services and booking settings (rules, weekly hours, closed days and special hours)."""

from __future__ import annotations

import reflex as rx

from portal_app.bookings.admin_pages import section_header
from portal_app.bookings.settings_state import (AdminBookingExceptionsState, AdminBookingServicesState,
                                                AdminBookingSettingsState)
from portal_app.core.ui.basics import (LABEL_STYLE, brand_button, checkbox_field, column, field, form_grid, options,
                                       select_field, status_badge)
from portal_app.core.ui.i18n import t
from portal_app.core.ui.zones import ZONE_LIST_ID, zone_datalist
from portal_app.core.ui.shells import admin_page
from portal_app.core.ui.tables import list_page, text_cell

def _settings_form(title, on_submit, version, *body: rx.Component, spacing: str = "4") -> rx.Component:
    """One of the console's settings forms: its heading (a catalogue key or a var), the fields, and the
    `_save_row`; `version` redraws it with the values just loaded."""
    heading = rx.heading(t(title) if isinstance(title, str) else title, size="4", as_="h2")
    return rx.form(column(heading, *body, spacing=spacing), on_submit=on_submit, key=version, width="100%")


def _save_row(button_id: str, saved: rx.Var, *extra: rx.Component) -> rx.Component:
    """A form's save button, anything beside it, and "Saved" once it is."""
    return rx.hstack(brand_button(t("admin.save"), type="submit", id=button_id), *extra,
                     rx.cond(saved, rx.text(t("admin.saved"), color_scheme="green", role="status")),
                     spacing="3", align="center")


# ---- services ---------------------------------------------------------------------------------------

V = AdminBookingServicesState


def _service_form() -> rx.Component:
    names = form_grid(
        rx.foreach(V.languages, lambda lang: rx.vstack(
            rx.el.label(t("admin.booking_services.name"), " (", lang.name, ")", html_for="f-name_" + lang.code,
                        style=LABEL_STYLE),
            rx.input(id="f-name_" + lang.code, name="name_" + lang.code, default_value=V.form.names[lang.code],
                     width="100%", size="3"),
            spacing="1",
            width="100%",
        )),
        columns="3",
    )
    audience = rx.el.fieldset(
        rx.el.legend(t("admin.booking_services.audience"), style={"font_weight": "500"}),
        rx.vstack(
            *[rx.el.label(rx.el.input(type="radio", name="audience", value=value,
                                      default_checked=V.form.audience == value, style={"margin_inline_end": "0.5em"}),
                          t(key), style={"display": "flex", "align_items": "center"})
              for value, key in (("everyone", "admin.booking_services.everyone"),
                                 ("accounts", "admin.booking_services.chosen_accounts"))],
            field("admin.booking_services.account_numbers", "accounts", default_value=V.form.account_numbers,
                  placeholder="C-1001, C-1002"),
            spacing="2",
            width="100%",
        ),
        style={"border": "1px solid var(--gray-5)", "border_radius": "8px", "padding": "0.75em"},
    )
    return rx.card(
        _settings_form(
            rx.cond(V.service_id > 0, t("admin.booking_services.edit"), t("admin.booking_services.new")),
            V.save_service,
            V.form_version,
            names,
            rx.grid(
                field("admin.booking_services.duration", "duration", type="number", required=True,
                      default_value=V.form.duration_minutes.to(str), min="5", step="5"),
                field("admin.booking_services.buffer", "buffer", type="number",
                      default_value=V.form.buffer_minutes.to(str), min="0", step="5"),
                field("admin.booking_services.price", "price", default_value=V.form.price, placeholder="90.00",
                      input_mode="decimal"),
                field("admin.booking_services.currency", "currency", default_value=V.form.currency, max_length=3),
                field("admin.booking_services.position", "position", type="number",
                      default_value=V.form.position.to(str), min="0"),
                columns=rx.breakpoints(initial="2", md="5"),
                spacing="3",
                width="100%",
            ),
            rx.hstack(checkbox_field("admin.booking_services.show_price", "show_price", V.form.show_price),
                      checkbox_field("admin.booking_services.active", "active", V.form.active), spacing="5",
                      wrap="wrap"),
            audience,
            _save_row("save-service", V.saved,
                      rx.button(t("admin.close"), type="button", variant="soft", on_click=V.close_edit)),
        ),
        width="100%",
    )


@admin_page("/admin/booking-services", on_load=[V.load_list, V.close_edit], area=V.area)
def admin_booking_services_page() -> rx.Component:
    return column(
        section_header("admin.bookings.services", "/admin/booking-services",
                       brand_button(rx.icon("plus", size=16), t("admin.booking_services.new"), on_click=V.new_service)),
        rx.cond(V.edit_open, _service_form()),
        list_page(V, [
            ("admin.booking_services.name", lambda r: rx.button(r.name, variant="ghost",
                                                                on_click=V.edit_service(r.id))),
            ("admin.booking_services.duration", text_cell("duration")),
            ("admin.booking_services.buffer", text_cell("buffer")),
            ("admin.booking_services.price", lambda r: rx.hstack(
                rx.text(r.price, size="2"),
                rx.cond((r.price != "") & ~r.show_price,
                        rx.badge(t("admin.booking_services.price_hidden"), color_scheme="gray")),
                spacing="2")),
            ("admin.booking_services.audience", lambda r: rx.cond(
                r.audience == "everyone", rx.text(t("admin.booking_services.everyone"), size="2"),
                rx.text(t("admin.booking_services.chosen_accounts"), size="2"))),
            ("admin.booking_services.active", lambda r: status_badge(r.active, "admin.yes", "admin.no")),
        ], empty_key="admin.booking_services.empty"),
    )


# ---- settings ---------------------------------------------------------------------------------------

G = AdminBookingSettingsState
X = AdminBookingExceptionsState


def _number(label_key: str, name: str, value, *, min_: str = "0", step: str = "1") -> rx.Component:
    return field(label_key, name, type="number", default_value=value.to(str), min=min_, step=step, required=True)


def _rules_form() -> rx.Component:
    return _settings_form(
        "admin.booking_settings.rules", G.save_rules, G.form_version,
        form_grid(
            rx.vstack(
                rx.el.label(t("admin.booking_settings.time_zone"), html_for="f-time_zone", style=LABEL_STYLE),
                rx.input(id="f-time_zone", name="time_zone", default_value=G.form.time_zone, list=ZONE_LIST_ID,
                         required=True, width="100%", size="3"),
                zone_datalist(),
                spacing="1",
                width="100%",
            ),
            select_field("admin.booking_settings.confirmation", "confirmation",
                         *options([("instant", "admin.booking_settings.confirm_instant"),
                                   ("request", "admin.booking_settings.confirm_request")]),
                         value=rx.cond(G.form.requires_confirmation, "request", "instant")),
            _number("admin.booking_settings.book_notice", "book_notice_hours", G.form.book_notice_hours),
            _number("admin.booking_settings.reschedule_notice", "reschedule_notice_hours",
                    G.form.reschedule_notice_hours),
            _number("admin.booking_settings.cancel_notice", "cancel_notice_hours", G.form.cancel_notice_hours),
            _number("admin.booking_settings.reminder", "reminder_hours", G.form.reminder_hours),
            _number("admin.booking_settings.step", "slot_step", G.form.slot_step_minutes, min_="5", step="5"),
            _number("admin.booking_settings.horizon", "horizon_days", G.form.horizon_days, min_="1"),
        ),
        rx.hstack(
            checkbox_field("admin.booking_settings.online_booking", "online_booking", G.form.online_booking),
            checkbox_field("admin.booking_settings.allow_reschedule", "allow_reschedule", G.form.allow_reschedule),
            checkbox_field("admin.booking_settings.allow_cancel", "allow_cancel", G.form.allow_cancel),
            spacing="5",
            wrap="wrap",
        ),
        rx.text(t("admin.booking_settings.rules_help"), size="1", color_scheme="gray"),
        _save_row("save-rules", G.saved_rules),
    )


def _hours_form() -> rx.Component:
    return _settings_form(
        "admin.booking_settings.weekly_hours", G.save_hours, G.form_version,
        rx.text(t("admin.booking_settings.hours_help"), size="1", color_scheme="gray"),
        rx.foreach(G.hours, lambda h: rx.hstack(
            rx.el.label(h.label, html_for="f-day_" + h.weekday.to(str), style={**LABEL_STYLE, "min_width": "7em"}),
            rx.input(id="f-day_" + h.weekday.to(str), name="day_" + h.weekday.to(str), default_value=h.text,
                     placeholder="09:00-12:00, 14:00-18:00", width="100%"),
            align="center",
            spacing="3",
            width="100%",
        )),
        _save_row("save-hours", G.saved_hours),
        spacing="3",
    )


def _exceptions() -> rx.Component:
    add = rx.form(
        form_grid(
            field("admin.booking_settings.exception_day", "day", type="date", required=True),
            select_field("admin.booking_settings.exception_kind", "kind",
                         *options([("closed", "admin.booking_settings.closed"),
                                   ("hours", "admin.booking_settings.special_hours")])),
            field("admin.booking_settings.exception_hours", "hours", placeholder="10:00-14:00"),
            field("admin.booking_settings.exception_note", "note"),
            rx.button(rx.icon("plus", size=16), t("admin.booking_settings.add_exception"), type="submit",
                      variant="soft", align_self="end", width="fit-content"),
        ),
        on_submit=X.add_exception,
        reset_on_submit=True,
        width="100%",
    )
    return column(
        rx.heading(t("admin.booking_settings.exceptions"), size="4", as_="h2"),
        rx.text(t("admin.booking_settings.exceptions_help"), size="1", color_scheme="gray"),
        add,
        list_page(X, [
            ("admin.booking_settings.exception_day", text_cell("day")),
            ("admin.booking_settings.exception_kind", lambda r: rx.cond(
                r.closed, rx.badge(t("admin.booking_settings.closed"), color_scheme="red"),
                rx.text(r.hours, size="2"))),
            ("admin.booking_settings.exception_note", text_cell("note")),
            ("admin.booking_settings.delete", lambda r: rx.button(
                rx.icon("trash_2", size=14), t("admin.booking_settings.delete"), size="1", variant="soft",
                color_scheme="red", on_click=X.delete_exception(r.id),
                aria_label=t("admin.booking_settings.delete") + " " + r.day)),
        ], empty_key="admin.booking_settings.no_exceptions"),
        spacing="3",
    )


@admin_page("/admin/booking-settings", on_load=[G.load_booking_settings, X.load_list], area=G.area)
def admin_booking_settings_page() -> rx.Component:
    return column(
        section_header("admin.bookings.settings", "/admin/booking-settings"),
        rx.card(_rules_form(), width="100%"),
        rx.grid(
            rx.card(_hours_form(), width="100%"),
            rx.card(_exceptions(), width="100%"),
            columns=rx.breakpoints(initial="1", lg="2"),
            spacing="4",
            width="100%",
        ),
    )
