"""Console: one account's documents — folders, upload with progress, share (optional email),
unshare, replace, move, delete — and the documents settings."""

from __future__ import annotations

import logging

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.core import accounts, files as file_intake, i18n, notify
from portal_app.documents import rules as documents
from portal_app.core.auth import staff
from portal_app.core.errors import DomainError
from portal_app.core.states.paging import page_count as _pages, query_int as _query_int
from portal_app.core.states.staff import StaffState
from portal_app.core.states.uploads import progress_percent, receive_and_store

UPLOAD_ID = "staff-document-upload"
REPLACE_ID = "staff-document-replace"
RECEIVED = -1  # the folder filter value for "received from the customer"
log = logging.getLogger("guichet.documents")


class AdminDocumentsState(StaffState):
    # Account picker
    account_id: int = 0
    account_name: str = ""
    account_number: str = ""
    found_accounts: list[dict[str, str]] = []
    # The account's documents
    folders: list[dict[str, str]] = []
    folder_filter: int = 0  # 0 all, -1 received, else a folder id
    q: str = ""
    page: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []
    received_unseen: int = 0
    # Upload
    upload_folder: int = 0
    upload_share: bool = False
    upload_notify: bool = False
    uploading: bool = False
    upload_percent: int = 0
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

    @rx.var
    def pages(self) -> int:
        return _pages(self.total, documents.PAGE_SIZE)

    def _fetch(self, db) -> None:
        who = self._staff(db)
        settings = documents.get_settings_row(db)
        self.customer_uploads, self.max_upload_mb = settings.customer_uploads, settings.max_upload_mb
        if not self.account_id:
            self.rows, self.folders, self.total = [], [], 0
            return
        account = accounts.get_account(db, self.account_id)
        self.account_name, self.account_number = account.name, account.number
        lang = self.lang or "en"
        self.folders = [{"id": str(fid), "name": name, "count": str(n)}
                        for fid, name, n in documents.account_folders(db, who, account.id)]
        folder = self.folder_filter if self.folder_filter > 0 else None
        items, self.total = documents.staff_list(db, who, account.id, folder_id=folder, q=self.q,
                                                 received_only=self.folder_filter == RECEIVED, page=self.page)
        self.rows = [{"id": str(d.id), "title": d.title, "folder": d.folder_name, "folder_id": str(d.folder_id or 0),
                      "when": i18n.format_datetime(d.updated_at, lang), "size": i18n.format_size(d.size_bytes, lang),
                      "shared": "1" if d.shared else "", "received": "1" if d.source == "customer" else "",
                      "new": "1" if d.is_new else "", "inline": "1" if d.inline else "",
                      "version": str(d.version)} for d in items]
        self.received_unseen = documents.received_unseen_count(db, account.id)

    def _run(self, fn=None) -> bool:
        try:
            with session_scope() as db:
                if fn is not None:
                    fn(db)
                self._fetch(db)
        except DomainError as exc:
            self._flash_error(exc)
            return False
        except (TypeError, ValueError):  # an id from the browser that is not a number
            self._flash_error(DomainError("error.not_found"))
            return False
        return True

    @rx.event
    def load_admin_documents(self):
        self.account_id = _query_int(self, "account") or 0
        self.folder_filter, self.q, self.page, self.found_accounts = 0, "", 1, []
        self.share_id = self.replace_id = self.delete_id = 0
        self.uploading, self.upload_folder = False, 0
        self.settings_version += 1
        if not self._run() and self.account_id:
            self.account_id = 0

    @rx.event
    def find_account(self, form: dict):
        q = str(form.get("q", ""))[:100]

        def find(db):
            self._staff(db)
            self.found_accounts = [{"id": str(i), "name": n, "number": num}
                                   for i, n, num in documents.search_accounts(db, q)]

        self._run(find)

    @rx.event
    def filter_folder(self, folder: int):
        try:
            self.folder_filter, self.page = int(folder), 1
        except (TypeError, ValueError):
            return
        self._run()

    @rx.event
    def search(self, form: dict):
        self.q, self.page = str(form.get("q", ""))[:100], 1
        self._run()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        self._run()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        self._run()

    @rx.event
    def create_folder(self, form: dict):
        name = str(form.get("name", ""))[:200]

        def create(db):
            who = self._staff(db)
            documents.create_folder(db, who, self.account_id, name)

        if self._run(create):
            self._flash("admin.documents.folder_created", name=" ".join(name.split()))

    @rx.event
    def delete_folder(self, folder_id: int):
        moved: dict = {}

        def delete(db):
            who = self._staff(db)
            moved["n"] = documents.delete_folder(db, who, self.account_id, int(folder_id))

        if self.folder_filter == folder_id:
            self.folder_filter = 0
        if self._run(delete):
            self._flash("admin.documents.folder_deleted", count=moved["n"])

    # ---- upload ----

    @rx.event
    def set_upload_folder(self, value: str):
        self.upload_folder = int(value) if str(value).isdigit() else 0

    @rx.event
    def set_upload_share(self, value: bool):
        self.upload_share = bool(value)
        if not self.upload_share:
            self.upload_notify = False

    @rx.event
    def set_upload_notify(self, value: bool):
        self.upload_notify = bool(value) and self.upload_share

    @rx.event
    def set_upload_progress(self, prog: dict):
        self.upload_percent = progress_percent(prog)

    async def _receive(self, chunks, store):
        """Shared by upload and replace: staff session first, then the bytes, then the rows."""
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
        except DomainError as exc:
            async with self:
                self.uploading = False
                self._flash_error(exc)
            return None
        async with self:
            self.uploading, self.upload_percent = False, 100
            self._run()
        return result

    @rx.event(background=True)
    async def upload_documents(self, chunks: rx.UploadChunkIterator):
        async with self:
            folder, share, notify_customer = self.upload_folder or None, self.upload_share, self.upload_notify

        def store(db, who, account_id, stored):
            deliveries = []
            for f in stored:
                _, sent = documents.add_document(db, who, account_id, f, folder_id=folder, shared=share,
                                                 notify_customer=notify_customer)
                deliveries += sent
            return len(stored), deliveries

        result = await self._receive(chunks, store)
        if result is None:
            return
        count, deliveries = result
        notify.dispatch(deliveries)
        async with self:
            self._flash("admin.documents.uploaded", count=count)
        yield rx.clear_selected_files(UPLOAD_ID)

    # ---- share, unshare ----

    @rx.event
    def ask_share(self, doc_id: int):
        row = next((r for r in self.rows if r["id"] == str(doc_id)), None)
        if row is not None:
            self.share_id, self.share_title, self.share_notify = int(doc_id), row["title"], False

    @rx.event
    def set_share_notify(self, value: bool):
        self.share_notify = bool(value)

    @rx.event
    def cancel_dialogs(self):
        self.share_id = self.replace_id = self.delete_id = 0

    @rx.event
    def confirm_share(self):
        target, notify_customer = self.share_id, self.share_notify
        self.share_id = 0
        sent: dict = {}

        def share(db):
            who = self._staff(db)
            sent["d"] = documents.set_shared(db, who, target, True, notify_customer=notify_customer)

        if self._run(share):
            notify.dispatch(sent["d"])
            if sent["d"]:
                self._flash("admin.documents.shared_notified", count=len(sent["d"]))
            else:
                self._flash("admin.documents.shared_ok")

    @rx.event
    def unshare(self, doc_id: int):
        def do(db):
            who = self._staff(db)
            documents.set_shared(db, who, int(doc_id), False)

        if self._run(do):
            self._flash("admin.documents.unshared_ok")

    @rx.event
    def move_to(self, doc_id: int, folder: str):
        def do(db):
            who = self._staff(db)
            documents.move_document(db, who, int(doc_id), int(folder) if str(folder).isdigit() and int(folder) else None)

        self.flash_key = ""
        self._run(do)

    # ---- replace, delete ----

    @rx.event
    def ask_replace(self, doc_id: int):
        row = next((r for r in self.rows if r["id"] == str(doc_id)), None)
        if row is not None:
            self.replace_id, self.replace_title = int(doc_id), row["title"]

    @rx.event(background=True)
    async def replace_document(self, chunks: rx.UploadChunkIterator):
        async with self:
            target = self.replace_id

        def store(db, who, account_id, stored):
            if len(stored) != 1:
                raise DomainError("files.error.no_file")
            return documents.replace_document(db, who, target, stored[0])

        old = await self._receive(chunks, store)
        if old is None:
            return
        file_intake.remove(documents.AREA, old)
        async with self:
            self.replace_id = 0
            self._flash("admin.documents.replaced")
        yield rx.clear_selected_files(REPLACE_ID)

    @rx.event
    def ask_delete(self, doc_id: int):
        row = next((r for r in self.rows if r["id"] == str(doc_id)), None)
        if row is not None:
            self.delete_id, self.delete_title = int(doc_id), row["title"]

    @rx.event
    def confirm_delete(self):
        target = self.delete_id
        self.delete_id = 0
        gone: dict = {}

        def delete(db):
            who = self._staff(db)
            gone["name"] = documents.delete_document(db, who, target)

        if self._run(delete):
            file_intake.remove(documents.AREA, gone["name"])
            self._flash("admin.documents.deleted")

    # ---- settings ----

    @rx.event
    def save_settings(self, form: dict):
        raw = str(form.get("max_upload_mb", ""))

        def save(db):
            who = self._staff(db)
            documents.update_settings(db, who, customer_uploads=bool(form.get("customer_uploads")),
                                      max_upload_mb=int(raw) if raw.isdigit() else 0)

        if self._run(save):
            self._flash("admin.documents.settings_saved")
        self.settings_version += 1
