"""Console recurring bills: the subscriptions list, a new subscription, change and end, and the consumption
files received for a subscription's next periods."""

import reflex as rx

from portal_app.billing.admin_pages import _form, _upload_box
from portal_app.billing.admin_state import AdminSubscriptionsState
from portal_app.core.states.site import SiteState
from portal_app.core.ui.basics import (LABEL_STYLE, brand_button, button_row, column, field, form_dialog, form_grid,
                                       options, page_header, select_field)
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, admin_page, if_permitted
from portal_app.core.ui.tables import data_table, list_page, text_cell

SS = AdminSubscriptionsState


def _subscription_lines(lines) -> rx.Component:
    """The editor's rows: description, quantity, unit price, tax rate (blank rows are ignored)."""
    return rx.vstack(
        rx.foreach(lines, lambda r: rx.grid(
            rx.input(name="desc-" + r.index.to(str), default_value=r.description,
                     placeholder=SiteState.tr["billing.description"].to(str),
                     aria_label=SiteState.tr["billing.description"].to(str)),
            rx.input(name="qty-" + r.index.to(str), default_value=r.quantity, input_mode="decimal",
                     aria_label=SiteState.tr["billing.quantity"].to(str)),
            rx.input(name="price-" + r.index.to(str), default_value=r.price, input_mode="decimal",
                     placeholder=SiteState.tr["billing.unit_price"].to(str),
                     aria_label=SiteState.tr["billing.unit_price"].to(str)),
            rx.input(name="rate-" + r.index.to(str), default_value=r.rate, input_mode="decimal",
                     aria_label=SiteState.tr["billing.tax_rate"].to(str)),
            columns="4fr 1fr 2fr 1fr", spacing="2", width="100%")),
        spacing="2", width="100%")


@admin_page("/admin/subscriptions", on_load=[SS.load_list],
            nav=NavEntry("admin.nav.subscriptions", "/admin/subscriptions", "repeat", 32), area=SS.area)
def admin_subscriptions_page() -> rx.Component:
    return column(
        page_header("admin.nav.subscriptions"),
        if_permitted("billing.write", rx.card(_form(
            SS.create_subscription,
            rx.heading(t("admin.subscriptions.new"), size="4", as_="h2"),
            form_grid(
                field("admin.invoices.account_number", "account_number", required=True),
                field("admin.subscriptions.name", "name", required=True),
                select_field("admin.subscriptions.period", "period",
                             *options(("monthly", "quarterly", "yearly"), "billing.period."), value="monthly"),
                field("billing.currency", "currency", default_value="EUR", max_length=3),
                field("admin.subscriptions.start", "start_date", type="date", required=True),
            ),
            _subscription_lines(SS.new_lines),
            brand_button(rx.icon("plus", size=16), t("admin.subscriptions.create"), type="submit"),
            key=SS.form_version,
        ), width="100%")),
        list_page(SS, [
            ("admin.contact.account", text_cell("account")),
            ("admin.subscriptions.name", text_cell("name")),
            ("admin.subscriptions.period", lambda r: rx.text(t("billing.period." + r.period), size="2")),
            ("billing.next_bill", text_cell("next_date")),
            ("billing.amount", text_cell("amount")),
            ("admin.invoice.actions", lambda r: rx.cond(r.active, if_permitted("billing.write", rx.hstack(
                rx.button(t("admin.subscriptions.change"), size="1", variant="soft", on_click=SS.open_change(r.id)),
                rx.button(t("admin.subscriptions.usage"), size="1", variant="soft", on_click=SS.open_usage(r.id)),
                rx.button(t("admin.subscriptions.end"), size="1", variant="soft", color_scheme="red",
                          on_click=SS.end_subscription(r.id)),
                spacing="2")), rx.badge(t("admin.subscriptions.ended"), variant="soft", color_scheme="gray"))),
        ], empty_key="admin.subscriptions.none"),
        form_dialog("admin.subscriptions.change_title", rx.text(SS.editing_name, weight="medium"),
                    _subscription_lines(SS.edit_lines),
                    open=SS.dialog == "change", on_cancel=SS.close_dialog, on_submit=SS.change_subscription,
                    description_key="admin.subscriptions.change_text", key=SS.form_version),
        _usage_dialog(),
    )


def _usage_dialog() -> rx.Component:
    """Consumption CSVs for one of the next periods: they join that period's invoice when it is issued."""
    upload_id = "usage-upload"
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(t("admin.subscriptions.usage_title")),
        rx.dialog.description(t("admin.subscriptions.usage_text"), size="2"),
        column(
            rx.text(SS.editing_name, weight="medium"),
            rx.el.label(t("admin.subscriptions.usage_period"), html_for="usage-period", style=LABEL_STYLE),
            rx.select.root(
                rx.select.trigger(id="usage-period", width="100%"),
                rx.select.content(rx.foreach(SS.usage_periods, lambda p: rx.select.item(p.label, value=p.value))),
                value=SS.usage_period, on_change=SS.choose_usage_period),
            *_upload_box(upload_id, "admin.subscriptions.usage_drop", {"text/csv": [".csv"]}, 1,
                         brand_button(rx.icon("upload", size=16), t("admin.subscriptions.usage_send"),
                                      on_click=SS.upload_usage(rx.upload_files_chunk(upload_id=upload_id)),
                                      id="send-usage")),
            rx.box(data_table(SS.usage_files, [
                ("admin.invoice.file", text_cell("name")),
                ("admin.subscriptions.usage_period", text_cell("period")),
                ("billing.amount", text_cell("usage")),
                ("admin.subscriptions.usage_invoice", lambda f: rx.cond(
                    f.invoice != "", rx.text(f.invoice, size="2"),
                    rx.badge(t("admin.subscriptions.usage_waiting"), variant="soft", color_scheme="amber"))),
            ], empty_key="admin.subscriptions.usage_none"), overflow_x="auto", width="100%"),
            button_row(rx.button(t("admin.close"), variant="soft", on_click=SS.close_dialog, type="button")),
            spacing="3",
        ),
        max_width="min(40rem, calc(100vw - 1.5rem))",
    ), open=SS.dialog == "usage")
