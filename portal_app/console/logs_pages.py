"""Console: delivery log, login attempts and audit log."""

import reflex as rx

from portal_app.console.logs import CHANNELS, DELIVERY_STATUSES, PERIODS
from portal_app.console.logs_state import AdminAttemptsState, AdminAuditState, AdminLogsState
from portal_app.core.ui.basics import keyed_badge, options, select
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page
from portal_app.core.ui.tables import list_page, text_cell

S = AdminLogsState
STATUS_COLOURS = {"sent": "blue", "delivered": "green", "failed": "red", "fallback": "orange", "deferred": "orange",
                  "bounced": "red", "dropped": "red", "blocked": "red", "undelivered": "red", "spam_report": "red"}


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


def _filter(name: str, any_key: str, values, prefix: str, label_key: str) -> rx.Component:
    return select(*options([("", any_key)]), *options(values, prefix), name=name, aria_label=t(label_key),
                  style={"width": "auto"})


def _filters() -> list[rx.Component]:
    return [_filter("status", "admin.log.any_status", DELIVERY_STATUSES, "admin.log.status.", "admin.log.status"),
            _filter("channel", "admin.log.any_channel", CHANNELS, "admin.log.channel.", "admin.log.channel"),
            _filter("period", "admin.log.any_period", list(PERIODS), "admin.log.period.", "admin.log.period")]


def _contact_chip() -> rx.Component:
    return rx.cond(S.contact_filter > 0, rx.hstack(
        rx.badge(t("admin.log.contact_only"), " ", S.contact_filter_label, size="2"),
        rx.button(t("admin.log.all_contacts"), size="1", variant="ghost", on_click=S.clear_contact_filter),
        align="center"))


def _failure_notice() -> rx.Component:
    return rx.cond(S.failures_alarm, rx.callout(
        rx.text(t("admin.log.failures_alarm"), " (", S.failures_last_hour.to(str), ")"),
        icon="triangle_alert", color_scheme="red", role="alert", id="failures-alarm"))


def _send_again(row) -> rx.Component:
    return rx.cond(row.can_send_again, rx.button(t("admin.log.send_again"), size="1", variant="soft",
                                                 on_click=S.send_again(row.id)))


def _log_page(title_key: str, state, columns, search_key: str, *, intro_key: str | None = None,
              filters: list[rx.Component] | None = None, extra: tuple[rx.Component, ...] = (),
              before: tuple[rx.Component, ...] = ()) -> rx.Component:
    return rx.vstack(
        rx.heading(t(title_key), size="6", as_="h1"),
        *([rx.text(t(intro_key), color_scheme="gray", size="2")] if intro_key else []),
        *before,
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
        ("admin.log.reason", text_cell("reason")), ("admin.log.provider_answer", text_cell("answer")),
        ("admin.log.view", lambda r: rx.hstack(
            rx.button(t("admin.log.view"), size="1", variant="ghost", on_click=S.view_message(r.id)),
            _send_again(r), spacing="1")),
    ], "admin.log.to", intro_key="admin.deliveries.intro", filters=_filters(), extra=(_message_dialog(),),
        before=(_failure_notice(), _contact_chip()))


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
