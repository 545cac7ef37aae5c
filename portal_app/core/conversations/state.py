"""The state mixin behind every page that shows one conversation and writes into it: the entries being
read, and the files uploaded for the entry being written (bound to this conversation, or to a new one
of the page's kind). Each side (customer, console) says how its uploader is found and checked."""

from __future__ import annotations

from typing import Any, Callable, ClassVar

import reflex as rx

from portal_app.core import files as file_intake, i18n
from portal_app.core.auth import sessions as portal_sessions, staff as staff_auth
from portal_app.core.conversations import attachments
from portal_app.core.conversations.engine import KINDS, Author
from portal_app.core.conversations.models import SIDE_CONTACT, SIDE_STAFF
from portal_app.core.conversations.rows import AttachmentRow, EntryRow, entry_rows
from portal_app.core.db import session_scope
from portal_app.core.states.handlers import own_side_event, parse_id
from portal_app.core.states.uploads import UploadProgress, receive_and_store


class ConversationPage(UploadProgress, mixin=True):
    """`thread_id` 0: a new conversation is being written (its files are bound to the page's kind)."""

    # The conversation kind this page writes, which side reads it ("contact" | "staff"), the upload's id
    # on the page and its name in the logs.
    kind: ClassVar[str] = ""
    side: ClassVar[str] = SIDE_CONTACT
    upload_id: ClassVar[str] = ""
    upload_what: ClassVar[str] = ""

    thread_id: int = 0
    entries: list[EntryRow] = []
    files: list[AttachmentRow] = []
    staged: list[AttachmentRow] = []
    form_version: int = 0

    @rx.var
    def attach_help(self) -> str:
        return i18n.t(self.lang or "en", "messages.attach_help", count=attachments.ATTACHMENTS_PER_ENTRY,
                      max_mb=attachments.ATTACHMENT_MAX_BYTES // (1024 * 1024))

    def _author(self, ctx) -> Author:  # pragma: no cover - each side writes its own
        raise NotImplementedError

    def _start_upload(self) -> Callable[[Any], Any]:  # pragma: no cover - each side writes its own
        """Under the state lock: clear the page's message; return how to find the uploader again (its own
        session, from the token read now)."""
        raise NotImplementedError

    def _stage(self, db, who, stored, conversation_id: int) -> list:  # pragma: no cover - each side its own
        """Stage one stored file for `who`'s entry bound to `conversation_id` (0: a new conversation);
        returns the stale files to remove."""
        raise NotImplementedError

    def _upload_limit(self, db, who) -> int:
        return attachments.ATTACHMENT_MAX_BYTES

    def _fetch_staged(self, db, ctx) -> None:
        self._set(staged=AttachmentRow.all_of(
            attachments.staged(db, self._author(ctx), kind=self.kind, conversation_id=self.thread_id or None),
            self.lang or getattr(ctx, "language", "") or "en"))

    def _show_entries(self, db, ctx, conversation_id: int, views, *, lang: str) -> None:
        """The conversation as this page's side reads it, and the files staged for its reply."""
        # Only what changed is assigned: reloading the page of the same conversation sends no entry again.
        entries, files = entry_rows(views, lang, self.side)
        self._set(thread_id=conversation_id, entries=entries, files=files)
        self._fetch_staged(db, ctx)

    def _show_or_forget(self, fetch) -> None:
        """A conversation page's load: `fetch()` shows it; a refusal leaves nothing of the one shown before
        (cleared only then, so reloading the same conversation sends nothing it already has)."""
        try:
            fetch()
        except Exception:
            self._set(entries=[], files=[], staged=[], thread_id=0)
            raise

    # The customer's side refuses staff acting as the contact (they write from the console).
    @own_side_event(background=True, impersonated="refuse")
    async def upload_attachments(self, ctx, chunks: rx.UploadChunkIterator):
        """The upload: the actor is checked before the first byte and before the rows; the files are bound
        to the conversation shown when the upload started. A refusal reaches the handler helper (which
        shows it) with nothing of this upload kept."""
        async with self:
            resolve = self._start_upload()
            bound_to = self.thread_id
            self.uploading, self.upload_percent = True, 0
        try:
            stale = await receive_and_store(
                chunks, area=KINDS[self.kind].area, resolve=resolve, limit_for=self._upload_limit,
                store=lambda db, who, files: [x for f in files for x in self._stage(db, who, f, bound_to)],
                max_files=attachments.ATTACHMENTS_PER_ENTRY, what=self.upload_what)
        finally:
            async with self:
                self.uploading = False
        attachments.remove_files(KINDS[self.kind].area, stale)
        async with self:
            self.upload_percent = 100
            with session_scope() as db:
                self._fetch_staged(db, ctx)
        yield rx.clear_selected_files(self.upload_id)

    @own_side_event(impersonated="refuse")
    def remove_attachment(self, db, ctx, attachment_id: int):
        self._clear_message()
        name = attachments.discard_staged(db, self._author(ctx), parse_id(attachment_id))
        self._fetch_staged(db, ctx)
        file_intake.remove_after_commit(db, KINDS[self.kind].area, name)

    def _clear_message(self) -> None:
        """Each side clears its own page message."""


class ContactConversationPage(ConversationPage, mixin=True):
    """The customer's side (with PortalState and PageMessage): the uploader is the session's contact,
    refusals go to the page's own message."""

    def _author(self, ctx) -> Author:
        return Author.contact(ctx)

    def _clear_message(self) -> None:
        self.error_key = ""

    def _start_upload(self) -> Callable[[Any], Any]:
        token, self.error_key = self.portal_sid, ""
        return lambda db: portal_sessions.resolve_session(db, token)

    def _upload_limit(self, db, who) -> int:
        return attachments.check_can_write(who, self.kind)

    def _stage(self, db, who, stored, conversation_id: int) -> list:
        return attachments.stage_for_contact(db, who, stored, kind=self.kind,
                                             conversation_id=conversation_id or None)[1]


class StaffConversationPage(ConversationPage, mixin=True):
    """The console's side (with StaffState): staff reply to the conversation shown; messages go to the
    shell's flash."""

    side: ClassVar[str] = SIDE_STAFF

    def _author(self, ctx) -> Author:
        return Author.staff(ctx)

    def _clear_message(self) -> None:
        self.flash_key = ""

    def _start_upload(self) -> Callable[[Any], Any]:
        token, self.flash_key = self.staff_sid, ""
        return lambda db: staff_auth.resolve(db, token)

    def _stage(self, db, who, stored, conversation_id: int) -> list:
        return attachments.stage_for_staff(db, who, stored, kind=self.kind, conversation_id=conversation_id)[1]
