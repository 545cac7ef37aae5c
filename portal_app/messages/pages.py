"""Customer messages: the threads, a new message (subject, text, attachments), one thread with replies."""

import reflex as rx

from portal_app.core.ui.api import api_url
from portal_app.core.ui.dropzone import dropzone
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, portal_page
from portal_app.core.ui.basics import alert, brand_button, field, pager
from portal_app.core.ui.unread import count_badge
from portal_app.messages.state import UPLOAD_ID, MessagesState
from portal_app.messages.state import MessagesCountState
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import SiteState

S = MessagesState


def _messages_badge() -> rx.Component:
    return count_badge(MessagesCountState.unread_messages, MessagesCountState.load_message_count, PortalState.authed)


def status_badge(status: rx.Var) -> rx.Component:
    return rx.cond(status == "handled", rx.badge(t("messages.status_handled"), color_scheme="gray"),
                   rx.badge(t("messages.status_open"), color_scheme="blue"))


def _business(text_key: str) -> rx.Var:
    return SiteState.tr[text_key].to(str).replace("{business}", SiteState.brand_name)


def _thread_row(th: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.link(
            rx.flex(
                rx.vstack(
                    rx.hstack(
                        rx.text(th["subject"], weight=rx.cond(th["unread"] != "", "bold", "medium"),
                                overflow_wrap="anywhere"),
                        rx.cond(th["unread"] != "", rx.badge(t("messages.unread"), color_scheme="green")),
                        spacing="2", wrap="wrap", align="center",
                    ),
                    rx.text(th["by"], " · ", th["when"], size="1", color_scheme="gray"),
                    spacing="1", flex="1", min_width="0",
                ),
                status_badge(th["status"]),
                align="center", spacing="3", width="100%",
            ),
            href="/messages/thread?id=" + th["id"],
            underline="none",
            color="inherit",
            style={"display": "block", "padding": "0.75em 0"},
        ),
        style={"list_style": "none", "border_bottom": "1px solid var(--gray-4)",
               "&:last-child": {"border_bottom": "none"}},
    )


@portal_page("/messages", on_load=[S.load_threads],
             nav=NavEntry("nav.messages", "/messages", "message_square", 60, module="messages",
                          badge=_messages_badge))
def messages_page() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(rx.heading(t("messages.title"), size="7", as_="h1"),
                      rx.text(_business("messages.intro"), color_scheme="gray"), spacing="1"),
            rx.spacer(),
            rx.link(brand_button(rx.icon("pen_line", size=16), t("messages.new"), tab_index=-1), href="/messages/new",
                    id="new-message"),
            align="center", spacing="3", wrap="wrap", width="100%",
        ),
        alert(S.error_text, "error"),
        rx.cond(
            S.threads.length() > 0,
            rx.card(rx.el.ul(rx.foreach(S.threads, _thread_row), style={"margin": "0", "padding": "0"}),
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
        rx.cond(S.pages > 1, pager(S.page, S.pages, S.total, S.prev_page, S.next_page)),
        spacing="4",
        width="100%",
    )


def attachment_link(att: rx.Var, base: str = "/api/message-attachments/") -> rx.Component:
    return rx.el.a(
        rx.icon("paperclip", size=14), att["title"], rx.text(" (", att["size"], ")", as_="span", color_scheme="gray"),
        href=api_url(base + att["id"] + rx.cond(att["inline"] != "", "?inline=1", "")),
        target="_blank", rel="noopener noreferrer",
        style={"display": "inline-flex", "align_items": "center", "gap": "0.3em", "font_size": "0.85em",
               "overflow_wrap": "anywhere", "color": "var(--accent-11)"},
    )


def attachments_picker(state, remove_handler, upload_handler, progress_handler, upload_id: str) -> rx.Component:
    """Files are uploaded as soon as they are chosen, then go with the next message sent."""
    return rx.vstack(
        rx.text(t("messages.attachments"), weight="medium", size="2"),
        dropzone(upload_id, "messages.drop", "paperclip", multiple=True, max_files=5,
                 on_drop=upload_handler(rx.upload_files_chunk(upload_id=upload_id,
                                                              on_upload_progress=progress_handler))),
        rx.text(state.attach_help, size="1", color_scheme="gray"),
        rx.cond(state.uploading,
                rx.progress(value=state.upload_percent, max=100, width="100%", aria_label=t("messages.attach"))),
        rx.el.ul(
            rx.foreach(state.staged, lambda a: rx.el.li(
                rx.hstack(
                    rx.icon("paperclip", size=14),
                    rx.text(a["title"], size="2", overflow_wrap="anywhere"),
                    rx.text(a["size"], size="1", color_scheme="gray"),
                    rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="red",
                                   on_click=remove_handler(a["id"].to(int)),
                                   aria_label=SiteState.tr["messages.remove_file"].to(str).replace("{name}",
                                                                                                   a["title"])),
                    align="center", spacing="2",
                ),
                style={"list_style": "none"},
            )),
            style={"margin": "0", "padding": "0"},
            id="staged-attachments",
        ),
        spacing="2",
        width="100%",
    )


