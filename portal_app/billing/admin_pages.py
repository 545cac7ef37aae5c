"""Console billing pages: invoices, the invoice editor, payments, billing settings, import (recurring bills
are in `admin_subscription_pages`)."""

import reflex as rx

from portal_app.billing.admin_state import (CONSUMPTION_MAX_FILES, UPLOAD_MAX_FILES, AdminBillingSettingsState,
                                            AdminInvoiceImportState, AdminInvoicesState, AdminInvoiceState,
                                            AdminPaymentsState)
from portal_app.billing.amounts import STAFF_STATUS_FILTERS
from portal_app.billing.components import invoice_status, method_cell, money_row
from portal_app.core.states.site import SiteState
from portal_app.core.ui.api import api_url
from portal_app.core.ui.dropzone import dropzone
from portal_app.core.ui.basics import link_button
from portal_app.core.ui.basics import (LABEL_STYLE, brand_button, checkbox_field, column, confirm_dialog, field, form_dialog, form_grid, options, page_header, saved_row, select, select_field)
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, admin_page, if_permitted
from portal_app.core.ui.tables import data_table, list_page, text_cell

CURRENCIES = ("EUR", "USD", "GBP", "CHF", "CAD", "SEK", "DKK", "NOK", "PLN", "CZK", "JPY")


def _textarea(label_key: str, name: str, value, rows: str = "3") -> rx.Component:
    return rx.vstack(
        rx.el.label(t(label_key), html_for=f"f-{name}", style=LABEL_STYLE),
        rx.text_area(id=f"f-{name}", name=name, default_value=value, rows=rows, width="100%"),
        spacing="1",
        width="100%",
    )


@admin_page("/admin/invoices", on_load=[AdminInvoicesState.load_list],
            nav=NavEntry("admin.nav.invoices", "/admin/invoices", "receipt", 30), area=AdminInvoicesState.area)
def admin_invoices_page() -> rx.Component:
    s = AdminInvoicesState
    return column(
        page_header("admin.nav.invoices",
                    if_permitted("billing.write", link_button(rx.icon("upload", size=16), t("admin.invoices.import"),
                                                              href="/admin/invoice-import", brand=False,
                                                              variant="soft"))),
        if_permitted("billing.write", rx.card(
            rx.form(
                rx.hstack(
                    field("admin.invoices.account_number", "account_number", required=True),
                    brand_button(rx.icon("plus", size=16), t("admin.invoices.new"), type="submit"),
                    align="end",
                    spacing="3",
                    wrap="wrap",
                ),
                on_submit=s.create_draft,
            ),
            width="100%",
        )),
        list_page(s, [
            ("billing.number", lambda r: rx.link(rx.cond(r.number != "", r.number, t("billing.status.draft")),
                                                 href="/admin/invoice?id=" + r.id.to(str))),
            ("admin.contact.account", lambda r: rx.text(r.account, " · ", r.account_number, size="2")),
            ("billing.status", lambda r: invoice_status(r.status)),
            ("billing.issue_date", text_cell("issue_date")),
            ("billing.due_date", text_cell("due_date")),
            ("billing.total", text_cell("total")),
            ("billing.amount_due", text_cell("due")),
        ], search_key="admin.invoices.search", filters=[
            select(*options([("", "billing.filter.all")]), *options(STAFF_STATUS_FILTERS[1:], "billing.filter."),
                   name="status", aria_label=t("billing.status"), style={"width": "auto"}),
        ]),
    )


S = AdminInvoiceState


def _form(on_submit, *fields, spacing: str = "3", **props) -> rx.Component:
    """A console form, its parts one under the other. `key=S.form_version` shows the state's values again
    once a save went through (the fields are uncontrolled)."""
    return rx.form(column(*fields, spacing=spacing), on_submit=on_submit, width="100%", **props)


