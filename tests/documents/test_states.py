"""Documents states: the customer page (folders, search, preview, "new" badges, sending a file) and
the console page (upload with the streamed handler, share with the opt-in email, replace, delete)."""

from __future__ import annotations

import itertools

import pytest
import reflex as rx
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core.models.audit import AuditEvent
from portal_app.documents.models import Document
from portal_app.core.models.notify import OutboundMessage
from portal_app.core import business, files as file_intake
from portal_app.documents import rules as documents
from portal_app.core.auth import sessions as portal_sessions
from portal_app.documents.admin_state import AdminDocumentsState
from portal_app.documents.state import DocumentsState
from portal_app.documents.state import DocumentsCountState
from tests.factories import PDF_BYTES, PNG_BYTES, make_account, make_contact, make_document, staff_ctx, staff_session
from tests.support.states import public_json, sub
from tests.support.uploads import at, run_upload

_n = itertools.count(1)


@pytest.fixture(autouse=True)
def _uploads_off_after():
    yield
    with session_scope() as db:
        row = documents.get_settings_row(db)
        row.customer_uploads, row.max_upload_mb = False, 25
    business.forget_cached_business()


def customer_with_documents():
    with session_scope() as db:
        acc = make_account(db, name=f"Docs Ltd {next(_n)}")
        contact = make_contact(db, acc, portal_role="admin", language="en")
        staff = staff_ctx(db)
        folder = documents.create_folder(db, staff, acc.id, "Contracts")
        shared = make_document(db, acc, title="Contract.pdf", folder_id=folder.id, by=staff)
        image = make_document(db, acc, title="Plan.png", data=PNG_BYTES, by=staff)
        hidden = make_document(db, acc, title="Internal.pdf", shared=False, by=staff)
        token = portal_sessions.open_session(db, contact.id)
        return {"account": acc.id, "contact": contact.id, "token": token, "folder": folder.id,
                "shared": shared.id, "image": image.id, "hidden": hidden.id, "stored": shared.stored_name}


def foreign_objects():
    with session_scope() as db:
        other = make_account(db, name=f"Other {next(_n)}")
        staff = staff_ctx(db)
        folder = documents.create_folder(db, staff, other.id, "Theirs")
        doc = make_document(db, other, title="Theirs.pdf", folder_id=folder.id, by=staff)
        return folder.id, doc.id


def test_customer_documents_page(root):
    data = customer_with_documents()
    page = sub(root, DocumentsState)
    page.portal_sid = data["token"]
    page.load_documents()
    assert page.total == 2 and {r.title for r in page.rows} == {"Contract.pdf", "Plan.png"}
    assert all(r.new is True for r in page.rows)
    assert [f.name for f in page.folders] == ["Contracts"] and not page.can_upload
    page.open_folder(data["folder"])
    assert [r.title for r in page.rows] == ["Contract.pdf"] and page.folder_name == "Contracts"
    page.show_all()
    page.search({"q": "plan"})
    assert [r.title for r in page.rows] == ["Plan.png"] and page.rows[0].kind == "image"
    page.show_all()
    page.set_filter("sort", "name")
    assert [r.title for r in page.rows] == ["Contract.pdf", "Plan.png"]
    page.open_preview(data["shared"])
    assert page.dialog == "preview" and page.preview_kind == "pdf" and page.preview_title == "Contract.pdf"
    assert {r.title: r.new for r in page.rows} == {"Contract.pdf": False, "Plan.png": True}
    counts = sub(root, DocumentsCountState)
    counts.load_document_count()
    assert counts.count == 1
    # what the browser holds: display values only, never the stored file name or a hash
    blob = public_json(root)
    assert data["stored"] not in blob and "Internal.pdf" not in blob


def test_customer_handlers_refuse_other_accounts_ids(root):
    data = customer_with_documents()
    folder_id, doc_id = foreign_objects()
    page = sub(root, DocumentsState)
    page.portal_sid = data["token"]
    page.load_documents()
    page.open_folder(folder_id)
    assert page.error_key == "error.not_found" and page.folder_id == 0
    for target in (doc_id, data["hidden"], 10**9):
        page.open_preview(target)
        assert page.error_key == "error.not_found" and page.dialog == ""
    page.open_folder("1 OR 1=1")  # not a number: ignored
    with session_scope() as db:
        refused = db.exec(select(AuditEvent).where(AuditEvent.action == "security.refused",
                                                   AuditEvent.account_id == data["account"])).all()
    assert {(e.target_type, e.target_id) for e in refused} == {("document_folder", folder_id), ("document", doc_id),
                                                               ("document", data["hidden"])}


def test_handlers_without_a_session_do_nothing(root):
    data = customer_with_documents()
    page = sub(root, DocumentsState)
    page.portal_sid = "forged"
    page.load_documents()
    assert page.rows == [] and page.error_key == "error.session_over"
    page.open_preview(data["shared"])
    assert page.dialog == ""
    run_upload(page, "upload_document", [("x.pdf", PDF_BYTES)])
    assert page.error_key == "error.session_over"


