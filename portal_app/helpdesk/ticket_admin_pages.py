"""Console tickets: the queue (filters, search, bulk status and assignment), one ticket (reply, internal
note, workflow), and the ticket settings."""

import reflex as rx

from portal_app.core.states.staff import StaffState
from portal_app.core.ui.basics import (
    LABEL_STYLE, back_link, brand_button, checkbox_field, column, field, form_grid, page_header, pager, saved_row,
)
from portal_app.core.ui.conversation import body_field, compose, staff_entry
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, admin_page
from portal_app.core.ui.tables import list_page, text_cell
from portal_app.core.ui.unread import count_badge
from portal_app.helpdesk.ticket_admin_state import (
    UPLOAD_ID, AdminInboundState, AdminTicketSettingsState, AdminTicketsState, AdminTicketState,
    TicketQueueCountState,
)
from portal_app.helpdesk.ticket_components import filter_select, option_select, priority_badge, status_badge

S = AdminTicketsState
T = AdminTicketState
M = AdminInboundState
C = AdminTicketSettingsState


def _queue_badge() -> rx.Component:
    return count_badge(TicketQueueCountState.count, TicketQueueCountState.load_ticket_count, StaffState.staff_authed)


def _filter(name: str, all_key: str, choices: rx.Var, *extra: rx.Component) -> rx.Component:
    return filter_select(S, name, all_key, choices, *extra)


def _select_cell(r: rx.Var) -> rx.Component:
    return rx.checkbox(checked=S.selected.contains(r.id), on_change=lambda _: S.toggle(r.id),
                       aria_label=t("admin.tickets.select") + " " + r.number)


def _title_cell(r: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(r.number, color_scheme="gray", size="2"),
        rx.link(r.title, href="/admin/tickets?ticket=" + r.id.to(str), weight=rx.cond(r.unread, "bold", "regular")),
        rx.cond(r.unread, rx.badge(t("admin.tickets.unread"), color_scheme="green")),
        rx.cond(r.billed, rx.badge(t("tickets.billed"), color_scheme="purple")),
        spacing="2", align="center", wrap="wrap",
    )


def _bulk_bar() -> rx.Component:
    return rx.cond(
        S.selected.length() > 0,
        rx.card(
            rx.hstack(
                rx.text(t("admin.tickets.selected"), " ", S.selected.length(), weight="medium", size="2"),
                rx.form(rx.hstack(option_select("bulk_status", "", S.status_options, aria_label=t("admin.tickets.bulk_status"),
                                                style={"width": "auto"}),
                                  rx.button(t("admin.tickets.bulk_status"), type="submit", variant="soft"),
                                  spacing="2", align="center"),
                        on_submit=S.bulk_status, id="bulk-status-form"),
                rx.form(rx.hstack(option_select("bulk_assignee", "admin.tickets.nobody", S.staff_options,
                                                aria_label=t("admin.tickets.bulk_assign"), style={"width": "auto"}),
                                  rx.button(t("admin.tickets.bulk_assign"), type="submit", variant="soft"),
                                  spacing="2", align="center"),
                        on_submit=S.bulk_assign, id="bulk-assign-form"),
                spacing="4", wrap="wrap", align="center",
            ),
            width="100%",
        ),
    )


def _waiting_mail(m: rx.Var) -> rx.Component:
    return rx.box(
        rx.hstack(rx.text(m.sender, weight="bold", size="2", overflow_wrap="anywhere"), rx.spacer(),
                  rx.text(m.when, size="1", color_scheme="gray"), width="100%", wrap="wrap"),
        rx.text(m.subject, weight="medium", size="2"),
        rx.text(m.excerpt, size="2", color_scheme="gray", white_space="pre-wrap", overflow_wrap="anywhere"),
        rx.hstack(
            rx.form(rx.hstack(rx.el.input(type="hidden", name="mail_id", value=m.id.to(str)),
                              option_select("account_id", "", M.account_options,
                                            aria_label=t("admin.tickets.inbound_account"), style={"width": "auto"}),
                              rx.button(t("admin.tickets.inbound_accept"), type="submit", variant="soft"),
                              spacing="2", align="center", wrap="wrap"),
                    on_submit=M.accept_mail),
            rx.button(t("admin.tickets.inbound_discard"), on_click=M.discard_mail(m.id), variant="ghost",
                      color_scheme="red"),
            spacing="3", wrap="wrap", align="center", margin_top="0.4em",
        ),
        padding="0.75em 0", border_bottom="1px solid var(--gray-4)", width="100%",
    )


def _waiting() -> rx.Component:
    return rx.cond(
        M.total > 0,
        rx.card(
            column(
                rx.heading(t("admin.tickets.inbound_title"), " (", M.total, ")", size="3", as_="h2"),
                rx.text(t("admin.tickets.inbound_help"), size="2", color_scheme="gray"),
                rx.foreach(M.rows, _waiting_mail),
                rx.cond(M.pages > 1, pager(M.page, M.pages, M.total, M.prev_page, M.next_page)),
                spacing="2",
            ),
            width="100%", id="waiting-mail",
        ),
    )


