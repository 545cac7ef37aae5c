"""Customer billing pages: invoices, one invoice, payments and paying."""

import reflex as rx

from portal_app.billing.amounts import CUSTOMER_STATUS_FILTERS
from portal_app.billing.components import credit_text, invoice_status, method_cell, money_row
from portal_app.billing.state import InvoicesState, InvoiceState, PayState, PaymentsState, UsageAlertsState
from portal_app.core.states.site import SiteState
from portal_app.core.ui.api import api_url
from portal_app.core.ui.basics import LABEL_STYLE, alert, brand_button, column, link_button, options, pager, select
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, portal_page
from portal_app.core.ui.tables import data_table, list_page, text_cell


def pdf_link(invoice_id: rx.Var, label_key: str = "billing.download_pdf", **props) -> rx.Component:
    return rx.el.a(
        rx.hstack(rx.icon("file_down", size=16), rx.text(t(label_key)), spacing="1", align="center"),
        href=api_url("/api/invoices/" + invoice_id + "/pdf"),
        download="",
        style={"color": "var(--accent-11)", "font_weight": "500", "text_decoration": "none"},
        **props,
    )


def credit_note_link(note_id: rx.Var, label, **props) -> rx.Component:
    return rx.el.a(
        rx.hstack(rx.icon("file_down", size=16), rx.text(label), spacing="1", align="center"),
        href=api_url("/api/credit-notes/" + note_id + "/pdf"),
        download="",
        style={"color": "var(--accent-11)", "font_weight": "500", "text_decoration": "none"},
        **props,
    )


def _credit_numbers(row) -> rx.Component:
    """Under an invoice's number in the list: the credit notes against it."""
    return rx.cond(row.credit_notes != "", rx.text(t("billing.credit_notes_short"), " ", row.credit_notes,
                                                    size="1", color_scheme="gray"))


def _filter(label_key: str, name: str, *choices) -> rx.Component:
    """A labelled select that applies at once (the list's `set_filter`)."""
    s = InvoicesState
    return rx.vstack(
        rx.el.label(t(label_key), html_for=f"f-{name}", style=LABEL_STYLE),
        select(*choices, id=f"f-{name}", value=s.filter_values.get(name, ""),
               on_change=lambda value: s.set_filter(name, value), style={"min_width": "10em", "width": "auto"}),
        spacing="1",
    )


def _filters() -> rx.Component:
    s = InvoicesState
    return rx.hstack(
        _filter("billing.filter.status", "status", *options([("", "billing.filter.all")]),
                *options([k for k in CUSTOMER_STATUS_FILTERS if k], "billing.filter.")),
        _filter("billing.filter.year", "year", *options([("", "billing.filter.all_years")]),
                rx.foreach(s.years, lambda y: rx.el.option(y, value=y))),
        spacing="4",
        wrap="wrap",
        align="end",
    )


def _list_page(s, title_key: str, other_key: str, other_href: str, *body) -> rx.Component:
    """A customer billing list: its title (larger than the console's), the link to its sister list, the
    page's error, then `body`."""
    return column(
        rx.hstack(rx.heading(t(title_key), size="7", as_="h1"), rx.spacer(),
                  rx.link(t(other_key), href=other_href, size="2"), width="100%", align="center", wrap="wrap"),
        alert(s.error_text, "error"),
        *body,
    )


