"""Customer messages: the list of threads, writing a new message (with attachments), one thread and
its replies. Also what the console's pages share with them: the thread being read with the files staged
for the next message, and the count beside a link."""

from __future__ import annotations

from typing import Any, Callable, ClassVar

import reflex as rx

from portal_app.core import files as file_intake, i18n, notify
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.core.states.handlers import own_side_event, parse_id, portal_event, query_id
from portal_app.core.states.paging import PagedList
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import LinkCount, PageMessage
from portal_app.core.states.uploads import UploadProgress, receive_and_store
from portal_app.messages import attachments, rules as messages
from portal_app.messages.rows import AttachmentRow, EntryRow, ThreadHead, ThreadRow, thread_rows

UPLOAD_ID = "message-attachments"


class ThreadAndFiles(UploadProgress, mixin=True):
    """What the customer's and the console's thread pages share: the thread being read, and the files
    uploaded for the message being written (they go with the next message sent)."""

    thread_id: int = 0
    head: ThreadHead = ThreadHead()
    entries: list[EntryRow] = []
    files: list[AttachmentRow] = []
    staged: list[AttachmentRow] = []
    form_version: int = 0

    @rx.var
    def attach_help(self) -> str:
        return i18n.t(self.lang or "en", "messages.attach_help", count=attachments.ATTACHMENTS_PER_MESSAGE,
                      max_mb=attachments.ATTACHMENT_MAX_BYTES // (1024 * 1024))

    def _fetch_staged(self, db, ctx) -> None:  # pragma: no cover - each side writes its own
        raise NotImplementedError

    def _show_thread(self, db, ctx, thread, views, *, side: str, lang: str, head: ThreadHead) -> None:
        """The thread as `side` ("contact" or "staff") reads it, and the files staged for the reply."""
        self.thread_id, self.head = thread.id, head
        self.entries, self.files = thread_rows(views, lang, side)
        self._fetch_staged(db, ctx)

    # Each side says where its files are picked, how an upload is staged and what the log calls it.
    upload_id: ClassVar[str] = ""
    upload_what: ClassVar[str] = ""

    def _start_upload(self) -> Callable[[Any], Any]:  # pragma: no cover - each side writes its own
        """Under the state lock: clear the page's message; return how to find the uploader again (its own
        session, from the token read now)."""
        raise NotImplementedError

    def _stage(self, db, who, stored) -> list:  # pragma: no cover - each side writes its own
        """Stage one stored file for `who`'s next message; returns the stale files to remove."""
        raise NotImplementedError

    def _upload_limit(self, db, who) -> int:
        return attachments.ATTACHMENT_MAX_BYTES

    # The customer's side refuses staff acting as the contact; the console's needs messages.write.
    @own_side_event(background=True, impersonated="refuse")
    async def upload_attachments(self, ctx, chunks: rx.UploadChunkIterator):
        """The upload: the actor is checked before the first byte and before the rows; a refusal reaches
        the handler helper (which shows it) with nothing of this upload kept."""
        async with self:
            resolve = self._start_upload()
            self.uploading, self.upload_percent = True, 0
        try:
            stale = await receive_and_store(
                chunks, area=attachments.AREA, resolve=resolve, limit_for=self._upload_limit,
                store=lambda db, who, files: [x for f in files for x in self._stage(db, who, f)],
                max_files=attachments.ATTACHMENTS_PER_MESSAGE, what=self.upload_what)
        finally:
            async with self:
                self.uploading = False
        attachments.remove_files(stale)
        async with self:
            self.upload_percent = 100
            with session_scope() as db:
                self._fetch_staged(db, ctx)
        yield rx.clear_selected_files(self.upload_id)


class MessagesCountState(LinkCount, PortalState):
    """The unread count beside the Messages link."""

    @portal_event
    def load_message_count(self, db, ctx):
        self._set(count=messages.unread_count(db, ctx))


class ThreadsState(PagedList, PageMessage, PortalState):
    """The customer's threads, newest first."""

    page_size: ClassVar[int] = messages.PAGE_SIZE
    rows: list[ThreadRow] = []

    def _fetch(self, db, ctx) -> None:
        self._set(error_key="")
        items, total = messages.list_threads(db, ctx, page=self.page)
        lang = self.lang or ctx.language
        self._set(total=total, rows=[ThreadRow.of(th, lang) for th in items])


class MessagesState(ThreadAndFiles, PageMessage, PortalState):
    """Writing a new message, and one thread with its replies."""

    upload_id: ClassVar[str] = UPLOAD_ID
    upload_what: ClassVar[str] = "attachment upload"
    notice_key: str = ""
    # Set when a new message was just sent: the thread page it leads to says so.
    _exit_notice: bool = False

    @rx.var
    def notice_text(self) -> str:
        return i18n.t(self.lang or "en", self.notice_key, business=self.brand_name) if self.notice_key else ""

    def _fetch_staged(self, db, ctx) -> None:
        self.staged = AttachmentRow.all_of(attachments.staged_for_contact(db, ctx), self.lang or ctx.language)

    def _start_upload(self) -> Callable[[Any], Any]:
        token, self.error_key = self.portal_sid, ""
        return lambda db: portal_sessions.resolve_session(db, token)

    def _upload_limit(self, db, who) -> int:
        return attachments.check_can_write(who)

    def _stage(self, db, who, stored) -> list:
        return attachments.stage_for_contact(db, who, stored)[1]

    def _fetch_thread(self, db, ctx, thread_id: int) -> None:
        thread, views = messages.read_thread(db, ctx, thread_id)
        self._show_thread(db, ctx, thread, views, side="contact", lang=self.lang or ctx.language,
                          head=ThreadHead(thread.subject, thread.status))

    # ---- new message ----

    @portal_event
    def load_new(self, db, ctx):
        # No form reset here: someone may already be typing while the page loads.
        self._set(error_key="", notice_key="", uploading=False)
        attachments.check_can_write(ctx)
        self._fetch_staged(db, ctx)

    @portal_event(impersonated="refuse")  # staff write to the customer from the console
    def send_new(self, db, ctx, form: dict):
        self.error_key = ""
        thread, deliveries = messages.start_thread(db, ctx, subject=str(form.get("subject", ""))[:500],
                                                   body=str(form.get("body", ""))[:messages.BODY_MAX + 100])
        notify.dispatch_after_commit(db, deliveries)
        self.staged, self.notice_key = [], "messages.sent_ok"
        self._exit_notice = True
        return rx.redirect(f"/messages/thread?id={thread.id}")

    # ---- one thread ----

    @portal_event
    def load_thread(self, db, ctx):
        keep_notice, self._exit_notice = self._exit_notice, False
        self._set(error_key="", notice_key="messages.sent_ok" if keep_notice else "", uploading=False, entries=[],
                  files=[], thread_id=0)
        self._fetch_thread(db, ctx, query_id(self, "id"))
        return MessagesCountState.load_message_count

    @portal_event(impersonated="refuse")  # staff write to the customer from the console
    def send_reply(self, db, ctx, form: dict):
        self.error_key = ""
        deliveries = messages.reply_as_contact(db, ctx, self.thread_id,
                                               str(form.get("body", ""))[:messages.BODY_MAX + 100])
        self._fetch_thread(db, ctx, self.thread_id)
        notify.dispatch_after_commit(db, deliveries)
        self.form_version += 1

    # ---- attachments ----

    @portal_event(impersonated="refuse")  # staff write to the customer from the console
    def remove_attachment(self, db, ctx, attachment_id: int):
        self.error_key = ""
        name = attachments.discard_staged(db, attachment_id=parse_id(attachment_id), contact_id=ctx.contact_id)
        self._fetch_staged(db, ctx)
        file_intake.remove_after_commit(db, attachments.AREA, name)
