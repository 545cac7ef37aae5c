"""Console: one account's documents — folders, upload with progress, share (optional email),
unshare, replace, move, delete — and the documents settings."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from portal_app.core import accounts, files as file_intake, notify
from portal_app.core.auth import staff
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError
from portal_app.core.states.handlers import parse_id, staff_event
from portal_app.core.states.paging import PagedList, query_int
from portal_app.core.states.staff import StaffState
from portal_app.core.states.uploads import receive_and_store
from portal_app.documents import rules as documents
from portal_app.documents.rows import AccountPick, FolderRow, StaffDocumentRow
from portal_app.documents.state import UploadProgress

UPLOAD_ID = "staff-document-upload"
REPLACE_ID = "staff-document-replace"
RECEIVED = -1  # the folder filter value for "received from the customer"


class AdminDocumentsState(PagedList, UploadProgress, StaffState):
    area: ClassVar[str] = "documents"
    page_size: ClassVar[int] = documents.PAGE_SIZE
    # Account picker
    account_id: int = 0
    account_name: str = ""
    account_number: str = ""
    found_accounts: list[AccountPick] = []
    # The account's documents
    folders: list[FolderRow] = []
    folder_filter: int = 0  # 0 all, -1 received, else a folder id
    rows: list[StaffDocumentRow] = []
    received_unseen: int = 0
    # Upload
    upload_folder: int = 0
    upload_share: bool = False
    upload_notify: bool = False
    # Dialogs: share (with the opt-in email), replace, delete
    share_id: int = 0
    share_title: str = ""
    share_notify: bool = False
    replace_id: int = 0
    replace_title: str = ""
    delete_id: int = 0
    delete_title: str = ""
    # Settings
    customer_uploads: bool = False
    max_upload_mb: int = 25
    settings_version: int = 0

    def _fetch(self, db, ctx) -> None:
        settings = documents.get_settings_row(db)
        self.customer_uploads, self.max_upload_mb = settings.customer_uploads, settings.max_upload_mb
        if not self.account_id:
            self.rows, self.folders, self.total = [], [], 0
            return
        account = accounts.get_account(db, self.account_id)
        self.account_name, self.account_number = account.name, account.number
        self.folders = FolderRow.all_of(documents.account_folders(db, ctx, account.id))
        folder = self.folder_filter if self.folder_filter > 0 else None
        items, self.total = documents.staff_list(db, ctx, account.id, folder_id=folder, q=self.q,
                                                 received_only=self.folder_filter == RECEIVED, page=self.page)
        self.rows = [StaffDocumentRow.of(d, self.lang or "en") for d in items]
        self.received_unseen = documents.received_unseen_count(db, account.id)

    def _title_of(self, doc_id) -> tuple[int, str] | None:
        """A document of the list shown (an id from the browser that is not there: None)."""
        wanted = parse_id(doc_id)
        return next(((r.id, r.title) for r in self.rows if r.id == wanted), None)

    @staff_event("read")
    def opened(self, db, ctx, doc_id: int):
        """A document's link was clicked: staff have seen it (the download route changes nothing)."""
        documents.open_for_staff(db, ctx, parse_id(doc_id))
        self._fetch(db, ctx)

    @staff_event("read")
    def load_admin_documents(self, db, ctx):
        """on_load: the account of `?account=N` (none: the account picker)."""
        wanted = query_int(self, "account") or 0
        self.account_id, self.folder_filter, self.found_accounts = 0, 0, []
        self.q, self.page, self.filter_values = "", 1, self._initial_filters()
        self.share_id = self.replace_id = self.delete_id = 0
        self.uploading, self.upload_folder = False, 0
        self.settings_version += 1
        if wanted:
            accounts.get_account(db, wanted)  # not found: the picker stays
        self.account_id = wanted
        self._fetch(db, ctx)

    @staff_event("read")
    def find_account(self, db, ctx, form: dict):
        q = str(form.get("q", ""))[:100]
        self.found_accounts = [AccountPick(i, n, num) for i, n, num in documents.search_accounts(db, q)]

    @staff_event("read")
    def filter_folder(self, db, ctx, folder: int):
        self.folder_filter, self.page = int(folder), 1
        self._fetch(db, ctx)

    @staff_event
    def create_folder(self, db, ctx, form: dict):
        name = str(form.get("name", ""))[:200]
        documents.create_folder(db, ctx, self.account_id, name)
        self._fetch(db, ctx)
        self._flash("admin.documents.folder_created", name=" ".join(name.split()))

    @staff_event
    def delete_folder(self, db, ctx, folder_id: int):
        folder_id = parse_id(folder_id)
        if self.folder_filter == folder_id:
            self.folder_filter = 0
        moved = documents.delete_folder(db, ctx, self.account_id, folder_id)
        self._fetch(db, ctx)
        self._flash("admin.documents.folder_deleted", count=moved)

    # ---- upload ----

    @staff_event("read")
    def set_upload_folder(self, db, ctx, value: str):
        self.upload_folder = int(value) if str(value).isdigit() else 0

    @staff_event("read")
    def set_upload_share(self, db, ctx, value: bool):
        self.upload_share = bool(value)
        if not self.upload_share:
            self.upload_notify = False

    @staff_event("read")
    def set_upload_notify(self, db, ctx, value: bool):
        self.upload_notify = bool(value) and self.upload_share

    async def _receive(self, ctx, chunks, store):
        """Shared by upload and replace: staff session first, then the bytes, then the rows; the list
        follows. A refusal reaches the handler helper, which shows it."""
        async with self:
            token, account_id = self.staff_sid, self.account_id
            self.flash_key, self.uploading, self.upload_percent = "", True, 0

        def limit_for(db, who):
            if not account_id:
                raise DomainError("error.not_found")
            return documents.max_upload_bytes(db)

        try:
            result = await receive_and_store(
                chunks, area=documents.AREA, resolve=lambda db: staff.resolve(db, token), limit_for=limit_for,
                store=lambda db, who, files: store(db, who, account_id, files), require_file=True,
                what="staff upload")
        finally:
            async with self:
                self.uploading = False
        async with self:
            self.upload_percent = 100
            with session_scope() as db:
                self._fetch(db, ctx)
        return result

    @staff_event(background=True)
    async def upload_documents(self, ctx, chunks: rx.UploadChunkIterator):
        async with self:
            folder, share, notify_customer = self.upload_folder or None, self.upload_share, self.upload_notify

        def store(db, who, account_id, stored):
            deliveries = []
            for f in stored:
                _, sent = documents.add_document(db, who, account_id, f, folder_id=folder, shared=share,
                                                 notify_customer=notify_customer)
                deliveries += sent
            return len(stored), deliveries

        count, deliveries = await self._receive(ctx, chunks, store)
        notify.dispatch(deliveries)
        async with self:
            self._flash("admin.documents.uploaded", count=count)
        yield rx.clear_selected_files(UPLOAD_ID)

    # ---- share, unshare, move ----

    @staff_event("read")
    def ask_share(self, db, ctx, doc_id: int):
        found = self._title_of(doc_id)
        if found is not None:
            (self.share_id, self.share_title), self.share_notify = found, False

    @staff_event("read")
    def set_share_notify(self, db, ctx, value: bool):
        self.share_notify = bool(value)

    @staff_event("read")
    def cancel_dialogs(self, db, ctx):
        self.share_id = self.replace_id = self.delete_id = 0

    @staff_event
    def confirm_share(self, db, ctx):
        target, notify_customer = self.share_id, self.share_notify
        self.share_id = 0
        sent = documents.set_shared(db, ctx, target, True, notify_customer=notify_customer)
        self._fetch(db, ctx)
        notify.dispatch_after_commit(db, sent)
        if sent:
            self._flash("admin.documents.shared_notified", count=len(sent))
        else:
            self._flash("admin.documents.shared_ok")

    @staff_event
    def unshare(self, db, ctx, doc_id: int):
        documents.set_shared(db, ctx, parse_id(doc_id), False)
        self._fetch(db, ctx)
        self._flash("admin.documents.unshared_ok")

    @staff_event
    def move_to(self, db, ctx, doc_id: int, folder: str):
        self.flash_key = ""
        target = int(folder) if str(folder).isdigit() and int(folder) else None  # "0": outside any folder
        documents.move_document(db, ctx, parse_id(doc_id), target)
        self._fetch(db, ctx)

    # ---- replace, delete ----

    @staff_event("read")
    def ask_replace(self, db, ctx, doc_id: int):
        found = self._title_of(doc_id)
        if found is not None:
            self.replace_id, self.replace_title = found

    @staff_event(background=True)
    async def replace_document(self, ctx, chunks: rx.UploadChunkIterator):
        async with self:
            target = self.replace_id

        def store(db, who, account_id, stored):
            if len(stored) != 1:
                raise DomainError("files.error.no_file")
            return documents.replace_document(db, who, target, stored[0])

        old = await self._receive(ctx, chunks, store)
        file_intake.remove(documents.AREA, old)
        async with self:
            self.replace_id = 0
            self._flash("admin.documents.replaced")
        yield rx.clear_selected_files(REPLACE_ID)

    @staff_event("read")
    def ask_delete(self, db, ctx, doc_id: int):
        found = self._title_of(doc_id)
        if found is not None:
            self.delete_id, self.delete_title = found

    @staff_event
    def confirm_delete(self, db, ctx):
        target = self.delete_id
        self.delete_id = 0
        gone = documents.delete_document(db, ctx, target)
        self._fetch(db, ctx)
        file_intake.remove_after_commit(db, documents.AREA, gone)
        self._flash("admin.documents.deleted")

    # ---- settings ----

    @staff_event("settings.write")
    def save_settings(self, db, ctx, form: dict):
        raw = str(form.get("max_upload_mb", ""))
        self.settings_version += 1  # the form shows what is stored, saved or not
        documents.update_settings(db, ctx, customer_uploads=bool(form.get("customer_uploads")),
                                  max_upload_mb=int(raw) if raw.isdigit() else 0)
        self._fetch(db, ctx)
        self._flash("admin.documents.settings_saved")