def _queue() -> rx.Component:
    filters = [
        _filter("status", "admin.tickets.not_closed", S.status_options,
                rx.el.option(t("admin.tickets.all_statuses"), value="all")),
        _filter("priority", "tickets.all_priorities", S.priority_options),
        _filter("type", "admin.tickets.all_types", S.type_options),
        _filter("account", "admin.tickets.all_accounts", S.account_options),
        _filter("assignee", "admin.tickets.anyone", S.staff_options,
                rx.el.option(t("admin.tickets.mine"), value="me"),
                rx.el.option(t("admin.tickets.unassigned"), value="none")),
    ]
    return column(
        _waiting(),
        _bulk_bar(),
        list_page(S, [
            ("admin.tickets.col_select", _select_cell),
            ("admin.tickets.col_title", _title_cell),
            ("admin.tickets.col_account", text_cell("account")),
            ("admin.tickets.col_contact", text_cell("contact")),
            ("admin.tickets.col_status", lambda r: status_badge(r.status, r.status_label)),
            ("admin.tickets.col_priority", lambda r: priority_badge(r.priority, r.priority_label)),
            ("admin.tickets.col_assignee", text_cell("assignee")),
            ("admin.tickets.col_age", text_cell("age")),
            ("admin.tickets.col_last", text_cell("when")),
        ], search_key="admin.tickets.search", filters=filters, empty_key="admin.tickets.empty"),
    )


def _entry(entry: rx.Var) -> rx.Component:
    return staff_entry(entry, T.files, attachments_base="/api/admin/ticket-attachments/")


def _labelled(label_key: str, name: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.el.label(t(label_key), html_for=f"f-{name}", style=LABEL_STYLE), control, spacing="1",
                     width="100%")


def _details() -> rx.Component:
    h = T.head
    return rx.card(
        rx.form(
            column(
                form_grid(
                    _labelled("admin.tickets.col_status", "status",
                              option_select("status", "", T.status_options, id="f-status", default_value=h.status)),
                    _labelled("admin.tickets.col_priority", "priority",
                              option_select("priority", "", T.priority_options, id="f-priority",
                                            default_value=h.priority)),
                    _labelled("tickets.field_type", "type",
                              option_select("type", "", T.type_options, id="f-type", default_value=h.type)),
                    _labelled("admin.tickets.col_assignee", "assignee",
                              option_select("assignee", "admin.tickets.nobody", T.staff_options, id="f-assignee",
                                            default_value=h.assignee)),
                    columns="4",
                ),
                rx.hstack(checkbox_field("admin.tickets.billed_flag", "billed", h.billed), rx.spacer(),
                          rx.button(t("admin.save"), type="submit", variant="soft", id="save-ticket"),
                          width="100%", align="center", wrap="wrap"),
                spacing="3",
            ),
            on_submit=T.save_details,
            key=T.details_version,
            reset_on_submit=False,
        ),
        width="100%",
    )


def _ticket() -> rx.Component:
    return column(
        back_link("admin.tickets.back", "/admin/tickets"),
        rx.flex(
            rx.text(T.head.number, color_scheme="gray", size="4"),
            rx.heading(T.head.title, size="5", as_="h2", overflow_wrap="anywhere"),
            status_badge(T.head.status, T.head.status_label),
            priority_badge(T.head.priority, T.head.priority_label),
            rx.cond(T.head.billed, rx.badge(t("tickets.billed"), color_scheme="purple")),
            align="center", spacing="3", wrap="wrap", width="100%",
        ),
        rx.text(T.head.contact_name, " · ", T.head.contact_email, " · ",
                rx.link(T.head.account_name, href="/admin/account?id=" + T.head.account_id.to(str)),
                rx.cond(T.head.age != "", rx.text(" · ", t("admin.tickets.col_age"), " ", T.head.age, as_="span")),
                size="2", color_scheme="gray"),
        _details(),
        rx.vstack(rx.foreach(T.entries, _entry), spacing="3", width="100%", id="thread"),
        compose(T, UPLOAD_ID, column(body_field("admin.tickets.your_entry", "f-reply", rows="5"),
                                     checkbox_field("admin.tickets.internal", "internal", False), spacing="2"),
                T.send_entry, form_id="staff-ticket-form", send_key="admin.tickets.send",
                button_id="send-staff-entry"),
    )


@admin_page("/admin/tickets", on_load=[T.load_ticket, S.load_queue, M.load_list],
            nav=NavEntry("admin.nav.tickets", "/admin/tickets", "life_buoy", 44, badge=_queue_badge), area=S.area)
def tickets_queue_page() -> rx.Component:
    return column(
        rx.heading(t("admin.nav.tickets"), size="6", as_="h1"),
        rx.cond(T.thread_id > 0, _ticket(), _queue()),
    )


def _lines(label_key: str, help_key: str, name: str, value: rx.Var, rows: str = "5") -> rx.Component:
    return rx.vstack(
        rx.el.label(t(label_key), html_for=f"f-{name}", style=LABEL_STYLE),
        rx.text_area(id=f"f-{name}", name=name, default_value=value, rows=rows, width="100%",
                     style={"font_family": "var(--code-font-family)"}),
        rx.text(t(help_key), size="1", color_scheme="gray"),
        spacing="1", width="100%",
    )


@admin_page("/admin/ticket-settings", on_load=[C.load_settings],
            nav=NavEntry("admin.nav.ticket_settings", "/admin/ticket-settings", "list_checks", 95), area=C.area)
def ticket_settings_page() -> rx.Component:
    form = rx.form(
        column(
            form_grid(_lines("admin.tickets.types", "admin.tickets.lines_help", "types", C.types),
                      _lines("admin.tickets.priorities", "admin.tickets.lines_help", "priorities", C.priorities)),
            _lines("admin.tickets.statuses", "admin.tickets.statuses_help", "statuses", C.statuses, rows="7"),
            checkbox_field("admin.tickets.reopen_allowed", "reopen_allowed", C.reopen_allowed),
            field("admin.tickets.notify_email", "notify_email", type="email", default_value=C.notify_email),
            saved_row(brand_button(t("admin.save"), type="submit"), C.saved),
            spacing="4",
        ),
        on_submit=C.save_settings, key=C.form_version, reset_on_submit=False, width="100%",
    )
    return column(page_header("admin.nav.ticket_settings"), rx.card(form, width="100%"))
