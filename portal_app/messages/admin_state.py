"""Console: the messages inbox, one thread with reply and "handled", and where new messages are announced."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from portal_app.core import notify
from portal_app.core.conversations import engine
from portal_app.core.conversations.state import StaffConversationPage
from portal_app.core.states.handlers import staff_event
from portal_app.core.states.paging import PagedList, query_int
from portal_app.core.states.site import LinkCount
from portal_app.core.states.staff import StaffState
from portal_app.messages import rules as messages
from portal_app.messages.models import KIND
from portal_app.messages.rows import ThreadHead, ThreadRow

UPLOAD_ID = "staff-reply-attachments"
STATUSES = ("open", "handled", "all")


class InboxCountState(LinkCount, StaffState):
    """The unread count beside the console's Inbox link."""
    area: ClassVar[str] = "messages"

    @staff_event("read")
    def load_inbox_count(self, db, ctx):
        self._set(count=messages.staff_unread_count(db))


class AdminInboxState(PagedList, StaffState):
    """The inbox (open, handled or all threads; search) and where new messages are announced."""
    area: ClassVar[str] = "messages"

    page_size: ClassVar[int] = messages.PAGE_SIZE
    filters: ClassVar[dict[str, tuple[str, ...]]] = {"status": ("", *STATUSES)}  # "": open
    rows: list[ThreadRow] = []
    notify_email: str = ""
    owner_email: str = ""
    settings_version: int = 0

    @rx.var
    def status_filter(self) -> str:
        return self._status()

    def _status(self) -> str:
        return self.filter_values.get("status", "") or "open"

    def _fetch(self, db, ctx) -> None:
        items, self.total = messages.inbox(db, ctx, status=self._status(), q=self.q, page=self.page)
        self.rows = [ThreadRow.of(th, self.lang or "en") for th in items]
        self.notify_email = messages.get_settings_row(db).staff_notify_email
        self.owner_email = messages.first_owner_email(db) or ""

    @staff_event("read")
    def load_inbox(self, db, ctx):
        """on_load: the first page of open threads (`?status=` may choose others); not under a thread."""
        if query_int(self, "thread"):
            return
        self.settings_version += 1  # the settings form shows the stored address (its default value)
        self.q, self.page, self.filter_values = "", 1, self._initial_filters()
        self._fetch(db, ctx)

    @staff_event("settings.write")
    def save_settings(self, db, ctx, form: dict):
        self.settings_version += 1  # the form shows what is stored, saved or not
        messages.update_settings(db, ctx, staff_notify_email=str(form.get("notify_email", ""))[:254])
        self._fetch(db, ctx)
        self._flash("admin.inbox.settings_saved")


class AdminThreadState(StaffConversationPage, StaffState):
    """One thread (`/admin/inbox?thread=N`): read, reply with files, mark handled or reopen."""
    area: ClassVar[str] = "messages"

    kind: ClassVar[str] = KIND
    upload_id: ClassVar[str] = UPLOAD_ID
    upload_what: ClassVar[str] = "staff attachment upload"
    head: ThreadHead = ThreadHead()

    def _fetch_thread(self, db, ctx, thread_id: int) -> None:
        thread, views = messages.read_thread_as_staff(db, ctx, thread_id)
        self.head = ThreadHead(thread.subject, thread.status, *engine.header(db, thread), thread.account_id)
        self._show_entries(db, ctx, thread.id, views, lang=self.lang or "en")

    @staff_event("read")
    def load_thread(self, db, ctx):
        """on_load: the thread of `?thread=N` (none: the inbox list shows)."""
        self.thread_id, self.uploading, self.entries, self.files, self.staged = 0, False, [], [], []
        wanted = query_int(self, "thread")
        if wanted:
            self._fetch_thread(db, ctx, wanted)
            return InboxCountState.load_inbox_count

    @staff_event
    def send_reply(self, db, ctx, form: dict):
        deliveries = messages.reply_as_staff(db, ctx, self.thread_id,
                                             str(form.get("body", ""))[:messages.BODY_MAX + 100])
        self._fetch_thread(db, ctx, self.thread_id)
        notify.dispatch_after_commit(db, deliveries)
        self.form_version += 1
        self._flash("admin.inbox.replied")
        return InboxCountState.load_inbox_count

    @staff_event
    def set_handled(self, db, ctx, handled: bool):
        messages.set_handled(db, ctx, self.thread_id, bool(handled))
        self._fetch_thread(db, ctx, self.thread_id)
        self._flash("admin.inbox.handled_ok" if handled else "admin.inbox.reopened_ok")
        return InboxCountState.load_inbox_count
