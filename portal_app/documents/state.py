"""Customer documents page: folders, search, sort, pages, preview, download, sending a document."""

from __future__ import annotations

import logging

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.documents import rules as documents
from portal_app.core import files as file_intake, i18n
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.errors import DomainError
from portal_app.core.states.portal import PortalState
from portal_app.core.states.uploads import progress_percent, receive_and_store

UPLOAD_ID = "customer-document-upload"
log = logging.getLogger("guichet.documents")


def _kind(mime: str) -> str:
    if mime == "application/pdf":
        return "pdf"
    if mime in file_intake.INLINE_TYPES:
        return "image"
    return "file"


class DocumentsCountState(PortalState):
    """The "new" count beside the Documents link."""

    new_documents: int = 0

    @rx.event
    def load_document_count(self):
        with session_scope() as db:
            ctx = self._resolve(db)
            count = documents.new_count(db, ctx) if ctx else 0
        if count != self.new_documents:
            self.new_documents = count


class DocumentsState(PortalState):
    folders: list[dict[str, str]] = []
    folder_id: int = 0  # 0: every folder
    folder_name: str = ""
    q: str = ""
    sort: str = "newest"
    page: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []
    any_documents: bool = False
    error_key: str = ""
    error_params: dict[str, str] = {}
    notice_key: str = ""
    # Preview in the page (PDF and raster images only).
    preview_open: bool = False
    preview_id: int = 0
    preview_title: str = ""
    preview_kind: str = ""
    # Sending a document to the business.
    can_upload: bool = False
    max_mb: int = 0
    uploading: bool = False
    upload_percent: int = 0

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // documents.PAGE_SIZE))

    @rx.var
    def error_text(self) -> str:
        return i18n.t(self.lang or "en", self.error_key, **self.error_params) if self.error_key else ""

    @rx.var
    def notice_text(self) -> str:
        return i18n.t(self.lang or "en", self.notice_key, business=self.brand_name) if self.notice_key else ""

    def _fail(self, exc: DomainError) -> None:
        self.error_key = exc.key
        self.error_params = {k: str(v) for k, v in exc.params.items()}

    def _fetch(self, db, *, whole_page: bool = True) -> None:
        """The current page of the list; with `whole_page`, the folders and upload rules too (they do not
        change with a search, a sort or a page turn)."""
        ctx = self._require(db)
        lang = self.lang or ctx.language
        # Only what changed is assigned: Reflex sends every assigned var, and a page reload mostly changes nothing.
        if whole_page:
            allowed, limit = documents.upload_rules(db)
            self._set(folders=[{"id": str(fid), "name": name, "count": str(n)}
                               for fid, name, n in documents.list_folders(db, ctx)],
                      can_upload=allowed, max_mb=limit // (1024 * 1024))
        items, total = documents.list_for_contact(db, ctx, folder_id=self.folder_id or None, q=self.q,
                                                  sort=self.sort, page=self.page)
        if self.page > 1 and not items and total:
            self.page = 1
            items, total = documents.list_for_contact(db, ctx, folder_id=self.folder_id or None, q=self.q,
                                                      sort=self.sort, page=1)
        self._set(total=total, rows=[
            {"id": str(d.id), "title": d.title, "folder": d.folder_name, "when": i18n.format_day(d.created_at, lang),
             "size": i18n.format_size(d.size_bytes, lang), "new": "1" if d.is_new else "", "kind": _kind(d.mime_type),
             "mine": "1" if d.source == "customer" else "", "version": str(d.version) if d.version > 1 else ""}
            for d in items])
        self._set(any_documents=bool(total) or bool(self.q) or bool(self.folder_id) or bool(self.folders))

    def _run(self, *, whole_page: bool = False) -> None:
        self._set(error_key="")
        try:
            with session_scope() as db:
                self._fetch(db, whole_page=whole_page)
        except DomainError as exc:
            self._fail(exc)

    @rx.event
    def load_documents(self):
        self._set(page=1, preview_open=False, notice_key="", uploading=False, q="", folder_id=0, folder_name="")
        self._run(whole_page=True)

    @rx.event
    def search(self, form: dict):
        self.q, self.page = str(form.get("q", ""))[:100], 1
        self._run()

    @rx.event
    def show_all(self):
        self.q, self.folder_id, self.folder_name, self.page = "", 0, "", 1
        self._run()

    @rx.event
    def set_sort(self, value: str):
        self.sort = value if value in documents.SORTS else "newest"
        self.page = 1
        self._run()

    @rx.event
    def open_folder(self, folder_id: int):
        """Any id may come from the browser: the service refuses (and records) another account's folder."""
        try:
            wanted = int(folder_id)
        except (TypeError, ValueError):
            return
        previous = self.folder_id
        self.folder_id, self.page = max(wanted, 0), 1
        self._run(whole_page=True)
        if self.error_key:
            self.folder_id = previous
            return
        self.folder_name = next((f["name"] for f in self.folders if f["id"] == str(self.folder_id)), "")

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        self._run()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        self._run()

    @rx.event
    def open_preview(self, doc_id: int):
        """Preview in the page; opening it takes the "new" badge away."""
        self.error_key = ""
        try:
            with session_scope() as db:
                ctx = self._require(db)
                doc = documents.open_for_contact(db, ctx, int(doc_id))
                self.preview_id, self.preview_title, self.preview_kind = doc.id, doc.title, _kind(doc.mime_type)
            # Opened: its "new" badge goes, without reading the list again.
            self.rows = [{**r, "new": ""} if r["id"] == str(doc.id) else r for r in self.rows]
        except (DomainError, TypeError, ValueError) as exc:
            self.preview_open = False
            if isinstance(exc, DomainError):
                self._fail(exc)
            return
        self.preview_open = True
        return DocumentsCountState.load_document_count

    @rx.event
    def close_preview(self):
        self.preview_open = False

    @rx.event
    def preview_changed(self, is_open: bool):
        self.preview_open = bool(is_open)

    @rx.event
    def downloaded(self, doc_id: int):
        """The download goes through the HTTP route (which records it); refresh the "new" badges."""
        self._run()
        return DocumentsCountState.load_document_count

    @rx.event
    def set_upload_progress(self, prog: dict):
        self.upload_percent = progress_percent(prog)

    @rx.event(background=True)
    async def upload_document(self, chunks: rx.UploadChunkIterator):
        """A contact sends a file to the business: checked before the first byte is kept."""
        async with self:
            token = self.portal_sid
            self.error_key, self.notice_key, self.uploading, self.upload_percent = "", "", True, 0
        try:
            await receive_and_store(
                chunks, area=documents.AREA, resolve=lambda db: portal_sessions.resolve_session(db, token),
                limit_for=documents.check_customer_upload,
                store=lambda db, ctx, files: [documents.add_customer_document(db, ctx, f) for f in files],
                max_files=1, require_file=True, what="customer upload")
        except DomainError as exc:
            async with self:
                self.uploading = False
                self._fail(exc)
            return
        async with self:
            self.uploading, self.upload_percent, self.notice_key = False, 100, "documents.sent_ok"
            self.sort, self.page = "newest", 1
            self._run(whole_page=True)
        yield rx.clear_selected_files(UPLOAD_ID)


class NewDocumentsCardState(PortalState):
    """The home page's "new documents" card."""

    new_docs: list[dict[str, str]] = []

    @rx.event
    def load_new_documents(self):
        try:
            with session_scope() as db:
                ctx = self._require(db)
                docs = documents.newest_unseen(db, ctx)
        except DomainError:
            return
        lang = self.lang or ctx.language
        self._set(new_docs=[{"id": str(d.id), "title": d.title, "when": i18n.format_date(d.created_at, lang),
                             "size": i18n.format_size(d.size_bytes, lang), "inline": "1" if d.inline else ""}
                            for d in docs])
