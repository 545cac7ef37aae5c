"""Console: delivery log, login attempts and audit log."""

import reflex as rx

from portal_app.console.logs import DELIVERY_STATUSES
from portal_app.console.logs_state import AdminAttemptsState, AdminAuditState, AdminLogsState
from portal_app.core.ui.basics import keyed_badge, options, select
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page
from portal_app.core.ui.tables import list_page, text_cell

S = AdminLogsState
STATUS_COLOURS = {"sent": "green", "failed": "red", "fallback": "orange"}


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


def _status_filter() -> rx.Component:
    return select(*options([("", "admin.log.any_status")]), *options(DELIVERY_STATUSES, "admin.log.status."),
                  name="status", aria_label=t("admin.log.status"), style={"width": "auto"})


def _log_page(title_key: str, state, columns, search_key: str, *, intro_key: str | None = None,
              filters: list[rx.Component] | None = None, extra: tuple[rx.Component, ...] = ()) -> rx.Component:
    return rx.vstack(
        rx.heading(t(title_key), size="6", as_="h1"),
        *([rx.text(t(intro_key), color_scheme="gray", size="2")] if intro_key else []),
        list_page(state, columns, search_key=search_key, filters=filters),
        *extra,
        spacing="4",
        width="100%",
    )


@admin_page("/admin/deliveries", on_load=[S.load_list], area=S.area)
def deliveries_page() -> rx.Component:
    return _log_page("admin.nav.deliveries", S, [
        ("admin.log.when", text_cell("when")), ("admin.log.channel", text_cell("channel")),
        ("admin.log.to", text_cell("recipient")), ("admin.log.template", text_cell("template")),
        ("admin.log.status", lambda r: keyed_badge(r.status, "admin.log.status.", STATUS_COLOURS)),
        ("admin.log.provider", text_cell("provider")), ("admin.log.error", text_cell("error")),
        ("admin.log.view", lambda r: rx.button(t("admin.log.view"), size="1", variant="ghost",
                                               on_click=S.view_message(r.id))),
    ], "admin.log.to", intro_key="admin.deliveries.intro", filters=[_status_filter()], extra=(_message_dialog(),))


@admin_page("/admin/attempts", on_load=[AdminAttemptsState.load_list], area=AdminAttemptsState.area)
def attempts_page() -> rx.Component:
    return _log_page("admin.nav.attempts", AdminAttemptsState, [
        ("admin.log.when", text_cell("when")), ("admin.contact.email", text_cell("email")),
        ("admin.log.kind", text_cell("kind")), ("admin.log.outcome", text_cell("outcome")),
        ("admin.log.ip", text_cell("ip")),
    ], "admin.contact.email")


@admin_page("/admin/audit", on_load=[AdminAuditState.load_list], area=AdminAuditState.area)
def audit_page() -> rx.Component:
    return _log_page("admin.nav.audit", AdminAuditState, [
        ("admin.log.when", text_cell("when")), ("admin.log.actor", text_cell("actor")),
        ("admin.log.as_contact", text_cell("as_contact")), ("admin.log.action", text_cell("action")),
        ("admin.log.target", text_cell("target")), ("admin.log.account", text_cell("account")),
        ("admin.log.ip", text_cell("ip")),
    ], "admin.log.action")