def _invoice_card(row) -> rx.Component:
    """One invoice as a card: the list on a phone."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(rx.link(row.number, href="/invoice?id=" + row.id.to(str), weight="bold"),
                          _credit_numbers(row), spacing="0"),
                rx.spacer(),
                invoice_status(row.status),
                width="100%",
                align="center",
            ),
            money_row("billing.total", row.total),
            money_row("billing.amount_due", row.due, bold=True),
            money_row("billing.due_date", row.due_date),
            rx.cond(row.pdf, pdf_link(row.id.to(str))),
            spacing="1",
            width="100%",
        ),
        width="100%",
    )


def _invoices_table() -> rx.Component:
    s = InvoicesState
    return data_table(s.rows, [
        ("billing.number", lambda r: rx.vstack(rx.link(r.number, href="/invoice?id=" + r.id.to(str), weight="medium"),
                                               _credit_numbers(r), spacing="0")),
        ("billing.issue_date", text_cell("issue_date")),
        ("billing.due_date", text_cell("due_date")),
        ("billing.total", text_cell("total")),
        ("billing.amount_due", text_cell("due")),
        ("billing.status", lambda r: invoice_status(r.status)),
        ("billing.files", lambda r: rx.hstack(
            rx.cond(r.pdf, pdf_link(r.id.to(str), "billing.pdf")),
            rx.cond(r.files > 0, rx.tooltip(rx.icon("paperclip", size=16, aria_label=t("billing.has_files")),
                                                 content=t("billing.has_files"))),
            spacing="3", align="center")),
    ])


def _empty() -> rx.Component:
    return _nothing_card("receipt", "var(--gray-9)", rx.cond(
        InvoicesState.filtered,
        rx.text(t("billing.empty_filtered"), weight="medium"),
        rx.text(SiteState.tr["billing.empty"].to(str).replace("{business}", SiteState.brand_name), weight="medium"),
    ))


@portal_page("/invoices", on_load=[InvoicesState.load_list, InvoicesState.load_years, UsageAlertsState.load_alerts],
             nav=NavEntry("nav.invoices", "/invoices", "receipt", 20, module="invoices"))
def invoices_page() -> rx.Component:
    s = InvoicesState
    return _list_page(
        s, "billing.invoices", "billing.see_payments", "/payments",
        rx.cond(
            s.error_key == "",
            column(
                _filters(),
                rx.cond(
                    s.rows.length() > 0,
                    rx.box(
                        rx.box(_invoices_table(), display=["none", "none", "block"], width="100%"),
                        rx.vstack(rx.foreach(s.rows, _invoice_card), spacing="3", width="100%",
                                  display=["flex", "flex", "none"]),
                        width="100%",
                    ),
                    _empty(),
                ),
                rx.cond(s.total > 0, pager(s.page, s.pages, s.total, s.prev_page, s.next_page)),
                rx.cond(s.subscriptions.length() > 0, rx.card(column(
                    rx.heading(t("billing.subscriptions"), size="4", as_="h2"),
                    rx.foreach(s.subscriptions, lambda x: rx.hstack(
                        rx.vstack(rx.text(x.name, size="2", weight="medium"),
                                  rx.text(t("billing.period." + x.period), " · ", t("billing.next_bill"), " ",
                                          x.next_date, size="1", color_scheme="gray"), spacing="0"),
                        rx.spacer(),
                        rx.text(x.amount, size="2", weight="medium"),
                        width="100%", align="center")),
                    spacing="2"), width="100%", id="subscriptions")),
                _alerts_card(),
            ),
        ),
    )


def _alerts_card() -> rx.Component:
    a = UsageAlertsState
    return rx.card(column(
        rx.heading(t("billing.alerts"), size="4", as_="h2"),
        rx.text(t("billing.alerts_intro"), size="2", color_scheme="gray"),
        rx.cond(a.alert_rows.length() > 0, rx.foreach(a.alert_rows, lambda x: rx.hstack(
            rx.text(t("billing.alert.kind_label"), " ", rx.cond(x.kind == "invoice_total",
                                                               t("billing.alert.kind_invoice_total"),
                                                               t("billing.alert.kind_period_usage")),
                    " ", rx.text.strong(x.amount), size="2", flex="1"),
            rx.cond(x.fired_period != "", rx.badge(x.fired_period, color_scheme="amber")),
            rx.cond(a.can_edit, rx.button(t("billing.alert.delete"), size="1", variant="soft", color_scheme="red",
                                          on_click=a.delete_alert(x.id.to(str)))),
            width="100%", align="center", wrap="wrap")),
            rx.text(t("billing.alert.none"), size="2")),
        rx.cond(a.can_edit, rx.form(rx.hstack(
            rx.vstack(rx.el.label(t("billing.alert.kind_label"), html_for="f-alert-kind", style=LABEL_STYLE),
                      select(*options((("invoice_total", "billing.alert.kind_invoice_total"),
                                       ("period_usage", "billing.alert.kind_period_usage"))),
                             name="kind", id="f-alert-kind"), spacing="1"),
            rx.vstack(rx.el.label(t("billing.alert.amount"), html_for="f-alert-amount", style=LABEL_STYLE),
                      rx.input(id="f-alert-amount", name="amount", input_mode="decimal", required=True, width="8em"),
                      spacing="1"),
            rx.vstack(rx.el.label(t("billing.alert.currency"), html_for="f-alert-currency", style=LABEL_STYLE),
                      rx.input(id="f-alert-currency", name="currency", default_value=a.currency, max_length=3,
                               width="5em", key=a.currency), spacing="1"),
            rx.button(t("billing.alert.add"), type="submit"),
            align="end", wrap="wrap", spacing="3"), on_submit=a.add_alert, reset_on_submit=True)),
        spacing="2"), width="100%", id="usage-alerts")


def _line(row) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(row.description, weight="medium", style={"flex": "1", "min_width": "0",
                                                               "overflow_wrap": "anywhere"}),
            rx.text(row.amount, weight="medium", style={"white_space": "nowrap"}),
            width="100%",
            align="start",
            spacing="3",
        ),
        rx.text(row.quantity, " × ", row.unit_price, " · ", t("billing.tax"), " ", row.rate, size="1",
                color_scheme="gray"),
        padding="0.6em 0",
        border_bottom="1px solid var(--gray-4)",
        width="100%",
    )


def _card(*children, spacing: str = "2") -> rx.Component:
    """One panel of a billing page."""
    return rx.card(column(*children, spacing=spacing), width="100%")


def _nothing_card(icon: str, colour: str, *children) -> rx.Component:
    """What an empty list shows instead: an icon and a sentence or two, centred."""
    return rx.card(rx.vstack(rx.icon(icon, size=28, color=colour), *children, align="center", spacing="2",
                             padding="1.5em"), width="100%")


def _invoice_body() -> rx.Component:
    s, v = InvoiceState, InvoiceState.view
    return column(
        rx.link(t("billing.back_to_invoices"), href="/invoices", size="2"),
        rx.hstack(
            rx.heading(SiteState.tr["billing.invoice_number"].to(str).replace("{number}", v.number), size="6",
                       as_="h1", id="invoice-heading"),
            invoice_status(v.status),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(v.status == "void",
                rx.callout(t("billing.void_notice"), icon="ban", color_scheme="gray", width="100%")),
        _card(
            money_row("billing.issue_date", v.issue_date),
            money_row("billing.due_date", v.due_date),
            money_row("billing.total", v.total),
            money_row("billing.amount_due", v.due, bold=True),
            rx.hstack(
                rx.cond(s.can_pay, link_button(rx.icon("credit_card", size=16), t("billing.pay_now"),
                                           href="/pay?invoice=" + s.invoice_id.to(str))),
                rx.cond(v.has_pdf, pdf_link(s.invoice_id.to(str))),
                spacing="4",
                align="center",
                wrap="wrap",
                padding_top="0.5em",
            ),
        ),
        _card(
            rx.heading(t("billing.lines"), size="4", as_="h2"),
            rx.box(rx.foreach(s.lines, _line), width="100%"),
            rx.vstack(
                money_row("billing.subtotal", v.subtotal),
                rx.foreach(s.tax_rows, lambda r: money_row(r.label, r.tax)),
                money_row("billing.total", v.total, bold=True),
                rx.cond(s.has_paid, money_row("billing.paid", v.paid)),
                rx.cond(v.credited != "", money_row("billing.credited", v.credited)),
                money_row("billing.amount_due", v.due, bold=True),
                spacing="1",
                width="100%",
                padding_top="0.5em",
            ),
        ),
        rx.cond(s.files.length() > 0, _card(
            rx.heading(t("billing.consumption_files"), size="4", as_="h2"),
            rx.el.ul(rx.foreach(s.files, lambda f: rx.el.li(
                rx.el.a(rx.hstack(rx.icon("file_spreadsheet", size=16), rx.text(f.name),
                                  rx.text("(", f.size, ")", color_scheme="gray", size="1"),
                                  spacing="2", align="center"),
                        href=api_url("/api/consumption/" + f.id.to(str)), download="",
                        style={"color": "var(--accent-11)", "text_decoration": "none"}),
                style={"list_style": "none", "padding": "0.25em 0"})),
                style={"padding": "0", "margin": "0"}, id="consumption-files"),
        )),
        rx.cond(s.credit_notes.length() > 0, _card(
            rx.heading(t("billing.credit_notes"), size="4", as_="h2", id="credit-notes"),
            rx.foreach(s.credit_notes, lambda n: rx.hstack(
                rx.vstack(rx.text(n.number, size="2", weight="medium"),
                          rx.text(n.date, " · ", n.reason, size="1", color_scheme="gray"), spacing="0"),
                rx.spacer(),
                rx.text("−", n.total, size="2", weight="medium"),
                credit_note_link(n.id.to(str), t("billing.pdf")),
                width="100%", align="center", spacing="3", wrap="wrap",
            )),
        )),
        rx.cond(s.payments.length() > 0, _card(
            rx.heading(t("billing.payments_received"), size="4", as_="h2"),
            rx.foreach(s.payments, lambda p: rx.hstack(
                rx.text(p.date, size="2"),
                method_cell(p, color_scheme="gray"),
                rx.spacer(),
                rx.text(p.amount, size="2", weight="medium"),
                width="100%",
            )),
        )),
        rx.cond(v.notes != "", rx.text(v.notes, size="2", color_scheme="gray", white_space="pre-wrap")),
        max_width="720px",
    )


@portal_page("/invoice", on_load=[InvoiceState.load_invoice])
def invoice_page() -> rx.Component:
    s = InvoiceState
    return column(
        alert(s.error_text, "error"),
        rx.cond(s.error_key != "", rx.link(t("billing.back_to_invoices"), href="/invoices", size="2")),
        rx.cond(s.invoice_id > 0, _invoice_body()),
    )


@portal_page("/payments", on_load=[PaymentsState.load_list],
             nav=NavEntry("nav.payments", "/payments", "credit_card", 21, module="invoices"))
def payments_page() -> rx.Component:
    s = PaymentsState
    return _list_page(
        s, "billing.payments", "billing.see_invoices", "/invoices",
        rx.cond(s.returned_from_checkout,
                rx.callout(t("billing.checkout_done"), icon="circle_check", color_scheme="green", role="status",
                           width="100%")),
        rx.cond(s.credit.length() > 0,
                rx.callout(credit_text(s.credit),
                           icon="wallet", color_scheme="blue", width="100%")),
        rx.cond(
            s.error_key == "",
            list_page(s, [
                ("billing.date", text_cell("date")),
                ("billing.amount", lambda r: rx.text(r.amount, size="2", weight="medium")),
                ("billing.method", method_cell),
                ("billing.settles", text_cell("invoices")),
                ("billing.refunds", text_cell("refunds")),
                ("billing.receipt", lambda r: rx.el.a(
                    rx.hstack(rx.icon("file_down", size=16), rx.text(r.receipt), spacing="1", align="center"),
                    href=api_url("/api/payments/" + r.id.to(str) + "/receipt"), download="",
                    style={"color": "var(--accent-11)", "text_decoration": "none"})),
            ], empty_key="billing.no_payments"),
        ),
    )


def _bank_details(plan) -> rx.Component:
    s = PayState
    return rx.vstack(
        rx.text(t("billing.transfer_intro"), size="2"),
        rx.el.dl(
            *[rx.fragment(rx.el.dt(t(key), style={"font_weight": "500", "font_size": "0.85em",
                                                  "color": "var(--gray-11)"}),
                          rx.el.dd(value, dir="auto", style={"margin": "0 0 0.5em 0", "font_family": "monospace",
                                                 "overflow_wrap": "anywhere"}))
              for key, value in (("billing.beneficiary", s.bank.beneficiary), ("billing.iban", s.bank.iban),
                                 ("billing.bic", s.bank.bic), ("billing.reference", plan.reference),
                                 ("billing.amount", plan.amount))],
            style={"margin": "0"},
        ),
        rx.cond(s.bank.iban == "", rx.text(t("billing.transfer_ask"), size="2", color_scheme="gray")),
        spacing="2",
        width="100%",
        class_name="bank-details",
    )


def _plan(plan) -> rx.Component:
    s = PayState
    return _card(
        rx.hstack(rx.text(t("billing.to_pay"), size="2"), rx.spacer(),
                  rx.text(plan.amount, size="6", weight="bold"), width="100%", align="center"),
        rx.text(t("billing.invoices"), ": ", plan.numbers, size="2", color_scheme="gray"),
        rx.cond(
            s.online,
            column(
                brand_button(rx.icon("credit_card", size=16),
                             SiteState.tr["billing.pay_by_card"].to(str).replace("{amount}", plan.amount),
                             on_click=PayState.start_checkout(plan.target), loading=s.working, size="3"),
                rx.text(t("billing.card_help"), size="1", color_scheme="gray"),
                rx.cond(s.bank.iban != "", rx.box(rx.separator(margin_y="0.75em"), _bank_details(plan),
                                                  width="100%")),
                spacing="2",
            ),
            _bank_details(plan),
        ),
        spacing="3",
    )


@portal_page("/pay", on_load=[PayState.load_pay])
def pay_page() -> rx.Component:
    s = PayState
    return column(
        rx.heading(t("billing.pay_title"), size="7", as_="h1"),
        rx.cond(s.cancelled, rx.callout(t("billing.checkout_cancelled"), icon="info", color_scheme="blue",
                                        role="status", width="100%")),
        alert(s.error_text, "error"),
        rx.cond(
            s.plans.length() > 0,
            column(rx.foreach(s.plans, _plan)),
            rx.cond(s.error_key == "", _nothing_card(
                "circle_check", "var(--green-9)", rx.text(t("billing.nothing_due"), weight="medium"),
                rx.link(t("billing.see_invoices"), href="/invoices", size="2"))),
        ),
        max_width="640px",
    )
