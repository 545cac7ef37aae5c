"""Customer messages: the list of threads, writing a new message (with attachments), one thread and
its replies."""

from __future__ import annotations

import logging

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.core import files as file_intake, i18n, notify
from portal_app.messages import rules as messages
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.errors import DomainError
from portal_app.core.states.portal import PortalState
from portal_app.core.states.uploads import progress_percent, receive_and_store

UPLOAD_ID = "message-attachments"
log = logging.getLogger("guichet.messages")


def attachment_rows(views, lang: str, message_id: int | None = None) -> list[dict[str, str]]:
    return [{"id": str(a.id), "title": a.title, "size": i18n.format_size(a.size_bytes, lang),
             "message_id": str(message_id or ""), "inline": "1" if a.mime_type in file_intake.INLINE_TYPES else ""}
            for a in views]


class MessagesCountState(PortalState):
    """The unread count beside the Messages link: loaded when the badge appears, so no page pays for it."""

    unread_messages: int = 0

    @rx.event
    def load_message_count(self):
        with session_scope() as db:
            ctx = self._resolve(db)
            count = messages.unread_count(db, ctx) if ctx else 0
        if count != self.unread_messages:
            self.unread_messages = count


class MessagesState(PortalState):
    threads: list[dict[str, str]] = []
    page: int = 1
    total: int = 0
    # One thread
    thread_id: int = 0
    subject: str = ""
    status: str = ""
    started_by: str = ""
    entries: list[dict[str, str]] = []
    files: list[dict[str, str]] = []
    # Attachments uploaded for the message being written
    staged: list[dict[str, str]] = []
    uploading: bool = False
    upload_percent: int = 0
    form_version: int = 0
    error_key: str = ""
    error_params: dict[str, str] = {}
    notice_key: str = ""
    # Set when a new message was just sent: the thread page it leads to says so.
    _exit_notice: bool = False

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // messages.PAGE_SIZE))

    @rx.var
    def error_text(self) -> str:
        return i18n.t(self.lang or "en", self.error_key, **self.error_params) if self.error_key else ""

    @rx.var
    def notice_text(self) -> str:
        return i18n.t(self.lang or "en", self.notice_key, business=self.brand_name) if self.notice_key else ""

    @rx.var
    def attach_help(self) -> str:
        return i18n.t(self.lang or "en", "messages.attach_help", count=messages.ATTACHMENTS_PER_MESSAGE,
                      max_mb=messages.ATTACHMENT_MAX_BYTES // (1024 * 1024))

    def _fail(self, exc: DomainError) -> None:
        self.error_key = exc.key
        self.error_params = {k: str(v) for k, v in exc.params.items()}

    def _lang(self, ctx) -> str:
        return self.lang or ctx.language

    def _fetch_list(self, db) -> None:
        ctx = self._require(db)
        lang = self._lang(ctx)
        items, total = messages.list_threads(db, ctx, page=self.page)
        self._set(total=total, threads=[
            {"id": str(th.id), "subject": th.subject, "status": th.status,
             "when": i18n.format_datetime(th.last_message_at, lang), "unread": "1" if th.unread else "",
             "by": th.contact_name} for th in items])

    def _fetch_staged(self, db) -> None:
        ctx = self._require(db)
        self.staged = attachment_rows(messages.staged_for_contact(db, ctx), self._lang(ctx))

    def _fetch_thread(self, db, thread_id: int) -> None:
        ctx = self._require(db)
        lang = self._lang(ctx)
        thread, views = messages.read_thread(db, ctx, thread_id)
        self.thread_id, self.subject, self.status = thread.id, thread.subject, thread.status
        self.started_by = views[0].author_name if views else ""
        self.entries = [{"id": str(m.id), "mine": "1" if m.author_type == "contact" else "", "author": m.author_name,
                         "body": m.body, "when": i18n.format_datetime(m.created_at, lang)} for m in views]
        self.files = [row for m in views for row in attachment_rows(m.attachments, lang, m.id)]
        self._fetch_staged(db)

    def _run(self, fn) -> bool:
        self._set(error_key="")
        try:
            with session_scope() as db:
                fn(db)
        except DomainError as exc:
            self._fail(exc)
            return False
        return True

    # ---- list ----

    @rx.event
    def load_threads(self):
        self._set(page=1, notice_key="")
        self._run(self._fetch_list)

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        self._run(self._fetch_list)

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        self._run(self._fetch_list)

    # ---- new message ----

    @rx.event
    def load_new(self):
        # No form reset here: someone may already be typing while the page loads.
        self.notice_key, self.uploading = "", False

        def fetch(db):
            messages.check_can_write(self._require(db))
            self._fetch_staged(db)

        self._run(fetch)

    @rx.event
    def send_new(self, form: dict):
        holder: dict = {}

        def send(db):
            ctx = self._require(db)
            thread, deliveries = messages.start_thread(db, ctx, subject=str(form.get("subject", ""))[:500],
                                                       body=str(form.get("body", ""))[:messages.BODY_MAX + 100])
            holder.update(thread_id=thread.id, deliveries=deliveries)

        if not self._run(send):
            return
        notify.dispatch(holder["deliveries"])
        self.staged, self.notice_key = [], "messages.sent_ok"
        self._exit_notice = True
        return rx.redirect(f"/messages/thread?id={holder['thread_id']}")

    # ---- one thread ----

    @rx.event
    def load_thread(self):
        raw = self.router.url.query_parameters.get("id", "")
        keep_notice = self._exit_notice
        self._exit_notice = False
        self.notice_key = "messages.sent_ok" if keep_notice else ""
        self.uploading = False
        self.entries, self.files, self.thread_id = [], [], 0
        if not raw.isdigit():
            self._fail(DomainError("error.not_found"))
            return
        if self._run(lambda db: self._fetch_thread(db, int(raw))):
            return MessagesCountState.load_message_count

    @rx.event
    def send_reply(self, form: dict):
        holder: dict = {}

        def send(db):
            ctx = self._require(db)
            holder["deliveries"] = messages.reply_as_contact(db, ctx, self.thread_id,
                                                             str(form.get("body", ""))[:messages.BODY_MAX + 100])
            self._fetch_thread(db, self.thread_id)

        if not self._run(send):
            return
        notify.dispatch(holder["deliveries"])
        self.form_version += 1

    # ---- attachments ----

    @rx.event
    def set_upload_progress(self, prog: dict):
        self.upload_percent = progress_percent(prog)

    @rx.event
    def remove_attachment(self, attachment_id: int):
        holder: dict = {}

        def remove(db):
            ctx = self._require(db)
            holder["name"] = messages.discard_staged(db, attachment_id=int(attachment_id), contact_id=ctx.contact_id)
            self._fetch_staged(db)

        try:
            ok = self._run(remove)
        except (TypeError, ValueError):
            return
        if ok:
            file_intake.remove(messages.AREA, holder["name"])

    @rx.event(background=True)
    async def upload_attachments(self, chunks: rx.UploadChunkIterator):
        async with self:
            token = self.portal_sid
            self.error_key, self.uploading, self.upload_percent = "", True, 0
        try:
            stale = await receive_and_store(
                chunks, area=messages.AREA, resolve=lambda db: portal_sessions.resolve_session(db, token),
                limit_for=lambda db, ctx: messages.check_can_write(ctx),
                store=lambda db, ctx, files: [x for f in files for x in messages.stage_for_contact(db, ctx, f)[1]],
                max_files=messages.ATTACHMENTS_PER_MESSAGE, what="attachment upload")
        except DomainError as exc:
            async with self:
                self.uploading = False
                self._fail(exc)
            return
        messages.remove_files(stale)
        async with self:
            self.uploading, self.upload_percent = False, 100
            self._run(self._fetch_staged)
        yield rx.clear_selected_files(UPLOAD_ID)
