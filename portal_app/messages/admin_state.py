"""Console: the messages inbox, one thread with reply and "handled", and where new messages are announced."""

from __future__ import annotations

import logging

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.core import files as file_intake, i18n, notify
from portal_app.messages import rules as messages
from portal_app.core.auth import staff
from portal_app.core.errors import DomainError
from portal_app.core.states.paging import page_count as _pages, query_int as _query_int
from portal_app.messages.state import attachment_rows
from portal_app.core.states.staff import StaffState
from portal_app.core.states.uploads import progress_percent, receive_and_store

UPLOAD_ID = "staff-reply-attachments"
log = logging.getLogger("guichet.messages")


class InboxCountState(StaffState):
    """The unread count beside the console's Inbox link."""

    inbox_unread: int = 0

    @rx.event
    def load_inbox_count(self):
        with session_scope() as db:
            who = staff.resolve(db, self.staff_sid)
            count = messages.staff_unread_count(db) if who else 0
        if count != self.inbox_unread:
            self.inbox_unread = count


class AdminInboxState(StaffState):
    status_filter: str = "open"  # open | handled | all
    q: str = ""
    page: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []
    # One thread (?thread=N)
    thread_id: int = 0
    subject: str = ""
    status: str = ""
    contact_name: str = ""
    contact_email: str = ""
    account_name: str = ""
    account_id: int = 0
    entries: list[dict[str, str]] = []
    files: list[dict[str, str]] = []
    staged: list[dict[str, str]] = []
    uploading: bool = False
    upload_percent: int = 0
    form_version: int = 0
    # Settings
    notify_email: str = ""
    owner_email: str = ""
    settings_version: int = 0

    @rx.var
    def pages(self) -> int:
        return _pages(self.total, messages.PAGE_SIZE)

    @rx.var
    def attach_help(self) -> str:
        return i18n.t(self.lang or "en", "messages.attach_help", count=messages.ATTACHMENTS_PER_MESSAGE,
                      max_mb=messages.ATTACHMENT_MAX_BYTES // (1024 * 1024))

    def _fetch_list(self, db) -> None:
        who = self._staff(db)
        lang = self.lang or "en"
        items, self.total = messages.inbox(db, who, status=self.status_filter, q=self.q, page=self.page)
        self.rows = [{"id": str(th.id), "subject": th.subject, "from": th.contact_name, "account": th.account_name,
                      "when": i18n.format_datetime(th.last_message_at, lang), "status": th.status,
                      "unread": "1" if th.unread else ""} for th in items]
        self.notify_email = messages.get_settings_row(db).staff_notify_email
        self.owner_email = messages.first_owner_email(db) or ""

    def _fetch_staged(self, db) -> None:
        who = self._staff(db)
        self.staged = attachment_rows(messages.staged_for_staff(db, who), self.lang or "en")

    def _fetch_thread(self, db) -> None:
        who = self._staff(db)
        lang = self.lang or "en"
        thread, views = messages.read_thread_as_staff(db, who, self.thread_id)
        self.subject, self.status, self.account_id = thread.subject, thread.status, thread.account_id
        self.contact_name, self.contact_email, self.account_name = messages.thread_header(db, thread)
        self.entries = [{"id": str(m.id), "staff": "1" if m.author_type == "staff" else "", "author": m.author_name,
                         "body": m.body, "when": i18n.format_datetime(m.created_at, lang)} for m in views]
        self.files = [row for m in views for row in attachment_rows(m.attachments, lang, m.id)]
        self._fetch_staged(db)

    def _run(self, fn) -> bool:
        try:
            with session_scope() as db:
                fn(db)
        except DomainError as exc:
            self._flash_error(exc)
            return False
        except (TypeError, ValueError):  # an id from the browser that is not a number
            self._flash_error(DomainError("error.not_found"))
            return False
        return True

    @rx.event
    def load_inbox(self):
        self.thread_id = _query_int(self, "thread") or 0
        self.uploading = False
        self.settings_version += 1  # the settings form shows the stored address (its default value)
        if self.thread_id:
            if not self._run(self._fetch_thread):
                self.thread_id = 0
            return InboxCountState.load_inbox_count
        self.page = 1
        self._run(self._fetch_list)

    @rx.event
    def set_status_filter(self, value: str):
        self.status_filter = value if value in ("open", "handled", "all") else "open"
        self.page = 1
        self._run(self._fetch_list)

    @rx.event
    def search(self, form: dict):
        self.q, self.page = str(form.get("q", ""))[:100], 1
        self._run(self._fetch_list)

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        self._run(self._fetch_list)

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        self._run(self._fetch_list)

    @rx.event
    def send_reply(self, form: dict):
        holder: dict = {}

        def send(db):
            who = self._staff(db)
            holder["d"] = messages.reply_as_staff(db, who, self.thread_id,
                                                  str(form.get("body", ""))[:messages.BODY_MAX + 100])
            self._fetch_thread(db)

        if not self._run(send):
            return
        notify.dispatch(holder["d"])
        self.form_version += 1
        self._flash("admin.inbox.replied")
        return InboxCountState.load_inbox_count

    @rx.event
    def set_handled(self, handled: bool):
        def do(db):
            who = self._staff(db)
            messages.set_handled(db, who, self.thread_id, bool(handled))
            self._fetch_thread(db)

        if self._run(do):
            self._flash("admin.inbox.handled_ok" if handled else "admin.inbox.reopened_ok")
            return InboxCountState.load_inbox_count

    @rx.event
    def remove_attachment(self, attachment_id: int):
        holder: dict = {}

        def remove(db):
            who = self._staff(db)
            holder["name"] = messages.discard_staged(db, attachment_id=int(attachment_id), staff_id=who.staff_id)
            self._fetch_staged(db)

        if self._run(remove):
            file_intake.remove(messages.AREA, holder["name"])

    @rx.event
    def set_upload_progress(self, prog: dict):
        self.upload_percent = progress_percent(prog)

    @rx.event(background=True)
    async def upload_attachments(self, chunks: rx.UploadChunkIterator):
        async with self:
            token = self.staff_sid
            self.flash_key, self.uploading, self.upload_percent = "", True, 0
        try:
            stale = await receive_and_store(
                chunks, area=messages.AREA, resolve=lambda db: staff.resolve(db, token),
                limit_for=lambda db, who: messages.ATTACHMENT_MAX_BYTES,
                store=lambda db, who, files: [x for f in files for x in messages.stage_for_staff(db, who, f)[1]],
                max_files=messages.ATTACHMENTS_PER_MESSAGE, what="staff attachment upload")
        except DomainError as exc:
            async with self:
                self.uploading = False
                self._flash_error(exc)
            return
        messages.remove_files(stale)
        async with self:
            self.uploading, self.upload_percent = False, 100
            self._run(self._fetch_staged)
        yield rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    def save_settings(self, form: dict):
        def save(db):
            who = self._staff(db)
            messages.update_settings(db, who, staff_notify_email=str(form.get("notify_email", ""))[:254])
            self._fetch_list(db)

        if self._run(save):
            self._flash("admin.inbox.settings_saved")
        self.settings_version += 1