def _header_form() -> rx.Component:
    return _form(
        S.save_header,
        form_grid(
            select_field("billing.currency", "currency", *[rx.el.option(c, value=c) for c in CURRENCIES],
                         value=S.currency),
            field("billing.due_date", "due_date", type="date", default_value=S.due_date),
        ),
        rx.text(t("admin.invoice.due_help"), size="1", color_scheme="gray"),
        _textarea("admin.invoice.notes", "notes", S.view.notes, "2"),
        rx.button(t("admin.save"), type="submit", variant="soft"),
        key=S.form_version,
    )


def _line_form() -> rx.Component:
    return _form(
        S.save_line,
        rx.heading(rx.cond(S.line.id > 0, t("admin.invoice.edit_line"), t("admin.invoice.add_line")), size="3",
                   as_="h3"),
        form_grid(
            field("billing.description", "description", required=True, default_value=S.line.description),
            field("billing.quantity", "quantity", required=True, default_value=S.line.quantity,
                  input_mode="decimal"),
            field("billing.unit_price", "unit_price", required=True, default_value=S.line.price,
                  input_mode="decimal", placeholder="0.00"),
            field("billing.tax_rate", "tax_rate", default_value=S.line.rate, input_mode="decimal"),
            columns="4",
        ),
        checkbox_field("admin.invoice.usage_line", "is_usage", S.line.usage),
        rx.hstack(
            brand_button(rx.cond(S.line.id > 0, t("admin.save"), t("admin.invoice.add_line")), type="submit",
                         id="save-line"),
            rx.cond(S.line.id > 0, rx.button(t("admin.cancel"), on_click=S.cancel_edit, variant="soft",
                                             type="button")),
            spacing="3",
        ),
        key=S.form_version,
    )


def _lines_table() -> rx.Component:
    return data_table(S.lines, [
        ("billing.description", lambda r: rx.hstack(
            rx.text(r.description, size="2"),
            rx.cond(r.usage, rx.badge(t("admin.invoice.usage"), size="1", variant="soft")), spacing="2")),
        ("billing.quantity", text_cell("quantity")),
        ("billing.unit_price", text_cell("unit_price")),
        ("billing.tax_rate", text_cell("rate")),
        ("billing.amount", text_cell("amount")),
        ("admin.invoice.actions", lambda r: rx.cond(S.is_draft, rx.hstack(
            rx.button(t("admin.invoice.edit"), size="1", variant="soft", on_click=S.edit_line(r.id)),
            rx.button(t("admin.invoice.remove"), size="1", variant="soft", color_scheme="red",
                      on_click=S.delete_line(r.id)),
            spacing="2"))),
    ], empty_key="admin.invoice.no_lines")


def _totals() -> rx.Component:
    return rx.vstack(
        money_row("billing.subtotal", S.view.subtotal),
        money_row("billing.tax", S.view.tax),
        money_row("billing.total", S.view.total, bold=True),
        rx.cond(~S.is_draft, money_row("billing.paid", S.view.paid)),
        rx.cond(S.view.credited != "", money_row("billing.credited", S.view.credited)),
        rx.cond(~S.is_draft, money_row("billing.amount_due", S.view.due, bold=True)),
        spacing="1",
        width="100%",
        max_width="360px",
        margin_inline_start="auto",
    )


def _issue_dialog() -> rx.Component:
    return confirm_dialog("admin.invoice.issue_title", "admin.invoice.issue_text", open=S.dialog == "issue",
                          on_cancel=S.close_dialog, on_confirm=S.issue, confirm_key="admin.invoice.issue",
                          danger=False, confirm_id="confirm-issue")


def _void_dialog() -> rx.Component:
    return form_dialog("admin.invoice.void_title", field("admin.invoice.void_reason", "reason", required=True),
                       open=S.dialog == "void", on_cancel=S.close_dialog, on_submit=S.void,
                       submit_key="admin.invoice.void", description_key="admin.invoice.void_text", danger=True,
                       submit_id="confirm-void")