def test_customer_sends_a_document_when_allowed(root):
    data = customer_with_documents()
    page = sub(root, DocumentsState)
    page.portal_sid = data["token"]
    before = set(file_intake.area_dir("documents").iterdir())
    run_upload(page, "upload_document", [("Kbis.pdf", PDF_BYTES)])
    assert page.error_key == "documents.error.uploads_off" and not page.uploading
    assert set(file_intake.area_dir("documents").iterdir()) == before
    with session_scope() as db:
        row = documents.get_settings_row(db)
        row.customer_uploads, row.max_upload_mb = True, 1
    page.load_documents()
    assert page.can_upload and page.max_mb == 1
    run_upload(page, "upload_document", [("virus.pdf", b"MZ" + b"\x00" * 5000)])
    assert page.error_key == "files.error.type" and "virus.pdf" in page.error_text
    run_upload(page, "upload_document", [("big.pdf", PDF_BYTES + b"0" * (2 * 1024 * 1024))])
    assert page.error_key == "files.error.too_large"
    assert set(file_intake.area_dir("documents").iterdir()) == before
    events = run_upload(page, "upload_document", [("../../Kbis.pdf", PDF_BYTES)])
    assert page.error_key == "" and page.notice_key == "documents.sent_ok" and not page.uploading
    assert any(r.title == "Kbis.pdf" and r.mine is True for r in page.rows)
    assert events  # clears the picked file
    with session_scope() as db:
        doc = db.exec(select(Document).where(Document.account_id == data["account"],
                                             Document.source == "customer")).one()
        assert doc.uploaded_by_contact_id == data["contact"] and not doc.staff_seen
    # nothing ever lands in Reflex's public upload folder
    upload_dir = rx.get_upload_dir()
    assert not any(upload_dir.rglob("*"))


def test_console_upload_share_replace_delete(root):
    with session_scope() as db:
        acc = make_account(db, name=f"Console Docs {next(_n)}")
        reader = make_contact(db, acc, portal_role="admin", language="de")
        token = staff_session(db)
    page = sub(root, AdminDocumentsState)
    page.staff_sid = token
    at(page, f"/admin/documents?account={acc.id}")
    page.load_admin_documents()
    assert page.account_id == acc.id and page.rows == []
    page.create_folder({"name": "Invoices 2026"})
    folder_id = page.folders[0].id
    page.set_upload_folder(str(folder_id))
    page.set_upload_notify(True)  # no notify without sharing
    assert not page.upload_notify
    run_upload(page, "upload_documents", [("Offer.pdf", PDF_BYTES), ("Photo.png", PNG_BYTES)])
    assert page.flash_key == "admin.documents.uploaded" and page.flash_params == {"count": "2"}
    assert {r.title: (r.shared, r.folder) for r in page.rows} == {
        "Offer.pdf": (False, "Invoices 2026"), "Photo.png": (False, "Invoices 2026")}
    offer = next(r for r in page.rows if r.title == "Offer.pdf")
    # sharing asks first; the email is opt-in and off
    page.ask_share(offer.id)
    assert page.share_id == offer.id and page.share_notify is False
    page.set_share_notify(True)
    page.confirm_share()
    assert page.flash_key == "admin.documents.shared_notified"
    with session_scope() as db:
        mails = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == reader.id)).all()
    assert [(m.template, m.language) for m in mails] == [("document_shared", "de")]
    # replace keeps the document, new version, old file gone
    with session_scope() as db:
        old_name = db.get(Document, offer.id).stored_name
    page.ask_replace(offer.id)
    run_upload(page, "replace_document", [("Offer v2.pdf", PDF_BYTES + b"%v2")])
    assert page.flash_key == "admin.documents.replaced" and page.replace_id == 0
    with session_scope() as db:
        doc = db.get(Document, offer.id)
        assert doc.version == 2 and doc.title == "Offer v2.pdf" and doc.shared
    assert file_intake.stored_path("documents", old_name) is None
    page.ask_delete(offer.id)
    page.confirm_delete()
    assert page.flash_key == "admin.documents.deleted" and len(page.rows) == 1
    assert file_intake.stored_path("documents", doc.stored_name) is None
    page.delete_folder(folder_id)
    assert page.flash_params == {"count": "1"} and page.folders == []


def test_console_documents_need_a_full_staff_session(root):
    with session_scope() as db:
        acc = make_account(db)
        half = staff_session(db, totp=False)
    page = sub(root, AdminDocumentsState)
    page.staff_sid = half
    at(page, f"/admin/documents?account={acc.id}")
    page.load_admin_documents()
    assert page.account_id == 0 and page.flash_key == "error.session_over"
    page.account_id = acc.id
    before = set(file_intake.area_dir("documents").iterdir())
    run_upload(page, "upload_documents", [("x.pdf", PDF_BYTES)])
    assert page.flash_key == "error.session_over"
    assert set(file_intake.area_dir("documents").iterdir()) == before
