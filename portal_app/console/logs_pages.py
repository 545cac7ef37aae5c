"""Console: delivery log, login attempts and audit log."""

import reflex as rx

from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page
from portal_app.core.ui.tables import data_table, text_cell
from portal_app.core.ui.basics import pager
from portal_app.console.logs_state import AdminLogsState

S = AdminLogsState


def _status_badge(row) -> rx.Component:
    return rx.badge(row["status"], color_scheme=rx.match(row["status"], ("sent", "green"), ("failed", "red"),
                                                          ("fallback", "orange"), "gray"))


def _message_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(S.viewing_subject),
            rx.el.pre(S.viewing_body, style={"white_space": "pre-wrap", "font_size": "0.85em"}),
            rx.button(t("admin.close"), on_click=S.close_message, variant="soft"),
            max_width="640px",
        ),
        open=S.viewing_open,
    )


@admin_page("/admin/deliveries", on_load=[S.load_deliveries])
def deliveries_page() -> rx.Component:
    return rx.vstack(
        rx.heading(t("admin.nav.deliveries"), size="6", as_="h1"),
        rx.text(t("admin.deliveries.intro"), color_scheme="gray", size="2"),
        rx.form(
            rx.hstack(
                rx.input(name="q", placeholder=t("admin.log.to"), aria_label=t("admin.log.to"), width="260px"),
                rx.el.select(
                    rx.el.option(t("admin.log.any_status"), value=""),
                    *[rx.el.option(x, value=x) for x in ("queued", "sent", "failed", "fallback")],
                    name="status", aria_label=t("admin.log.status"),
                    style={"padding": "0.4em", "border_radius": "6px", "border": "1px solid var(--gray-7)"},
                ),
                rx.button(t("admin.search"), type="submit", variant="soft"),
                spacing="2",
                wrap="wrap",
            ),
            on_submit=S.filter_deliveries,
        ),
        data_table(S.deliveries, [
            ("admin.log.when", text_cell("when")), ("admin.log.channel", text_cell("channel")),
            ("admin.log.to", text_cell("to")), ("admin.log.template", text_cell("template")),
            ("admin.log.status", _status_badge), ("admin.log.provider", text_cell("provider")),
            ("admin.log.error", text_cell("error")),
            ("admin.log.view", lambda r: rx.button(t("admin.log.view"), size="1", variant="ghost",
                                                   on_click=S.view_message(r["id"].to(int)))),
        ]),
        pager(S.page, S.pages, S.total, S.deliveries_page(-1), S.deliveries_page(1)),
        _message_dialog(),
        spacing="4",
        width="100%",
    )


@admin_page("/admin/attempts", on_load=[S.load_attempts])
def attempts_page() -> rx.Component:
    return rx.vstack(
        rx.heading(t("admin.nav.attempts"), size="6", as_="h1"),
        rx.form(
            rx.hstack(rx.input(name="q", placeholder=t("admin.contact.email"), aria_label=t("admin.contact.email"),
                               width="260px"),
                      rx.button(t("admin.search"), type="submit", variant="soft"), spacing="2"),
            on_submit=S.filter_attempts,
        ),
        data_table(S.attempts, [
            ("admin.log.when", text_cell("when")), ("admin.contact.email", text_cell("email")),
            ("admin.log.kind", text_cell("kind")), ("admin.log.outcome", text_cell("outcome")),
            ("admin.log.ip", text_cell("ip")),
        ]),
        spacing="4",
        width="100%",
    )


@admin_page("/admin/audit", on_load=[S.load_audit])
def audit_page() -> rx.Component:
    return rx.vstack(
        rx.heading(t("admin.nav.audit"), size="6", as_="h1"),
        rx.form(
            rx.hstack(rx.input(name="q", placeholder=t("admin.log.action"), aria_label=t("admin.log.action"),
                               width="260px"),
                      rx.button(t("admin.search"), type="submit", variant="soft"), spacing="2"),
            on_submit=S.filter_audit,
        ),
        data_table(S.events, [
            ("admin.log.when", text_cell("when")), ("admin.log.actor", text_cell("actor")),
            ("admin.log.as_contact", text_cell("as_contact")), ("admin.log.action", text_cell("action")),
            ("admin.log.target", text_cell("target")), ("admin.log.account", text_cell("account")),
            ("admin.log.ip", text_cell("ip")),
        ]),
        pager(S.page, S.pages, S.total, S.audit_page(-1), S.audit_page(1)),
        spacing="4",
        width="100%",
    )