def _payment_form() -> rx.Component:
    return _form(
        S.record_payment,
        rx.heading(t("admin.invoice.record_payment"), size="3", as_="h3"),
        form_grid(
            field("billing.amount", "amount", required=True, input_mode="decimal"),
            field("admin.invoice.received_on", "received_on", type="date"),
            field("billing.reference", "reference"),
            columns="3",
        ),
        saved_row(rx.button(t("admin.invoice.record"), type="submit", variant="soft", id="record-payment"),
                  S.payment_saved),
        rx.text(t("admin.invoice.overpayment_help"), size="1", color_scheme="gray"),
        reset_on_submit=True,
    )


def _upload_box(upload_id: str, drop_key: str, accept: dict, max_files: int, button: rx.Component,
                **props) -> list[rx.Component]:
    """A drop zone, the names of the files chosen, and the button that sends them."""
    return [
        dropzone(upload_id, drop_key, accept=accept, max_files=max_files, **props),
        rx.hstack(rx.foreach(rx.selected_files(upload_id), lambda f: rx.text(f, size="1")), spacing="2", wrap="wrap"),
        button,
    ]


def _files() -> rx.Component:
    upload_id = "consumption-upload"
    return column(
        rx.heading(t("billing.consumption_files"), size="3", as_="h3"),
        rx.cond(~S.consumption_on, rx.callout(t("admin.invoice.consumption_off"), icon="eye_off", color_scheme="amber",
                                              size="1", width="100%")),
        data_table(S.files, [
            ("admin.invoice.file", lambda f: rx.link(f.name,
                                                     href=api_url("/api/consumption/" + f.id.to(str) + "?console=1"),
                                                     is_external=True)),
            ("admin.invoice.size", text_cell("size")),
            ("admin.invoice.actions", lambda f: rx.hstack(
                rx.cond(f.can_add_lines, rx.button(t("billing.usage.add"), size="1", variant="soft",
                                                   on_click=S.add_usage_lines(f.id.to(str)))),
                rx.button(t("admin.invoice.remove"), size="1", variant="soft", color_scheme="red",
                          on_click=S.delete_file(f.id)), spacing="2")),
        ], empty_key="admin.invoice.no_files"),
        *_upload_box(upload_id, "admin.invoice.drop_files",
                     {"text/csv": [".csv"], "text/plain": [".txt"], "application/pdf": [".pdf"]},
                     CONSUMPTION_MAX_FILES,
                     rx.button(t("admin.invoice.attach"),
                               on_click=S.upload_consumption(rx.upload_files_chunk(upload_id=upload_id)), variant="soft",
                               id="attach-files"),
                     ),
        spacing="3",
    )


def _cancel_dialog() -> rx.Component:
    return form_dialog("admin.invoice.cancel_title", field("admin.invoice.credit_reason", "reason", required=True,
                                                           id="f-cancel-reason"),
                       open=S.dialog == "cancel", on_cancel=S.close_dialog, on_submit=S.cancel_with_credit_note,
                       submit_key="admin.invoice.cancel_submit", description_key="admin.invoice.cancel_text",
                       danger=True, submit_id="confirm-cancel")


def _credit_dialog() -> rx.Component:
    return form_dialog(
        "admin.invoice.credit_title",
        rx.foreach(S.credit_lines, lambda r: rx.hstack(
            rx.vstack(rx.el.label(r.description, html_for="f-qty-" + r.id.to(str), style=LABEL_STYLE),
                      rx.text(t("admin.invoice.credit_remaining"), " ", r.remaining, size="1", color_scheme="gray"),
                      spacing="0", flex="1"),
            rx.input(id="f-qty-" + r.id.to(str), name="qty-" + r.id.to(str), placeholder=r.max_quantity,
                     width="7em", input_mode="decimal"),
            width="100%", align="center")),
        field("admin.invoice.credit_reason", "reason", required=True, id="f-credit-reason"),
        open=S.dialog == "credit", on_cancel=S.close_dialog, on_submit=S.issue_partial_credit,
        submit_key="admin.invoice.credit_submit", description_key="admin.invoice.credit_text",
        submit_id="confirm-credit", reset_on_submit=True)