def _body_field(label_key: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(t(label_key), html_for="f-body", style={"font_weight": "500", "font_size": "0.9em"}),
        rx.text_area(id="f-body", name="body", required=True, rows="6", width="100%", max_length=5000),
        spacing="1",
        width="100%",
    )


@portal_page("/messages/new", on_load=[S.load_new])
def new_message_page() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow_left", size=14), t("messages.back"), align="center", spacing="1"),
                href="/messages", size="2"),
        rx.heading(t("messages.new"), size="7", as_="h1"),
        alert(S.error_text, "error"),
        rx.card(
            rx.vstack(
                rx.form(
                    rx.vstack(
                        field("messages.subject", "subject", required=True, max_length=200),
                        _body_field("messages.body"),
                        spacing="3",
                        width="100%",
                    ),
                    id="new-message-form",
                    on_submit=S.send_new,
                    reset_on_submit=False,
                    key=S.form_version,
                    width="100%",
                ),
                attachments_picker(S, S.remove_attachment, S.upload_attachments, S.set_upload_progress, UPLOAD_ID),
                brand_button(rx.icon("send", size=16), t("messages.send"), type="submit", form="new-message-form",
                             id="send-message", disabled=S.uploading),
                spacing="4",
                width="100%",
            ),
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def _entry(entry: rx.Var) -> rx.Component:
    mine = entry["mine"] != ""
    return rx.box(
        rx.hstack(
            rx.text(rx.cond(mine, entry["author"],
                            rx.cond(entry["author"] != "",
                                    SiteState.tr["messages.from_business"].to(str).replace("{name}", entry["author"])
                                    .replace("{business}", SiteState.brand_name),
                                    SiteState.brand_name)), weight="bold", size="2"),
            rx.spacer(),
            rx.text(entry["when"], size="1", color_scheme="gray"),
            width="100%", wrap="wrap",
        ),
        rx.text(entry["body"], white_space="pre-wrap", overflow_wrap="anywhere", size="2", margin_top="0.4em"),
        rx.hstack(
            rx.foreach(S.files, lambda f: rx.cond(f["message_id"] == entry["id"], attachment_link(f))),
            spacing="3", wrap="wrap", margin_top="0.4em",
        ),
        padding="0.85em 1em",
        border_radius="8px",
        background=rx.cond(mine, "var(--accent-3)", "var(--color-panel-solid)"),
        border="1px solid var(--gray-5)",
        margin_inline_start=rx.cond(mine, "min(10%, 3em)", "0"),
        margin_inline_end=rx.cond(mine, "0", "min(10%, 3em)"),
        align_self="stretch",
        class_name="thread-entry",
    )


@portal_page("/messages/thread", on_load=[S.load_thread])
def thread_page() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow_left", size=14), t("messages.back"), align="center", spacing="1"),
                href="/messages", size="2"),
        alert(S.notice_text, "success"),
        alert(S.error_text, "error"),
        rx.cond(
            S.thread_id > 0,
            rx.vstack(
                rx.hstack(rx.heading(S.subject, size="6", as_="h1", overflow_wrap="anywhere"), status_badge(S.status),
                          align="center", spacing="3", wrap="wrap"),
                rx.cond(S.status == "handled", rx.text(_business("messages.handled_note"), size="2",
                                                       color_scheme="gray")),
                rx.vstack(rx.foreach(S.entries, _entry), spacing="3", width="100%", id="thread"),
                rx.card(
                    rx.vstack(
                        rx.heading(t("messages.reply"), size="4", as_="h2"),
                        rx.form(
                            _body_field("messages.your_reply"),
                            id="reply-form",
                            on_submit=S.send_reply,
                            reset_on_submit=True,
                            key=S.form_version,
                            width="100%",
                        ),
                        attachments_picker(S, S.remove_attachment, S.upload_attachments, S.set_upload_progress,
                                           UPLOAD_ID),
                        brand_button(rx.icon("send", size=16), t("messages.send"), type="submit", form="reply-form",
                                     id="send-reply", disabled=S.uploading),
                        spacing="3",
                        width="100%",
                    ),
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )
