"""Customer documents page: folders, search, sort, pages, preview, download, sending a document."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from portal_app.core import i18n
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError
from portal_app.core.states.dialogs import Dialogs
from portal_app.core.states.handlers import parse_id, portal_event
from portal_app.core.states.paging import PagedList
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import LinkCount, PageMessage
from portal_app.core.states.uploads import UploadProgress, receive_and_store
from portal_app.documents import rules as documents
from portal_app.documents.rows import DocumentRow, FolderRow, NewDocRow, kind

UPLOAD_ID = "customer-document-upload"


class DocumentsCountState(LinkCount, PortalState):
    """The "new" count beside the Documents link."""

    @portal_event
    def load_document_count(self, db, ctx):
        self._set(count=documents.new_count(db, ctx))


class DocumentsState(PagedList, Dialogs, UploadProgress, PageMessage, PortalState):
    page_size: ClassVar[int] = documents.PAGE_SIZE
    # "" is the default order (newest first).
    filters: ClassVar[dict[str, tuple[str, ...]]] = {"sort": ("", *documents.SORTS)}

    rows: list[DocumentRow] = []
    folders: list[FolderRow] = []
    folder_id: int = 0  # 0: every folder
    folder_name: str = ""
    notice_key: str = ""
    # Preview in the page (PDF and raster images only): the dialog "preview".
    preview_id: int = 0
    preview_title: str = ""
    preview_kind: str = ""
    # Sending a document to the business.
    can_upload: bool = False
    max_mb: int = 0

    @rx.var
    def sort(self) -> str:
        return self._sort()

    def _sort(self) -> str:
        return self.filter_values.get("sort", "") or "newest"

    @rx.var
    def any_documents(self) -> bool:
        return bool(self.total) or bool(self.q) or bool(self.folder_id) or bool(self.folders)

    @rx.var
    def notice_text(self) -> str:
        return i18n.t(self.lang or "en", self.notice_key, business=self.brand_name) if self.notice_key else ""

    def _fetch_folders(self, db, ctx) -> None:
        """The folders and the upload rules: they do not change with a search, a sort or a page turn."""
        allowed, limit = documents.upload_rules(db)
        self._set(folders=FolderRow.all_of(documents.list_folders(db, ctx)), can_upload=allowed,
                  max_mb=limit // (1024 * 1024))

    def _fetch(self, db, ctx, folder_id: int | None = None) -> None:
        """The current page of the list (of `folder_id`, else of the folder shown). Only what changed is
        assigned: Reflex sends every assigned var, and a page reload mostly changes nothing."""
        self._set(error_key="")
        folder = self.folder_id if folder_id is None else folder_id
        items, total = documents.list_for_contact(db, ctx, folder_id=folder or None, q=self.q, sort=self._sort(),
                                                  page=self.page)
        lang = self.lang or ctx.language
        self._set(total=total, rows=[DocumentRow.of(d, lang) for d in items])

    @portal_event
    def load_documents(self, db, ctx):
        """on_load: every folder, no search, the first page; the sort may come from the query string."""
        self._set(dialog="", notice_key="", uploading=False, folder_id=0, folder_name="", q="", page=1,
                  filter_values=self._initial_filters())
        self._fetch_folders(db, ctx)
        self._fetch(db, ctx)

    @portal_event
    def show_all(self, db, ctx):
        self.q, self.folder_id, self.folder_name, self.page = "", 0, "", 1
        self._fetch(db, ctx)

    @portal_event
    def open_folder(self, db, ctx, folder_id: int):
        """Any id may come from the browser: the rules refuse (and record) another account's folder, and
        the folder shown stays as it was."""
        wanted = max(int(folder_id), 0)
        self.page = 1
        self._fetch_folders(db, ctx)
        self._fetch(db, ctx, folder_id=wanted)
        self.folder_id = wanted
        self.folder_name = next((f.name for f in self.folders if f.id == wanted), "")

    @portal_event
    def open_preview(self, db, ctx, doc_id: int):
        """Preview in the page; opening it takes the "new" badge away."""
        self.error_key, self.dialog = "", ""
        doc = documents.open_for_contact(db, ctx, parse_id(doc_id))
        self.preview_id, self.preview_title, self.preview_kind = doc.id, doc.title, kind(doc.mime_type)
        # Opened: its "new" badge goes, without reading the list again.
        self.rows = [dataclasses.replace(r, new=False) if r.id == doc.id else r for r in self.rows]
        self.dialog = "preview"
        return DocumentsCountState.load_document_count

    @portal_event
    def downloaded(self, db, ctx, doc_id: int):
        """The download link was clicked: record that the contact opened it (the HTTP route changes
        nothing), and refresh the "new" badges."""
        documents.open_for_contact(db, ctx, parse_id(doc_id))
        self._refetch(db, ctx)
        return DocumentsCountState.load_document_count

    @portal_event(background=True, impersonated="refuse")  # staff share documents from the console
    async def upload_document(self, ctx, chunks: rx.UploadChunkIterator):
        """A contact sends a file to the business: checked before the first byte is kept."""
        async with self:
            token = self.portal_sid
            self._set(error_key="", notice_key="", uploading=True, upload_percent=0)
        try:
            await receive_and_store(
                chunks, area=documents.AREA, resolve=lambda db: portal_sessions.resolve_session(db, token),
                limit_for=documents.check_customer_upload,
                store=lambda db, who, files: [documents.add_customer_document(db, who, f) for f in files],
                max_files=1, require_file=True, what="customer upload")
        finally:
            async with self:
                self.uploading = False
        async with self:
            self.upload_percent, self.notice_key = 100, "documents.sent_ok"
            self.filter_values, self.page = {**self.filter_values, "sort": ""}, 1
            with session_scope() as db:
                self._fetch_folders(db, ctx)
                self._fetch(db, ctx)
        yield rx.clear_selected_files(UPLOAD_ID)


class NewDocumentsCardState(PortalState):
    """The home page's "new documents" card."""

    new_docs: list[NewDocRow] = []

    def _fail(self, exc: DomainError) -> None:
        """No session or no documents right: the card stays as it was, without a message."""

    @portal_event
    def load_new_documents(self, db, ctx):
        lang = self.lang or ctx.language
        self._set(new_docs=[NewDocRow.of(d, lang) for d in documents.newest_unseen(db, ctx)])

    @portal_event
    def opened(self, db, ctx, doc_id: int):
        """A new document's link was clicked: it is seen now (the HTTP route changes nothing)."""
        documents.open_for_contact(db, ctx, parse_id(doc_id))
        lang = self.lang or ctx.language
        self._set(new_docs=[NewDocRow.of(d, lang) for d in documents.newest_unseen(db, ctx)])
