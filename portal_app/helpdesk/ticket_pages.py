"""Customer tickets: the list (filters, search), a new ticket (title, type, priority, text, files), one
ticket with its replies, "mark as resolved" and "reopen"."""

import reflex as rx

from portal_app.core.ui.basics import link_button
from portal_app.core.ui.basics import (
    LABEL_STYLE, alert, back_link, column, field, form_grid, pager, search_form,
)
from portal_app.core.ui.conversation import body_field, compose, customer_entry
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, portal_page
from portal_app.helpdesk.kb_components import suggestion_list
from portal_app.helpdesk.ticket_components import (
    filter_select, option_select, priority_badge, status_badge, ticket_line,
)
from portal_app.helpdesk.ticket_state import UPLOAD_ID, TicketState, TicketsState

S = TicketState
L = TicketsState


def _filter(name: str, all_key: str, choices: rx.Var) -> rx.Component:
    return filter_select(L, name, all_key, choices)


@portal_page("/tickets", on_load=[L.load_list],
             nav=NavEntry("nav.tickets", "/tickets", "life_buoy", 55, module="tickets", right_needed=False))
def tickets_page() -> rx.Component:
    return column(
        rx.flex(
            rx.vstack(rx.heading(t("tickets.title"), size="7", as_="h1"),
                      rx.text(t("tickets.intro"), color_scheme="gray"), spacing="1"),
            rx.spacer(),
            link_button(rx.icon("plus", size=16), t("tickets.new"), href="/tickets/new", id="new-ticket"),
            align="center", spacing="3", wrap="wrap", width="100%",
        ),
        alert(L.error_text, "error"),
        search_form(L.search, "tickets.search",
                    _filter("status", "tickets.all_statuses", L.status_options),
                    _filter("priority", "tickets.all_priorities", L.priority_options),
                    rx.cond(L.contact_options.length() > 0,
                            _filter("contact", "tickets.all_contacts", L.contact_options))),
        rx.cond(
            L.rows.length() > 0,
            rx.card(rx.el.ul(rx.foreach(L.rows, lambda r: ticket_line(r, "/tickets/view?id=" + r.id.to(str))),
                             style={"margin": "0", "padding": "0"}, id="tickets"),
                    width="100%"),
            rx.card(
                rx.vstack(
                    rx.icon("life_buoy", size=28, color="var(--gray-9)"),
                    rx.text(t("tickets.empty_title"), weight="bold"),
                    rx.link(t("tickets.new"), href="/tickets/new"),
                    align="center", spacing="2", padding="1.5em",
                ),
                width="100%",
            ),
        ),
        rx.cond(L.pages > 1, pager(L.page, L.pages, L.total, L.prev_page, L.next_page)),
    )


def _labelled_select(label_key: str, name: str, choices: rx.Var, value: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.el.label(t(label_key), html_for=f"f-{name}", style=LABEL_STYLE),
        option_select(name, "", choices, id=f"f-{name}", default_value=value, key=value),
        spacing="1", width="100%",
    )


@portal_page("/tickets/new", on_load=[S.load_new])
def new_ticket_page() -> rx.Component:
    return column(
        back_link("tickets.back", "/tickets"),
        rx.heading(t("tickets.new"), size="7", as_="h1"),
        alert(S.notice_text, "success"),
        alert(S.error_text, "error"),
        compose(S, UPLOAD_ID, column(
            field("tickets.field_title", "title", required=True, max_length=200,
                  on_change=S.suggest_articles.debounce(350)),
            suggestion_list(S.suggestions, S.answered_by_article),
            form_grid(_labelled_select("tickets.field_type", "type", S.type_options, S.default_type),
                      _labelled_select("tickets.field_priority", "priority", S.priority_options, S.default_priority)),
            body_field("tickets.field_body"),
            spacing="3"),
            S.send_new, form_id="new-ticket-form", send_key="tickets.send", button_id="send-ticket",
            reset_on_submit=False, spacing="4"),
    )


def _entry(entry: rx.Var) -> rx.Component:
    return customer_entry(entry, S.files, attachments_base="/api/ticket-attachments/")


@portal_page("/tickets/view", on_load=[S.load_ticket])
def ticket_page() -> rx.Component:
    return column(
        back_link("tickets.back", "/tickets"),
        alert(S.notice_text, "success"),
        alert(S.error_text, "error"),
        rx.cond(
            S.thread_id > 0,
            column(
                rx.flex(
                    rx.vstack(
                        rx.hstack(rx.text(S.head.number, color_scheme="gray", size="4"),
                                  rx.heading(S.head.title, size="6", as_="h1", overflow_wrap="anywhere"),
                                  align="baseline", spacing="2", wrap="wrap"),
                        rx.hstack(status_badge(S.head.status, S.head.status_label),
                                  priority_badge(S.head.priority, S.head.priority_label),
                                  rx.badge(S.head.type_label, variant="surface", color_scheme="gray"),
                                  rx.cond(S.head.billed, rx.badge(t("tickets.billed"), color_scheme="purple")),
                                  spacing="2", wrap="wrap"),
                        spacing="2", flex="1", min_width="0",
                    ),
                    rx.cond(S.head.can_resolve,
                            rx.button(rx.icon("check", size=14), t("tickets.mark_resolved"), on_click=S.resolve_ticket,
                                      variant="soft", color_scheme="green", id="resolve-ticket")),
                    rx.cond(S.head.can_reopen,
                            rx.button(rx.icon("rotate_ccw", size=14), t("tickets.reopen"), on_click=S.reopen_ticket,
                                      variant="soft", id="reopen-ticket")),
                    align="start", spacing="3", wrap="wrap", width="100%",
                ),
                rx.cond(S.head.billed, rx.text(t("tickets.billed_note"), size="2", color_scheme="gray")),
                rx.cond(S.head.closed & ~S.head.billed,
                        rx.text(rx.cond(S.head.can_reply, t("tickets.closed_note_reopen"), t("tickets.closed_note")),
                                size="2", color_scheme="gray")),
                rx.vstack(rx.foreach(S.entries, _entry), spacing="3", width="100%", id="thread"),
                rx.cond(S.head.can_reply,
                        compose(S, UPLOAD_ID, body_field("tickets.your_reply"), S.send_reply, form_id="reply-form",
                                send_key="tickets.send_reply", button_id="send-reply", heading_key="tickets.reply")),
            ),
        ),
    )
