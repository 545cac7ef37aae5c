"""Customer messages: the threads, a new message (subject, text, attachments), one thread with replies."""

import reflex as rx

from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, portal_page
from portal_app.core.ui.basics import alert, back_link, column, field, link_button, pager
from portal_app.core.ui.unread import count_badge
from portal_app.core.ui.conversation import body_field, compose, customer_entry
from portal_app.messages.components import status_badge
from portal_app.messages.state import UPLOAD_ID, MessagesCountState, MessagesState, ThreadsState
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import SiteState

S = MessagesState
L = ThreadsState


def _messages_badge() -> rx.Component:
    return count_badge(MessagesCountState.count, MessagesCountState.load_message_count, PortalState.authed)


def _business(text_key: str) -> rx.Var:
    return SiteState.tr[text_key].to(str).replace("{business}", SiteState.brand_name)


def _thread_row(th: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.link(
            rx.flex(
                rx.vstack(
                    rx.hstack(
                        rx.text(th.subject, weight=rx.cond(th.unread, "bold", "medium"), overflow_wrap="anywhere"),
                        rx.cond(th.unread, rx.badge(t("messages.unread"), color_scheme="green")),
                        spacing="2", wrap="wrap", align="center",
                    ),
                    rx.text(th.sender, " · ", th.when, size="1", color_scheme="gray"),
                    spacing="1", flex="1", min_width="0",
                ),
                status_badge(th.status),
                align="center", spacing="3", width="100%",
            ),
            href="/messages/thread?id=" + th.id.to(str),
            underline="none",
            color="inherit",
            style={"display": "block", "padding": "0.75em 0"},
        ),
        style={"list_style": "none", "border_bottom": "1px solid var(--gray-4)",
               "&:last-child": {"border_bottom": "none"}},
    )


@portal_page("/messages", on_load=[L.load_list],
             nav=NavEntry("nav.messages", "/messages", "message_square", 60, module="messages",
                          badge=_messages_badge))
def messages_page() -> rx.Component:
    return column(
        rx.flex(
            rx.vstack(rx.heading(t("messages.title"), size="7", as_="h1"),
                      rx.text(_business("messages.intro"), color_scheme="gray"), spacing="1"),
            rx.spacer(),
            link_button(rx.icon("pen_line", size=16), t("messages.new"), href="/messages/new", id="new-message"),
            align="center", spacing="3", wrap="wrap", width="100%",
        ),
        alert(L.error_text, "error"),
        rx.cond(
            L.rows.length() > 0,
            rx.card(rx.el.ul(rx.foreach(L.rows, _thread_row), style={"margin": "0", "padding": "0"}),
                    width="100%"),
            rx.card(
                rx.vstack(
                    rx.icon("message_square", size=28, color="var(--gray-9)"),
                    rx.text(t("messages.empty_title"), weight="bold"),
                    rx.text(_business("messages.empty_text"), color_scheme="gray", size="2", text_align="center"),
                    rx.link(t("messages.new"), href="/messages/new"),
                    align="center", spacing="2", padding="1.5em",
                ),
                width="100%",
            ),
        ),
        rx.cond(L.pages > 1, pager(L.page, L.pages, L.total, L.prev_page, L.next_page)),
    )


@portal_page("/messages/new", on_load=[S.load_new])
def new_message_page() -> rx.Component:
    return column(
        back_link("messages.back", "/messages"),
        rx.heading(t("messages.new"), size="7", as_="h1"),
        alert(S.error_text, "error"),
        compose(S, UPLOAD_ID, column(field("messages.subject", "subject", required=True, max_length=200),
                                     body_field("messages.body"), spacing="3"),
                S.send_new, form_id="new-message-form", send_key="messages.send", button_id="send-message",
                reset_on_submit=False, spacing="4"),
    )


def _entry(entry: rx.Var) -> rx.Component:
    return customer_entry(entry, S.files, attachments_base="/api/message-attachments/")


@portal_page("/messages/thread", on_load=[S.load_thread])
def thread_page() -> rx.Component:
    return column(
        back_link("messages.back", "/messages"),
        alert(S.notice_text, "success"),
        alert(S.error_text, "error"),
        rx.cond(
            S.thread_id > 0,
            column(
                rx.hstack(rx.heading(S.head.subject, size="6", as_="h1", overflow_wrap="anywhere"),
                          status_badge(S.head.status), align="center", spacing="3", wrap="wrap"),
                rx.cond(S.head.status == "handled", rx.text(_business("messages.handled_note"), size="2",
                                                       color_scheme="gray")),
                rx.vstack(rx.foreach(S.entries, _entry), spacing="3", width="100%", id="thread"),
                compose(S, UPLOAD_ID, body_field("messages.your_reply"), S.send_reply, form_id="reply-form",
                        send_key="messages.send", button_id="send-reply", heading_key="messages.reply"),
            ),
        ),
    )