def _credit_notes() -> rx.Component:
    return rx.cond(S.credit_notes.length() > 0, rx.card(column(
        rx.heading(t("billing.credit_notes"), size="3", as_="h3"),
        data_table(S.credit_notes, [
            ("billing.number", text_cell("number")), ("billing.date", text_cell("date")),
            ("billing.amount", text_cell("total")), ("admin.invoice.credit_reason", text_cell("reason")),
            ("billing.files", lambda r: rx.el.a(t("billing.pdf"), href=api_url(
                "/api/credit-notes/" + r.id.to(str) + "/pdf?console=1"))),
        ]),
        spacing="3"), width="100%", id="admin-credit-notes"))


@admin_page("/admin/invoice", on_load=[S.load_invoice], area=S.area)
def admin_invoice_page() -> rx.Component:
    v = S.view
    pdf_href = api_url("/api/invoices/" + S.invoice_id.to(str) + "/pdf?console=1")
    return rx.cond(
        S.invoice_id > 0,
        column(
            rx.link(t("admin.invoice.back"), href="/admin/invoices", size="2"),
            rx.hstack(
                rx.heading(rx.cond(v.number != "", v.number, t("admin.invoice.draft_title")), size="6", as_="h1"),
                invoice_status(v.status),
                rx.spacer(),
                rx.link(S.account_name, " · ", S.account_number, href="/admin/account?id=" + S.account_id.to(str),
                        size="2"),
                width="100%",
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            rx.hstack(
                rx.cond(S.is_draft, rx.hstack(
                    brand_button(rx.icon("send", size=16), t("admin.invoice.issue"), on_click=S.open_dialog("issue"),
                                 id="open-issue"),
                    rx.el.a(rx.button(rx.icon("eye", size=16), t("admin.invoice.preview"), variant="soft"),
                            href=pdf_href, target="_blank"),
                    rx.button(t("admin.invoice.delete_draft"), on_click=S.delete_draft, variant="soft",
                              color_scheme="red"),
                    spacing="2", wrap="wrap")),
                rx.cond(v.has_pdf, rx.el.a(rx.button(rx.icon("file_down", size=16), t("billing.download_pdf"),
                                                     variant="soft"), href=pdf_href)),
                rx.cond(~S.is_draft & (v.status != "void"), rx.hstack(
                    rx.button(rx.icon("receipt", size=16), t("admin.invoice.cancel_open"),
                              on_click=S.open_dialog("cancel"), variant="soft", color_scheme="red", id="open-cancel"),
                    rx.button(rx.icon("list_minus", size=16), t("admin.invoice.credit_open"),
                              on_click=S.open_dialog("credit"), variant="soft", id="open-credit"),
                    rx.button(rx.icon("ban", size=16), t("admin.invoice.void"), on_click=S.open_dialog("void"),
                              variant="soft", color_scheme="red", id="open-void"),
                    spacing="2", wrap="wrap")),
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(v.status == "void", rx.callout(rx.text(t("admin.invoice.voided"), " ", v.void_reason),
                                                   icon="ban", color_scheme="gray", width="100%")),
            rx.cond(S.address_missing, rx.callout(
                rx.text(t("admin.invoice.address_missing"), " ",
                        rx.link(t("admin.invoice.address_edit"), href="/admin/account?id=" + S.account_id.to(str))),
                icon="triangle_alert", color_scheme="amber", width="100%", id="address-missing")),
            rx.cond(~S.is_draft, rx.text(t("billing.issue_date"), ": ", v.issue_date, " · ", t("billing.due_date"),
                                         ": ", v.due_date, size="2", color_scheme="gray")),
            rx.cond(S.is_draft, rx.card(_header_form(), width="100%")),
            rx.card(
                column(
                    rx.heading(t("billing.lines"), size="4", as_="h2"),
                    _lines_table(),
                    rx.cond(S.is_draft, _line_form()),
                    _totals(),
                ),
                width="100%",
            ),
            rx.cond(~S.is_draft, rx.grid(
                rx.card(column(
                    rx.heading(t("billing.payments_received"), size="3", as_="h3"),
                    data_table(S.payments, [
                        ("billing.date", text_cell("date")), ("billing.amount", text_cell("amount")),
                        ("billing.method", method_cell),
                        ("billing.reference", text_cell("reference")),
                    ], empty_key="billing.no_payments"),
                    rx.cond(v.status != "void", _payment_form()),
                    spacing="3"), width="100%"),
                rx.card(_files(), width="100%"),
                columns=rx.breakpoints(initial="1", lg="2"),
                spacing="4",
                width="100%",
            )),
            _credit_notes(),
            _issue_dialog(),
            _void_dialog(),
            _cancel_dialog(),
            _credit_dialog(),
        ),
    )


@admin_page("/admin/payments", on_load=[AdminPaymentsState.load_list],
            nav=NavEntry("admin.nav.payments", "/admin/payments", "banknote", 31), area=AdminPaymentsState.area)
def admin_payments_page() -> rx.Component:
    return column(
        page_header("admin.nav.payments"),
        list_page(AdminPaymentsState, [
            ("billing.date", text_cell("date")),
            ("admin.contact.account", text_cell("account")),
            ("billing.amount", text_cell("amount")),
            ("billing.method", method_cell),
            ("billing.status", text_cell("status")),
            ("billing.settles", text_cell("invoices")),
            ("admin.payments.credit", text_cell("credit")),
            ("billing.reference", text_cell("reference")),
            ("billing.refunds", _refund_cell),
        ], empty_key="billing.no_payments"),
        _refund_dialog(),
    )


def _refund_cell(row) -> rx.Component:
    P = AdminPaymentsState
    return rx.hstack(
        rx.text(row.refunds, size="2"),
        if_permitted("billing.write", rx.cond(row.can_refund, rx.button(
            t("billing.refund"), size="1", variant="soft", on_click=P.open_refund(row.id.to(str)),
            aria_label=t("billing.refund")))),
        spacing="2", align="center", wrap="wrap")


def _refund_dialog() -> rx.Component:
    P = AdminPaymentsState
    return form_dialog("billing.refund_title",
                       field("billing.refund_amount", "amount", default_value=P.refund_left, input_mode="decimal",
                             key=P.refund_for),
                       field("billing.refund_reason", "reason"),
                       open=P.dialog == "refund", on_cancel=P.close_dialog, on_submit=P.refund_payment,
                       submit_key="billing.refund", description_key="billing.refund_text", danger=True,
                       submit_id="confirm-refund")


@admin_page("/admin/billing-settings", on_load=[AdminBillingSettingsState.load_settings],
            nav=NavEntry("admin.nav.billing_settings", "/admin/billing-settings", "landmark", 94), area=AdminBillingSettingsState.area)
def billing_settings_page() -> rx.Component:
    s, v = AdminBillingSettingsState, AdminBillingSettingsState.form
    form = _form(
        s.save_settings,
        rx.heading(t("admin.billing.numbers"), size="4", as_="h2"),
        form_grid(
            field("admin.billing.prefix", "number_prefix", default_value=v.number_prefix),
            field("admin.billing.credit_prefix", "credit_note_prefix", default_value=v.credit_note_prefix),
            field("admin.billing.digits", "number_digits", type="number", default_value=v.number_digits),
        ),
        checkbox_field("admin.billing.yearly", "number_yearly", v.number_yearly),
        rx.text(t("admin.billing.example"), " ", rx.code(s.example_number), size="2", color_scheme="gray"),
        rx.heading(t("admin.billing.defaults"), size="4", as_="h2"),
        form_grid(
            field("billing.currency", "default_currency", default_value=v.default_currency, max_length=3),
            field("admin.billing.tax_rate", "default_tax_rate", default_value=v.default_tax_rate,
                  input_mode="decimal"),
            field("admin.billing.tax_label", "tax_label", default_value=v.tax_label),
            field("admin.billing.terms", "payment_terms_days", type="number", default_value=v.payment_terms_days),
        ),
        _textarea("admin.billing.issuer", "issuer_details", v.issuer_details, "4"),
        rx.heading(t("admin.billing.bank"), size="4", as_="h2"),
        rx.text(rx.cond(s.online_payment, t("admin.billing.online_on"), t("admin.billing.online_off")), size="2",
                color_scheme="gray"),
        form_grid(
            field("billing.beneficiary", "bank_beneficiary", default_value=v.bank_beneficiary),
            field("admin.billing.bank_name", "bank_name", default_value=v.bank_name),
            field("billing.iban", "bank_iban", default_value=v.bank_iban),
            field("billing.bic", "bank_bic", default_value=v.bank_bic),
        ),
        rx.heading(t("admin.billing.einvoice"), size="4", as_="h2"),
        form_grid(
            field("admin.billing.seller_legal_id", "seller_legal_id", default_value=v.seller_legal_id),
            select_field("admin.billing.seller_legal_scheme", "seller_legal_scheme",
                         *options((("", "admin.billing.scheme_none"), ("0002", "admin.billing.scheme_siren"),
                                   ("0009", "admin.billing.scheme_siret"))), value=v.seller_legal_scheme),
            field("admin.billing.seller_vat_number", "seller_vat_number", default_value=v.seller_vat_number),
            select_field("admin.billing.payment_means", "payment_means_code",
                         *options(("58", "30", "48", "59"), "admin.billing.means_"), value=v.payment_means_code),
            field("admin.billing.seller_street", "seller_street", default_value=v.seller_street),
            field("admin.billing.seller_postcode", "seller_postcode", default_value=v.seller_postcode),
            field("admin.billing.seller_city", "seller_city", default_value=v.seller_city),
            field("admin.billing.seller_country", "seller_country", default_value=v.seller_country, max_length=2),
        ),
        saved_row(brand_button(t("admin.save"), type="submit"), s.saved),
        key=s.form_version,
        spacing="4",
    )
    return column(page_header("admin.nav.billing_settings"), rx.card(form, width="100%"))


@admin_page("/admin/invoice-import", on_load=[AdminInvoiceImportState.load_import], area=AdminInvoiceImportState.area)
def invoice_import_page() -> rx.Component:
    s = AdminInvoiceImportState
    upload_id = "import-upload"
    return column(
        rx.link(t("admin.invoice.back"), href="/admin/invoices", size="2"),
        page_header("admin.invoices.import"),
        rx.card(
            column(
                rx.text(t("admin.import.intro"), size="2"),
                rx.code_block("account_number,number,issue_date,due_date,currency,total,tax,paid,pdf\n"
                              "C-1001,EXT-2025-0042,2025-11-30,2025-12-30,EUR,120.00,20.00,0,EXT-2025-0042.pdf",
                              language="csv", width="100%", wrap_long_lines=True),
                rx.text(t("admin.import.cli"), " ", rx.code("python -m portal_app.cli import-invoices FOLDER"),
                        size="2", color_scheme="gray"),
                *_upload_box(upload_id, "admin.import.drop", {"text/csv": [".csv"], "application/pdf": [".pdf"]},
                             UPLOAD_MAX_FILES,
                             brand_button(rx.icon("upload", size=16), t("admin.import.run"),
                                          on_click=s.import_files(rx.upload_files_chunk(upload_id=upload_id)),
                                          id="run-import"),
                             multiple=True),
                spacing="3",
            ),
            width="100%",
        ),
        rx.cond(s.done, rx.card(rx.vstack(
            rx.text(SiteState.tr["admin.import.result"].to(str).replace("{created}", s.created.to(str))
                    .replace("{skipped}", s.skipped.to(str)), weight="medium", role="status"),
            rx.foreach(s.errors, lambda e: rx.text(e, size="2", color="var(--red-11)")),
            spacing="2"), width="100%")),
    )
