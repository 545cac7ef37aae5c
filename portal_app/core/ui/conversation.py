"""Pieces every conversation page shares (messages and tickets, customer and console): an attachment
link, the attachments picker, the text field, writing an entry, and one entry of a conversation."""

from __future__ import annotations

import reflex as rx

from portal_app.core.conversations.attachments import ATTACHMENTS_PER_ENTRY
from portal_app.core.states.site import SiteState
from portal_app.core.ui.api import api_url
from portal_app.core.ui.basics import LABEL_STYLE, brand_button, column
from portal_app.core.ui.dropzone import dropzone
from portal_app.core.ui.i18n import t

def attachment_link(att: rx.Var, base: str = "/api/message-attachments/") -> rx.Component:
    return rx.el.a(
        rx.icon("paperclip", size=14), att.title, rx.text(" (", att.size, ")", as_="span", color_scheme="gray"),
        href=api_url(base + att.id.to(str) + rx.cond(att.inline, "?inline=1", "")),
        target="_blank", rel="noopener noreferrer",
        style={"display": "inline-flex", "align_items": "center", "gap": "0.3em", "font_size": "0.85em",
               "overflow_wrap": "anywhere", "color": "var(--accent-11)"},
    )


def attachments_picker(state, upload_id: str) -> rx.Component:
    """Files are uploaded as soon as they are chosen, then go with the next message sent. `state` mixes
    in ConversationPage and has the handlers `upload_attachments`, `set_upload_progress`, `remove_attachment`."""
    return rx.vstack(
        rx.text(t("messages.attachments"), weight="medium", size="2"),
        dropzone(upload_id, "messages.drop", "paperclip", multiple=True, max_files=ATTACHMENTS_PER_ENTRY,
                 on_drop=state.upload_attachments(rx.upload_files_chunk(
                     upload_id=upload_id, on_upload_progress=state.set_upload_progress))),
        rx.text(state.attach_help, size="1", color_scheme="gray"),
        rx.cond(state.uploading,
                rx.progress(value=state.upload_percent, max=100, width="100%", aria_label=t("messages.attach"))),
        rx.el.ul(
            rx.foreach(state.staged, lambda a: rx.el.li(
                rx.hstack(
                    rx.icon("paperclip", size=14),
                    rx.text(a.title, size="2", overflow_wrap="anywhere"),
                    rx.text(a.size, size="1", color_scheme="gray"),
                    rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="red",
                                   on_click=state.remove_attachment(a.id),
                                   aria_label=SiteState.tr["messages.remove_file"].to(str).replace("{name}", a.title)),
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


def body_field(label_key: str, input_id: str = "f-body", rows: str = "6") -> rx.Component:
    """The message text, labelled (people and tests find it by its label)."""
    return rx.vstack(
        rx.el.label(t(label_key), html_for=input_id, style=LABEL_STYLE),
        rx.text_area(id=input_id, name="body", required=True, rows=rows, width="100%", max_length=5000),
        spacing="1",
        width="100%",
    )


def thread_entry(entry: rx.Var, files: rx.Var, header: rx.Component, *, attachments_base: str, indent: str,
                 **props) -> rx.Component:
    """One message of a thread with its files; the reader's own messages are tinted and set off."""
    return rx.box(
        header,
        rx.text(entry.body, white_space="pre-wrap", overflow_wrap="anywhere", size="2", margin_top="0.4em"),
        rx.hstack(
            rx.foreach(files, lambda f: rx.cond(f.message_id == entry.id, attachment_link(f, attachments_base))),
            spacing="3", wrap="wrap", margin_top="0.4em",
        ),
        padding="0.85em 1em",
        border_radius="8px",
        # Staff internal notes (the console only) stand out: customers never see them.
        background=rx.cond(entry.internal, "var(--amber-3)",
                           rx.cond(entry.mine, "var(--accent-3)", "var(--color-panel-solid)")),
        border=rx.cond(entry.internal, "1px dashed var(--amber-8)", "1px solid var(--gray-5)"),
        margin_inline_start=rx.cond(entry.mine, indent, "0"),
        margin_inline_end=rx.cond(entry.mine, "0", indent),
        align_self="stretch",
        **props,
    )


def compose(state, upload_id: str, fields: rx.Component, on_submit, *, form_id: str, send_key: str, button_id: str,
            heading_key: str | None = None, reset_on_submit: bool = True, spacing: str = "3") -> rx.Component:
    """A message being written, in a card: an optional heading, its fields (a form), the files going with
    it, and the send button (it waits while files are still uploading)."""
    return rx.card(
        column(
            *([rx.heading(t(heading_key), size="4", as_="h2")] if heading_key else []),
            rx.form(fields, id=form_id, on_submit=on_submit, reset_on_submit=reset_on_submit, key=state.form_version,
                    width="100%"),
            attachments_picker(state, upload_id),
            brand_button(rx.icon("send", size=16), t(send_key), type="submit", form=form_id, id=button_id,
                         disabled=state.uploading),
            spacing=spacing,
        ),
        width="100%",
    )


def customer_entry(entry: rx.Var, files: rx.Var, *, attachments_base: str) -> rx.Component:
    """One entry as a customer reads it: their side's by name, the business's as "Name (Business)" (or the
    business's name when staff have none)."""
    header = rx.hstack(
        rx.text(rx.cond(entry.mine, entry.author,
                        rx.cond(entry.author != "",
                                SiteState.tr["messages.from_business"].to(str).replace("{name}", entry.author)
                                .replace("{business}", SiteState.brand_name),
                                SiteState.brand_name)), weight="bold", size="2"),
        rx.spacer(),
        rx.text(entry.when, size="1", color_scheme="gray"),
        width="100%", wrap="wrap",
    )
    return thread_entry(entry, files, header, attachments_base=attachments_base, indent="min(10%, 3em)",
                        class_name="thread-entry")


def staff_entry(entry: rx.Var, files: rx.Var, *, attachments_base: str) -> rx.Component:
    """One entry as staff read it: staff's own marked, internal notes marked as such."""
    header = rx.hstack(
        rx.text(rx.cond(entry.author != "", entry.author, t("admin.inbox.staff_badge")), weight="bold", size="2"),
        rx.cond(entry.internal, rx.badge(t("admin.internal_note"), size="1", color_scheme="amber"),
                rx.cond(entry.mine, rx.badge(t("admin.inbox.staff_badge"), size="1", variant="soft"))),
        rx.spacer(),
        rx.text(entry.when, size="1", color_scheme="gray"),
        width="100%", wrap="wrap", align="center",
    )
    return thread_entry(entry, files, header, attachments_base=attachments_base, indent="3em")
