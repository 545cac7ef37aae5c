"""Customer messages: the list of threads, writing a new message (with attachments), one thread and
its replies."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from portal_app.core import i18n, notify
from portal_app.core.conversations import attachments
from portal_app.core.conversations.state import ContactConversationPage
from portal_app.core.states.handlers import portal_event, query_id
from portal_app.core.states.paging import PagedList
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import LinkCount, PageMessage
from portal_app.messages import rules as messages
from portal_app.messages.models import KIND
from portal_app.messages.rows import ThreadHead, ThreadRow

UPLOAD_ID = "message-attachments"


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


class MessagesState(ContactConversationPage, PageMessage, PortalState):
    """Writing a new message, and one thread with its replies."""

    kind: ClassVar[str] = KIND
    upload_id: ClassVar[str] = UPLOAD_ID
    upload_what: ClassVar[str] = "attachment upload"
    head: ThreadHead = ThreadHead()
    notice_key: str = ""
    # Set when a new message was just sent: the thread page it leads to says so.
    _exit_notice: bool = False

    @rx.var
    def notice_text(self) -> str:
        return i18n.t(self.lang or "en", self.notice_key, business=self.brand_name) if self.notice_key else ""

    def _fetch_thread(self, db, ctx, thread_id: int) -> None:
        thread, views = messages.read_thread(db, ctx, thread_id)
        self._set(head=ThreadHead(thread.subject, thread.status))
        self._show_entries(db, ctx, thread.id, views, lang=self.lang or ctx.language)

    # ---- new message ----

    @portal_event
    def load_new(self, db, ctx):
        # No form reset here: someone may already be typing while the page loads.
        self._set(error_key="", notice_key="", uploading=False, thread_id=0)
        attachments.check_can_write(ctx, KIND)
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
        self._set(error_key="", notice_key="messages.sent_ok" if keep_notice else "", uploading=False)
        self._show_or_forget(lambda: self._fetch_thread(db, ctx, query_id(self, "id")))
        return MessagesCountState.load_message_count

    @portal_event(impersonated="refuse")  # staff write to the customer from the console
    def send_reply(self, db, ctx, form: dict):
        self.error_key = ""
        deliveries = messages.reply_as_contact(db, ctx, self.thread_id,
                                               str(form.get("body", ""))[:messages.BODY_MAX + 100])
        self._fetch_thread(db, ctx, self.thread_id)
        notify.dispatch_after_commit(db, deliveries)
        self.form_version += 1
