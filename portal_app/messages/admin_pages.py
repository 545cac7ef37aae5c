"""Console: the messages inbox (open, handled), one thread with reply and "mark handled", and where
new customer messages are announced by email."""

import reflex as rx

from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, admin_page
from portal_app.core.ui.tables import data_table, text_cell
from portal_app.core.ui.basics import brand_button, pager
from portal_app.core.ui.unread import count_badge
from portal_app.messages.admin_state import UPLOAD_ID, AdminInboxState
from portal_app.messages.admin_state import InboxCountState
from portal_app.core.states.site import SiteState
from portal_app.core.states.staff import StaffState
from portal_app.messages.pages import attachment_link, attachments_picker, status_badge

S = AdminInboxState
SELECT_STYLE = {"padding": "0.4em", "border_radius": "6px", "border": "1px solid var(--gray-7)",
                "background": "var(--color-panel-solid)"}


def _inbox_badge() -> rx.Component:
    return count_badge(InboxCountState.inbox_unread, InboxCountState.load_inbox_count, StaffState.staff_authed)


def _subject_cell(r: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.link(r["subject"], href="/admin/inbox?thread=" + r["id"],
                weight=rx.cond(r["unread"] != "", "bold", "regular")),
        rx.cond(r["unread"] != "", rx.badge(t("admin.inbox.unread"), color_scheme="green")),
        spacing="2", align="center", wrap="wrap",
    )


def _list() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.el.select(
                rx.el.option(t("admin.inbox.filter_open"), value="open"),
                rx.el.option(t("admin.inbox.filter_handled"), value="handled"),
                rx.el.option(t("admin.inbox.filter_all"), value="all"),
                value=S.status_filter, on_change=S.set_status_filter, aria_label=t("admin.inbox.filter"),
                style=SELECT_STYLE,
            ),
            rx.form(
                rx.hstack(rx.input(name="q", placeholder=t("admin.inbox.search"), aria_label=t("admin.inbox.search"),
                                   width="260px"),
                          rx.button(rx.icon("search", size=16), t("admin.search"), type="submit", variant="soft"),
                          spacing="2"),
                on_submit=S.search,
                reset_on_submit=False,
            ),
            spacing="3", wrap="wrap", align="center",
        ),
        data_table(S.rows, [
            ("admin.inbox.col_subject", _subject_cell),
            ("admin.inbox.col_from", text_cell("from")),
            ("admin.inbox.col_account", text_cell("account")),
            ("admin.inbox.col_last", text_cell("when")),
            ("admin.inbox.col_status", lambda r: status_badge(r["status"])),
        ], empty_key="admin.inbox.empty"),
        rx.cond(S.pages > 1, pager(S.page, S.pages, S.total, S.prev_page, S.next_page)),
        _settings(),
        spacing="4",
        width="100%",
    )


def _settings() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("admin.inbox.settings"), size="3", as_="h2"),
                rx.el.label(t("admin.inbox.notify_email"), html_for="f-notify_email",
                            style={"font_weight": "500", "font_size": "0.9em"}),
                rx.hstack(
                    rx.input(id="f-notify_email", name="notify_email", type="email", default_value=S.notify_email,
                             placeholder=S.owner_email, width="320px", max_width="100%"),
                    rx.button(t("admin.save"), type="submit", variant="soft"),
                    spacing="2", wrap="wrap",
                ),
                rx.text(SiteState.tr["admin.inbox.notify_help"].to(str).replace("{owner}", S.owner_email), size="1",
                        color_scheme="gray"),
                spacing="2",
            ),
            on_submit=S.save_settings,
            key=S.settings_version,
            reset_on_submit=False,
        ),
        width="100%",
    )


def _entry(entry: rx.Var) -> rx.Component:
    mine = entry["staff"] != ""
    return rx.box(
        rx.hstack(
            rx.text(rx.cond(entry["author"] != "", entry["author"], t("admin.inbox.staff_badge")), weight="bold",
                    size="2"),
            rx.cond(mine, rx.badge(t("admin.inbox.staff_badge"), size="1", variant="soft")),
            rx.spacer(),
            rx.text(entry["when"], size="1", color_scheme="gray"),
            width="100%", wrap="wrap", align="center",
        ),
        rx.text(entry["body"], white_space="pre-wrap", overflow_wrap="anywhere", size="2", margin_top="0.4em"),
        rx.hstack(
            rx.foreach(S.files, lambda f: rx.cond(f["message_id"] == entry["id"],
                                                  attachment_link(f, "/api/admin/message-attachments/"))),
            spacing="3", wrap="wrap", margin_top="0.4em",
        ),
        padding="0.85em 1em",
        border_radius="8px",
        background=rx.cond(mine, "var(--accent-3)", "var(--color-panel-solid)"),
        border="1px solid var(--gray-5)",
        margin_inline_start=rx.cond(mine, "3em", "0"),
        margin_inline_end=rx.cond(mine, "0", "3em"),
        align_self="stretch",
    )


def _thread() -> rx.Component:
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow_left", size=14), t("admin.inbox.back"), align="center", spacing="1"),
                href="/admin/inbox", size="2"),
        rx.flex(
            rx.heading(S.subject, size="5", as_="h2", overflow_wrap="anywhere"),
            status_badge(S.status),
            rx.spacer(),
            rx.cond(S.status == "handled",
                    rx.button(rx.icon("rotate_ccw", size=14), t("admin.inbox.reopen"), on_click=S.set_handled(False),
                              variant="soft"),
                    rx.button(rx.icon("check", size=14), t("admin.inbox.mark_handled"), on_click=S.set_handled(True),
                              variant="soft", color_scheme="green", id="mark-handled")),
            align="center", spacing="3", wrap="wrap", width="100%",
        ),
        rx.text(S.contact_name, " · ", S.contact_email, " · ",
                rx.link(S.account_name, href="/admin/account?id=" + S.account_id.to(str)), size="2",
                color_scheme="gray"),
        rx.vstack(rx.foreach(S.entries, _entry), spacing="3", width="100%", id="thread"),
        rx.card(
            rx.vstack(
                rx.form(
                    rx.vstack(
                        rx.el.label(t("admin.inbox.your_reply"), html_for="f-reply",
                                    style={"font_weight": "500", "font_size": "0.9em"}),
                        rx.text_area(id="f-reply", name="body", required=True, rows="5", width="100%",
                                     max_length=5000),
                        spacing="1", width="100%",
                    ),
                    id="staff-reply-form",
                    on_submit=S.send_reply,
                    reset_on_submit=True,
                    key=S.form_version,
                    width="100%",
                ),
                attachments_picker(S, S.remove_attachment, S.upload_attachments, S.set_upload_progress, UPLOAD_ID),
                brand_button(rx.icon("send", size=16), t("admin.inbox.send_reply"), type="submit",
                             form="staff-reply-form", id="send-staff-reply", disabled=S.uploading),
                spacing="3", width="100%",
            ),
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


@admin_page("/admin/inbox", on_load=[S.load_inbox],
            nav=NavEntry("admin.nav.inbox", "/admin/inbox", "inbox", 45, badge=_inbox_badge))
def inbox_page() -> rx.Component:
    return rx.vstack(
        rx.heading(t("admin.nav.inbox"), size="6", as_="h1"),
        rx.cond(S.thread_id > 0, _thread(), _list()),
        spacing="4",
        width="100%",
    )
