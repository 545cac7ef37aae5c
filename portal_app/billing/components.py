"""Billing pieces for the home page (amount due, 12 months billed) and small shared billing widgets.

Self-contained: each card reads BillingSummaryState, filled by its `load_summary` handler (add it to
the page's on_load), and shows nothing to contacts without the invoices right.
"""

import reflex as rx

from portal_app.billing.state import BillingSummaryState
from portal_app.core import registries
from portal_app.core.states.site import SiteState
from portal_app.core.ui.i18n import t
from portal_app.core.ui.basics import keyed_badge, link_button, titled_card

STATUS_COLOURS = {"issued": "blue", "partially_paid": "amber", "overdue": "red", "paid": "green", "void": "gray",
                  "draft": "gray"}


def invoice_status(status: rx.Var) -> rx.Component:
    """An invoice's status badge (core `keyed_badge` with billing's keys and colours)."""
    return keyed_badge(status, "billing.status.", STATUS_COLOURS, high_contrast=True)


def method_cell(row, **props) -> rx.Component:
    """How a payment was made (`row.method`), in the reader's language: a table cell, or a line's part."""
    return rx.text(SiteState.tr["billing.method." + row.method].to(str), size="2", **props)


def money_row(label, value: rx.Var, bold: bool = False) -> rx.Component:
    """A label (a catalogue key or a var) and its value at the end of the line."""
    return rx.hstack(rx.text(t(label) if isinstance(label, str) else label, size="2", color_scheme="gray"),
                     rx.spacer(),
                     rx.text(value, size="2", weight="bold" if bold else "regular"), width="100%", align="center")


def _due_row(row) -> rx.Component:
    return rx.vstack(
        rx.text(row.due, size="8", weight="bold", class_name="amount-due"),
        rx.cond(row.overdue != "",
                rx.hstack(rx.icon("triangle_alert", size=16, color="var(--red-10)"),
                          rx.text(SiteState.tr["billing.card.overdue"].to(str).replace("{amount}", row.overdue),
                                  color="var(--red-11)", size="2", weight="medium"),
                          spacing="1", align="center")),
        rx.cond(row.next_due != "",
                rx.text(SiteState.tr["billing.card.next_due"].to(str).replace("{date}", row.next_due), size="2",
                        color_scheme="gray")),
        spacing="1",
    )


def credit_text(credit: rx.Var, **props) -> rx.Component:
    """The account's credit, one amount a currency: "Credit: €30.00 $5.00"."""
    return rx.text(t("billing.credit"), " ", rx.foreach(credit, lambda c: rx.text.strong(c, " ")), **props)


def amount_due_card() -> rx.Component:
    s = BillingSummaryState
    return rx.cond(
        s.visible,
        titled_card(
            "billing.card.title", "wallet",
            rx.cond(
                s.has_due,
                rx.vstack(
                    rx.foreach(s.due_rows, _due_row),
                    rx.hstack(
                        link_button(rx.icon("credit_card", size=16), t("billing.card.pay"), href="/pay?all=1"),
                        rx.link(t("billing.see_invoices"),
                                href=rx.cond(s.has_overdue, "/invoices?status=overdue", "/invoices"), size="2"),
                        spacing="4",
                        align="center",
                        wrap="wrap",
                    ),
                    spacing="3",
                ),
                rx.hstack(rx.icon("circle_check", size=18, color="var(--green-9)"),
                          rx.text(t("billing.card.nothing_due")),
                          rx.link(t("billing.see_invoices"), href="/invoices", size="2"),
                          spacing="2", align="center", wrap="wrap"),
            ),
            rx.cond(s.credit.length() > 0, credit_text(s.credit, size="2", color_scheme="gray")),
            id="amount-due-card",
        ),
    )


def billed_chart_card() -> rx.Component:
    s = BillingSummaryState
    return rx.cond(
        s.visible & (s.chart.length() > 0),
        rx.card(
            rx.vstack(
                rx.heading(SiteState.tr["billing.chart.title"].to(str).replace("{currency}", s.chart_currency),
                           size="4", as_="h2"),
                rx.box(
                    rx.recharts.bar_chart(
                        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
                        rx.recharts.x_axis(data_key="month", tick_line=False, font_size=11),
                        rx.recharts.y_axis(width=48, font_size=11, tick_line=False),
                        rx.recharts.tooltip(),
                        rx.recharts.bar(data_key="billed", name=t("billing.chart.billed"),
                                        fill=SiteState.brand_color, radius=[3, 3, 0, 0]),
                        rx.cond(s.chart_has_usage,
                                rx.recharts.bar(data_key="usage", name=t("billing.chart.usage"), fill="#64748b",
                                                radius=[3, 3, 0, 0])),
                        rx.recharts.legend(),
                        data=s.chart,
                        width="100%",
                        height=240,
                    ),
                    width="100%",
                    role="img",
                    aria_label=t("billing.chart.alt"),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="billed-chart",
        ),
    )


def billing_home_cards() -> rx.Component:
    """Both home pieces, side by side on wide screens."""
    return rx.grid(amount_due_card(), billed_chart_card(), columns=rx.breakpoints(initial="1", md="2"), spacing="4",
                   width="100%")


# Amount due and the billed chart, first on the customer home page (invoices right only).
registries.home_card(registries.HomeCard("amount_due", "main", 10, amount_due_card,
                                         on_load=BillingSummaryState.load_summary, module="invoices"))
registries.home_card(registries.HomeCard("billed_chart", "main", 20, billed_chart_card, module="invoices"))
