"""Documents: staff share files with an account (in folders), customers read, preview, download and
send files back. Not shared means not there: a customer gets the same answer as for a missing id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, exists, false, or_
from sqlmodel import Session, func, select

from portal_app.core.db import get_or_not_found, singleton
from portal_app.core.models.accounts import Account, Contact
from portal_app.documents.models import Document, DocumentFolder, DocumentSettings, DocumentView
from portal_app.documents.models import SOURCE_BUSINESS, SOURCE_CUSTOMER
from portal_app.core import audit, clock, files as file_intake, notifications, notify
from portal_app.core.accounts import effective_rights, get_account
from portal_app.core.business import branding, business_view
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.files import StoredFile
from portal_app.core.auth.sessions import PortalContext, require_module
from portal_app.core.auth.staff import StaffContext

MODULE = "documents"
AREA = "documents"
PAGE_SIZE = 20
SORTS = ("newest", "oldest", "name")
FOLDER_NAME_MAX = 120
MAX_UPLOAD_MB_LIMIT = 200


# ---- settings -----------------------------------------------------------------------------------


def get_settings_row(db: Session) -> DocumentSettings:
    return singleton(db, DocumentSettings)


def max_upload_bytes(db: Session) -> int:
    row = db.get(DocumentSettings, 1)
    return (row.max_upload_mb if row else DocumentSettings().max_upload_mb) * 1024 * 1024


def customer_uploads_allowed(db: Session) -> bool:
    row = db.get(DocumentSettings, 1)
    return bool(row and row.customer_uploads)


def upload_rules(db: Session) -> tuple[bool, int]:
    """(may customers send documents, size limit in bytes), from one read of the settings row."""
    row = db.get(DocumentSettings, 1) or DocumentSettings()
    return bool(row.customer_uploads), row.max_upload_mb * 1024 * 1024


def update_settings(db: Session, staff: StaffContext, *, customer_uploads: bool, max_upload_mb: int) -> DocumentSettings:
    if not 1 <= int(max_upload_mb) <= MAX_UPLOAD_MB_LIMIT:
        raise DomainError("documents.error.max_mb", max=MAX_UPLOAD_MB_LIMIT)
    row = get_settings_row(db)
    row.customer_uploads, row.max_upload_mb, row.updated_at = bool(customer_uploads), int(max_upload_mb), clock.now()
    db.add(row)
    audit.record(db, staff.actor, "documents.settings", target_type="document_settings", target_id=1)
    return row


# ---- shared helpers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DocItem:
    id: int
    title: str
    mime_type: str
    size_bytes: int
    created_at: datetime
    updated_at: datetime
    folder_id: int | None
    folder_name: str
    shared: bool
    source: str
    is_new: bool
    version: int

    @property
    def inline(self) -> bool:
        return self.mime_type in file_intake.INLINE_TYPES


def _order(sort: str):
    if sort == "oldest":
        return (Document.created_at.asc(), Document.id.asc())
    if sort == "name":
        return (func.lower(Document.title).asc(), Document.id.asc())
    return (Document.created_at.desc(), Document.id.desc())


def _like(q: str) -> str:
    escaped = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# ---- customers ------------------------------------------------------------------------------------
# The customer's page runs these on every load, search and page turn: the statements are built once
# (building one costs as much as running it) and return plain columns, not ORM rows.

_ITEM_COLUMNS = (Document.id, Document.title, Document.mime_type, Document.size_bytes, Document.created_at,
                 Document.updated_at, Document.folder_id, DocumentFolder.name, Document.shared, Document.source,
                 Document.version)
_VISIBLE = (Document.account_id == bindparam("account_id"), Document.shared.is_(True))
_SEEN_BY_CONTACT = exists().where(DocumentView.document_id == Document.id,
                                  DocumentView.contact_id == bindparam("contact_id"))


@lru_cache(maxsize=None)
def _customer_query(in_folder: bool, searching: bool, sort: str, counting: bool):
    conds = list(_VISIBLE)
    if in_folder:
        conds.append(Document.folder_id == bindparam("folder_id"))
    if searching:
        conds.append(func.lower(Document.title).like(bindparam("like"), escape="\\"))
    if counting:
        return select(func.count()).select_from(Document).where(*conds)
    return (select(*_ITEM_COLUMNS, _SEEN_BY_CONTACT.label("seen"))
            .outerjoin(DocumentFolder, DocumentFolder.id == Document.folder_id)
            .where(*conds).order_by(*_order(sort))
            .limit(bindparam("limit")).offset(bindparam("offset")))


_FOLDERS_QUERY = (select(DocumentFolder.id, DocumentFolder.name, func.count(Document.id))
                  .join(Document, Document.folder_id == DocumentFolder.id)
                  .where(DocumentFolder.account_id == bindparam("account_id"), *_VISIBLE)
                  .group_by(DocumentFolder.id, DocumentFolder.name)
                  .order_by(func.lower(DocumentFolder.name)))
_NEW_COUNT_QUERY = (select(func.count()).select_from(Document)
                    .where(*_VISIBLE, Document.source == SOURCE_BUSINESS, ~_SEEN_BY_CONTACT))
_NEWEST_UNSEEN_QUERY = (select(*_ITEM_COLUMNS, false().label("seen"))
                        .outerjoin(DocumentFolder, DocumentFolder.id == Document.folder_id)
                        .where(*_VISIBLE, Document.source == SOURCE_BUSINESS, ~_SEEN_BY_CONTACT)
                        .order_by(Document.created_at.desc(), Document.id.desc()).limit(bindparam("limit")))


def list_folders(db: Session, ctx: PortalContext) -> list[tuple[int, str, int]]:
    """(id, name, shared document count) of this account's folders that hold something to see."""
    require_module(ctx, MODULE)
    rows = db.exec(_FOLDERS_QUERY, params={"account_id": ctx.account_id}).all()
    return [(fid, name, n) for fid, name, n in rows]


def list_for_contact(db: Session, ctx: PortalContext, *, folder_id: int | None = None, q: str = "",
                     sort: str = "newest", page: int = 1, page_size: int = PAGE_SIZE) -> tuple[list[DocItem], int]:
    """This account's shared documents (and those its contacts sent), paged in the database."""
    require_module(ctx, MODULE)
    params = {"account_id": ctx.account_id, "contact_id": ctx.contact_id}
    if folder_id is not None:
        folder = get_or_not_found(db, DocumentFolder, folder_id)
        if folder.account_id != ctx.account_id:
            raise audit.refuse(db, audit.portal_actor(ctx), "document_folder", folder_id, "other_account",
                               ctx.account_id)
        params["folder_id"] = folder_id
    searching = bool(q.strip())
    if searching:
        params["like"] = _like(q[:100])
    sort = sort if sort in SORTS else "newest"
    in_folder = folder_id is not None
    total = db.exec(_customer_query(in_folder, searching, "", True), params=params).one()
    rows = db.exec(_customer_query(in_folder, searching, sort, False),
                   params={**params, "limit": page_size, "offset": (max(page, 1) - 1) * page_size}).all()
    return [_row_item(r) for r in rows], total


def _row_item(r) -> DocItem:
    (doc_id, title, mime, size, created, updated, folder_id, folder_name, shared, source, version, seen) = r
    return DocItem(id=doc_id, title=title, mime_type=mime, size_bytes=size, created_at=created, updated_at=updated,
                   folder_id=folder_id, folder_name=folder_name or "", shared=shared, source=source,
                   is_new=source == SOURCE_BUSINESS and not seen, version=version)


def _item(d: Document, folder_name: str | None, *, is_new: bool) -> DocItem:
    return DocItem(id=d.id, title=d.title, mime_type=d.mime_type, size_bytes=d.size_bytes, created_at=d.created_at,
                   updated_at=d.updated_at, folder_id=d.folder_id, folder_name=folder_name or "", shared=d.shared,
                   source=d.source, is_new=is_new, version=d.version)


def new_count(db: Session, ctx: PortalContext) -> int:
    """Shared documents from the business this contact has not opened yet (the navigation badge)."""
    if not ctx.can(MODULE):
        return 0
    return db.exec(_NEW_COUNT_QUERY, params={"account_id": ctx.account_id, "contact_id": ctx.contact_id}).one()


def newest_unseen(db: Session, ctx: PortalContext, *, limit: int = 5) -> list[DocItem]:
    """For the dashboard: the newest shared documents this contact has not opened."""
    if not ctx.can(MODULE):
        return []
    rows = db.exec(_NEWEST_UNSEEN_QUERY, params={"account_id": ctx.account_id, "contact_id": ctx.contact_id,
                                                 "limit": limit}).all()
    return [_row_item(r) for r in rows]


def open_for_contact(db: Session, ctx: PortalContext, document_id: int, *, mark_seen: bool = True) -> Document:
    """The document if this contact may see it; records that they opened it (not when staff look as them,
    and not from the download route: a GET changes nothing, the page's click does)."""
    doc = get_or_not_found(db, Document, document_id)
    actor = audit.portal_actor(ctx)
    if doc.account_id != ctx.account_id:
        raise audit.refuse(db, actor, "document", document_id, "other_account", ctx.account_id)
    if not doc.shared:
        raise audit.refuse(db, actor, "document", document_id, "not_shared", ctx.account_id)
    if not ctx.can(MODULE):
        raise audit.refuse(db, actor, "document", document_id, "no_right", ctx.account_id)
    if mark_seen and not ctx.impersonating:
        _mark_seen(db, doc.id, ctx.contact_id)
    return doc


def _mark_seen(db: Session, document_id: int, contact_id: int) -> None:
    found = db.exec(select(DocumentView).where(DocumentView.document_id == document_id,
                                               DocumentView.contact_id == contact_id)).first()
    if found is None:
        db.add(DocumentView(document_id=document_id, contact_id=contact_id, seen_at=clock.now()))
        db.flush()


def check_customer_upload(db: Session, ctx: PortalContext) -> int:
    """Before any byte is stored: may this contact send a document? Returns the size limit in bytes."""
    require_module(ctx, MODULE)
    if not customer_uploads_allowed(db):
        raise DomainError("documents.error.uploads_off")
    return max_upload_bytes(db)


def add_customer_document(db: Session, ctx: PortalContext, stored: StoredFile) -> Document:
    """A file a contact sends to the business: visible to the account, shown to staff as received."""
    check_customer_upload(db, ctx)
    now = clock.now()
    doc = Document(account_id=ctx.account_id, title=stored.title, stored_name=stored.stored_name,
                   mime_type=stored.mime_type, size_bytes=stored.size_bytes, shared=True, source=SOURCE_CUSTOMER,
                   uploaded_by_contact_id=ctx.contact_id, staff_seen=False, created_at=now, updated_at=now)
    db.add(doc)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "document.receive", target_type="document", target_id=doc.id,
                 account_id=ctx.account_id, size=stored.size_bytes, mime=stored.mime_type)
    return doc


# ---- staff ------------------------------------------------------------------------------------------


def account_folders(db: Session, staff: StaffContext, account_id: int) -> list[tuple[int, str, int]]:
    """(id, name, document count) of an account's folders, empty ones included."""
    get_account(db, account_id)
    rows = db.exec(select(DocumentFolder.id, DocumentFolder.name, func.count(Document.id))
                   .outerjoin(Document, Document.folder_id == DocumentFolder.id)
                   .where(DocumentFolder.account_id == account_id)
                   .group_by(DocumentFolder.id, DocumentFolder.name).order_by(func.lower(DocumentFolder.name))).all()
    return [(fid, name, n) for fid, name, n in rows]


def _folder_of(db: Session, account_id: int, folder_id: int | None) -> DocumentFolder | None:
    if folder_id is None:
        return None
    folder = get_or_not_found(db, DocumentFolder, folder_id)
    if folder.account_id != account_id:
        raise NotFound()
    return folder


def create_folder(db: Session, staff: StaffContext, account_id: int, name: str) -> DocumentFolder:
    get_account(db, account_id)
    name = " ".join((name or "").split())[:FOLDER_NAME_MAX]
    if not name:
        raise DomainError("documents.error.folder_name")
    clash = db.exec(select(DocumentFolder).where(DocumentFolder.account_id == account_id,
                                                 func.lower(DocumentFolder.name) == name.lower())).first()
    if clash is not None:
        raise DomainError("documents.error.folder_exists", name=name)
    folder = DocumentFolder(account_id=account_id, name=name, created_at=clock.now())
    db.add(folder)
    db.flush()
    audit.record(db, staff.actor, "document_folder.create", target_type="document_folder", target_id=folder.id,
                 account_id=account_id)
    return folder


def delete_folder(db: Session, staff: StaffContext, account_id: int, folder_id: int) -> int:
    """Remove a folder; its documents stay on the account, outside any folder. Returns how many moved."""
    folder = _folder_of(db, account_id, folder_id)
    docs = db.exec(select(Document).where(Document.account_id == account_id, Document.folder_id == folder.id)).all()
    for doc in docs:
        doc.folder_id = None
        db.add(doc)
    db.flush()
    db.delete(folder)
    db.flush()
    audit.record(db, staff.actor, "document_folder.delete", target_type="document_folder", target_id=folder_id,
                 account_id=account_id, moved=len(docs))
    return len(docs)


def staff_list(db: Session, staff: StaffContext, account_id: int, *, folder_id: int | None = None, q: str = "",
               received_only: bool = False, sort: str = "newest", page: int = 1,
               page_size: int = PAGE_SIZE) -> tuple[list[DocItem], int]:
    get_account(db, account_id)
    conds = [Document.account_id == account_id]
    if folder_id is not None:
        _folder_of(db, account_id, folder_id)
        conds.append(Document.folder_id == folder_id)
    if received_only:
        conds.append(Document.source == SOURCE_CUSTOMER)
    if q.strip():
        conds.append(func.lower(Document.title).like(_like(q[:100]), escape="\\"))
    total = db.exec(select(func.count()).select_from(Document).where(*conds)).one()
    rows = db.exec(select(Document, DocumentFolder.name)
                   .outerjoin(DocumentFolder, DocumentFolder.id == Document.folder_id)
                   .where(*conds).order_by(*_order(sort if sort in SORTS else "newest"))
                   .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return [_item(d, fname, is_new=d.source == SOURCE_CUSTOMER and not d.staff_seen) for d, fname in rows], total


def received_unseen_count(db: Session, account_id: int | None = None) -> int:
    conds = [Document.source == SOURCE_CUSTOMER, Document.staff_seen.is_(False)]
    if account_id is not None:
        conds.append(Document.account_id == account_id)
    return db.exec(select(func.count()).select_from(Document).where(*conds)).one()


def _staff_doc(db: Session, document_id: int, account_id: int | None = None) -> Document:
    doc = get_or_not_found(db, Document, document_id)
    if account_id is not None and doc.account_id != account_id:
        raise NotFound()
    return doc


def open_for_staff(db: Session, staff: StaffContext, document_id: int, *, mark_seen: bool = True) -> Document:
    """Any document, for staff; records that staff opened it (not from the download route: a GET
    changes nothing, the console's click does)."""
    doc = _staff_doc(db, document_id)
    if mark_seen and not doc.staff_seen:
        doc.staff_seen = True
        db.add(doc)
        db.flush()
    return doc


def add_document(db: Session, staff: StaffContext, account_id: int, stored: StoredFile, *,
                 folder_id: int | None = None, shared: bool = False,
                 notify_customer: bool = False) -> tuple[Document, list[notify.Delivery]]:
    """Staff upload a document to an account. Shared at once only when asked; never emailed unless asked."""
    account = get_account(db, account_id)
    _folder_of(db, account_id, folder_id)
    now = clock.now()
    doc = Document(account_id=account.id, folder_id=folder_id, title=stored.title, stored_name=stored.stored_name,
                   mime_type=stored.mime_type, size_bytes=stored.size_bytes, shared=False, source=SOURCE_BUSINESS,
                   uploaded_by_staff_id=staff.staff_id, created_at=now, updated_at=now)
    db.add(doc)
    db.flush()
    audit.record(db, staff.actor, "document.upload", target_type="document", target_id=doc.id,
                 account_id=account.id, size=stored.size_bytes, mime=stored.mime_type)
    deliveries = set_shared(db, staff, doc.id, True, notify_customer=notify_customer) if shared else []
    return doc, deliveries


def set_shared(db: Session, staff: StaffContext, document_id: int, shared: bool, *,
               notify_customer: bool = False) -> list[notify.Delivery]:
    """Share or unshare. Sharing posts a "new document" notice; emailing the customer is opt-in."""
    doc = _staff_doc(db, document_id)
    if doc.shared == bool(shared):
        return []
    doc.shared, doc.updated_at = bool(shared), clock.now()
    db.add(doc)
    db.flush()
    audit.record(db, staff.actor, "document.share" if shared else "document.unshare", target_type="document",
                 target_id=doc.id, account_id=doc.account_id, notified=bool(shared and notify_customer))
    ref = f"document:{doc.id}"
    if not shared:
        notifications.withdraw(db, account_id=doc.account_id, ref=ref)
        return []
    if doc.source == SOURCE_BUSINESS:
        notifications.post(db, account_id=doc.account_id, kind="document.new", key="notification.document_new",
                           params={"title": doc.title}, link="/documents", module=MODULE, ref=ref)
    return _email_customers(db, doc, "document_shared") if notify_customer else []


def document_readers(db: Session, account_id: int) -> list[Contact]:
    """Contacts of the account who can open the documents page now."""
    account = db.get(Account, account_id)
    if account is None or not account.active or MODULE not in business_view(db).modules:
        return []
    rows = db.exec(select(Contact).where(Contact.account_id == account_id, Contact.active.is_(True),
                                         Contact.portal_access.is_(True))).all()
    return [c for c in rows if MODULE in effective_rights(c)]


def _email_customers(db: Session, doc: Document, template: str) -> list[notify.Delivery]:
    brand = branding(db)
    deliveries = []
    for contact in document_readers(db, doc.account_id):
        mail = notify.render_email(template, contact.language, brand, link=notify.portal_url("/documents"),
                                   name=contact.first_name or contact.full_name, title=doc.title)
        deliveries.append(notify.queue_email(db, to=contact.email, template=template, language=contact.language,
                                             rendered=mail, sender_name=brand.sender_name, contact_id=contact.id,
                                             account_id=doc.account_id))
    return deliveries


def replace_document(db: Session, staff: StaffContext, document_id: int, stored: StoredFile) -> str:
    """A new version of the file under the same document; everyone sees it as new again.
    Returns the old stored name, to delete once the transaction is committed."""
    doc = _staff_doc(db, document_id)
    old = doc.stored_name
    doc.stored_name, doc.title, doc.mime_type = stored.stored_name, stored.title, stored.mime_type
    doc.size_bytes, doc.version, doc.updated_at = stored.size_bytes, doc.version + 1, clock.now()
    db.add(doc)
    for view in db.exec(select(DocumentView).where(DocumentView.document_id == doc.id)).all():
        db.delete(view)
    db.flush()
    audit.record(db, staff.actor, "document.replace", target_type="document", target_id=doc.id,
                 account_id=doc.account_id, version=doc.version)
    if doc.shared and doc.source == SOURCE_BUSINESS:
        ref = f"document:{doc.id}"
        notifications.withdraw(db, account_id=doc.account_id, ref=ref)
        notifications.post(db, account_id=doc.account_id, kind="document.updated", key="notification.document_updated",
                           params={"title": doc.title}, link="/documents", module=MODULE, ref=ref)
    return old


def move_document(db: Session, staff: StaffContext, document_id: int, folder_id: int | None) -> Document:
    doc = _staff_doc(db, document_id)
    _folder_of(db, doc.account_id, folder_id)
    doc.folder_id, doc.updated_at = folder_id, clock.now()
    db.add(doc)
    db.flush()
    audit.record(db, staff.actor, "document.move", target_type="document", target_id=doc.id,
                 account_id=doc.account_id, folder_id=folder_id)
    return doc


def delete_document(db: Session, staff: StaffContext, document_id: int) -> str:
    """Delete the row (and its views and notices); returns the stored name to remove after commit."""
    doc = _staff_doc(db, document_id)
    for view in db.exec(select(DocumentView).where(DocumentView.document_id == doc.id)).all():
        db.delete(view)
    notifications.withdraw(db, account_id=doc.account_id, ref=f"document:{doc.id}")
    stored, account_id = doc.stored_name, doc.account_id
    db.delete(doc)
    db.flush()
    audit.record(db, staff.actor, "document.delete", target_type="document", target_id=document_id,
                 account_id=account_id)
    return stored


def search_accounts(db: Session, q: str, limit: int = 10) -> list[tuple[int, str, str]]:
    """(id, name, number) for the console's account picker."""
    like = _like(q[:100])
    rows = db.exec(select(Account.id, Account.name, Account.number)
                   .where(or_(func.lower(Account.name).like(like, escape="\\"),
                              func.lower(Account.number).like(like, escape="\\")))
                   .order_by(Account.name).limit(limit)).all()
    return [(i, n, num) for i, n, num in rows]

