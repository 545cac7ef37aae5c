"""Console: the messages inbox (open, handled), one thread with reply and "mark handled", and where
new customer messages are announced by email."""

import reflex as rx

from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, admin_page
from portal_app.core.ui.tables import list_page, text_cell
from portal_app.core.ui.basics import LABEL_STYLE, back_link, column, options, select
from portal_app.core.ui.unread import count_badge
from portal_app.messages.admin_state import STATUSES, UPLOAD_ID, AdminInboxState, AdminThreadState, InboxCountState
from portal_app.core.states.site import SiteState
from portal_app.core.states.staff import StaffState
from portal_app.core.ui.conversation import body_field, compose, staff_entry
from portal_app.messages.components import status_badge

S = AdminInboxState
T = AdminThreadState


def _inbox_badge() -> rx.Component:
    return count_badge(InboxCountState.count, InboxCountState.load_inbox_count, StaffState.staff_authed)


def _subject_cell(r: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.link(r.subject, href="/admin/inbox?thread=" + r.id.to(str), weight=rx.cond(r.unread, "bold", "regular")),
        rx.cond(r.unread, rx.badge(t("admin.inbox.unread"), color_scheme="green")),
        spacing="2", align="center", wrap="wrap",
    )


def _list() -> rx.Component:
    status = select(*options(STATUSES, "admin.inbox.filter_"), name="status", value=S.status_filter,
                    on_change=lambda value: S.set_filter("status", value), aria_label=t("admin.inbox.filter"),
                    style={"width": "auto"})
    return column(
        list_page(S, [
            ("admin.inbox.col_subject", _subject_cell),
            ("admin.inbox.col_from", text_cell("sender")),
            ("admin.inbox.col_account", text_cell("account")),
            ("admin.inbox.col_last", text_cell("when")),
            ("admin.inbox.col_status", lambda r: status_badge(r.status)),
        ], search_key="admin.inbox.search", filters=[status], empty_key="admin.inbox.empty"),
        _settings(),
    )


def _settings() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("admin.inbox.settings"), size="3", as_="h2"),
                rx.el.label(t("admin.inbox.notify_email"), html_for="f-notify_email", style=LABEL_STYLE),
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
    return staff_entry(entry, T.files, attachments_base="/api/admin/message-attachments/")


def _thread() -> rx.Component:
    return column(
        back_link("admin.inbox.back", "/admin/inbox"),
        rx.flex(
            rx.heading(T.head.subject, size="5", as_="h2", overflow_wrap="anywhere"),
            status_badge(T.head.status),
            rx.spacer(),
            rx.cond(T.head.status == "handled",
                    rx.button(rx.icon("rotate_ccw", size=14), t("admin.inbox.reopen"), on_click=T.set_handled(False),
                              variant="soft"),
                    rx.button(rx.icon("check", size=14), t("admin.inbox.mark_handled"), on_click=T.set_handled(True),
                              variant="soft", color_scheme="green", id="mark-handled")),
            align="center", spacing="3", wrap="wrap", width="100%",
        ),
        rx.text(T.head.contact_name, " · ", T.head.contact_email, " · ",
                rx.link(T.head.account_name, href="/admin/account?id=" + T.head.account_id.to(str)), size="2",
                color_scheme="gray"),
        rx.vstack(rx.foreach(T.entries, _entry), spacing="3", width="100%", id="thread"),
        compose(T, UPLOAD_ID, body_field("admin.inbox.your_reply", "f-reply", rows="5"), T.send_reply,
                form_id="staff-reply-form", send_key="admin.inbox.send_reply", button_id="send-staff-reply"),
    )


@admin_page("/admin/inbox", on_load=[T.load_thread, S.load_inbox],
            nav=NavEntry("admin.nav.inbox", "/admin/inbox", "inbox", 45, badge=_inbox_badge), area=T.area)
def inbox_page() -> rx.Component:
    return column(
        rx.heading(t("admin.nav.inbox"), size="6", as_="h1"),
        rx.cond(T.thread_id > 0, _thread(), _list()),
    )
