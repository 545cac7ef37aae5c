"""Security of documents: another account's document or folder is refused by id, by URL and by handler
argument (and recorded); a non-shared document does not exist for customers; files are typed by
content and served with safe headers; nothing goes to the public upload folder. (Messages: in
tests/messages/test_security.py.)"""

from __future__ import annotations

import itertools

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.core.routes import build_api
from portal_app.core.db import session_scope
from portal_app.documents import rules as documents
from portal_app.core import files as file_intake
from portal_app.core.auth import sessions as portal_sessions
from portal_app.documents.state import DocumentsState
from portal_app.core.states.portal import PORTAL_COOKIE
from portal_app.core.states.staff import STAFF_COOKIE
from tests.factories import PDF_BYTES, make_account, make_contact, make_document, staff_ctx, staff_session
from tests.support.states import refusals, sub
from tests.support.uploads import run_upload

_n = itertools.count(1)


@pytest.fixture(scope="module")
def world():
    """Two accounts, each with a contact, a folder, a shared and an unshared document; plus staff tokens."""
    out = {}
    with session_scope() as db:
        staff = staff_ctx(db)
        for side in ("mine", "theirs"):
            acc = make_account(db, name=f"Sec {side} {next(_n)}")
            contact = make_contact(db, acc, portal_role="admin", email=f"sec-{side}{next(_n)}@example.com")
            folder = documents.create_folder(db, staff, acc.id, "Folder")
            shared = make_document(db, acc, title='Report "Q1"\r\nX-Evil: 1.pdf', folder_id=folder.id, by=staff)
            hidden = make_document(db, acc, title="Hidden.pdf", shared=False, by=staff)
            text_doc = make_document(db, acc, title="notes.txt", data=b"plain text\n", by=staff)
            out[side] = {"account": acc.id, "token": portal_sessions.open_session(db, contact.id),
                         "folder": folder.id, "shared": shared.id, "hidden": hidden.id, "text": text_doc.id,
                         "stored": shared.stored_name}
        out["staff_full"] = staff_session(db)
        out["staff_half"] = staff_session(db, totp=False)
    return out


@pytest.fixture
def client():
    return TestClient(build_api())



# ---- by URL ----------------------------------------------------------------------------------------


def test_document_route_needs_the_session_the_account_and_sharing(world, client):
    mine, theirs = world["mine"], world["theirs"]
    url = f"/api/documents/{mine['shared']}"
    assert client.get(url).status_code == 404  # no session
    assert client.get(url, cookies={PORTAL_COOKIE: "forged"}).status_code == 404
    assert client.get(url, cookies={STAFF_COOKIE: world["staff_full"]}).status_code == 404  # wrong cookie kind
    before = refusals(theirs["account"], "document", mine["shared"])
    other = client.get(url, cookies={PORTAL_COOKIE: theirs["token"]})
    missing = client.get("/api/documents/999999999", cookies={PORTAL_COOKIE: theirs["token"]})
    # another account's document answers exactly like one that does not exist
    assert other.status_code == missing.status_code == 404 and other.content == missing.content
    assert refusals(theirs["account"], "document", mine["shared"]) == before + 1
    hidden = client.get(f"/api/documents/{mine['hidden']}", cookies={PORTAL_COOKIE: mine["token"]})
    assert hidden.status_code == 404
    ok = client.get(url, cookies={PORTAL_COOKIE: mine["token"]})
    assert ok.status_code == 200 and ok.content == PDF_BYTES


def test_download_headers_are_safe(world, client):
    mine = world["mine"]
    cookies = {PORTAL_COOKIE: mine["token"]}
    r = client.get(f"/api/documents/{mine['shared']}", cookies=cookies)
    cd = r.headers["content-disposition"]
    # the name's quotes and line breaks cannot end the header or start another one
    assert cd == "attachment; filename=\"Report _Q1_X-Evil_ 1.pdf\"; filename*=UTF-8''Report%20%22Q1%22X-Evil%3A%201.pdf"
    assert "x-evil" not in r.headers
    assert r.headers["x-content-type-options"] == "nosniff" and "no-store" in r.headers["cache-control"]
    inline = client.get(f"/api/documents/{mine['shared']}?inline=1", cookies=cookies)
    assert inline.headers["content-disposition"].startswith("inline;")
    assert inline.headers["content-type"] == "application/pdf"
    # only PDF and raster images are ever inline
    text = client.get(f"/api/documents/{mine['text']}?inline=1", cookies=cookies)
    assert text.status_code == 200 and text.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize("path", ["/api/documents/..%2F..%2Fsecret.key", "/api/documents/1%00", "/api/documents/-1",
                                  "/api/documents/1.pdf", "/api/documents/", "/api/admin/documents/abc"])
def test_document_urls_take_only_ids(world, client, path):
    assert client.get(path, cookies={PORTAL_COOKIE: world["mine"]["token"],
                                     STAFF_COOKIE: world["staff_full"]}).status_code == 404


def test_console_routes_need_a_full_staff_session(world, client):
    doc_url = f"/api/admin/documents/{world['mine']['hidden']}"
    for cookies in ({}, {STAFF_COOKIE: world["staff_half"]}, {STAFF_COOKIE: world["mine"]["token"]},
                    {PORTAL_COOKIE: world["mine"]["token"]}):
        assert client.get(doc_url, cookies=cookies).status_code == 404
    assert client.get(doc_url, cookies={STAFF_COOKIE: world["staff_full"]}).status_code == 200


# ---- by handler argument ---------------------------------------------------------------------------


def test_handlers_refuse_another_accounts_ids(world, root):
    mine, theirs = world["mine"], world["theirs"]
    page = sub(root, DocumentsState)
    page.portal_sid = theirs["token"]
    page.load_documents()
    before = refusals(theirs["account"], "document_folder", mine["folder"])
    page.open_folder(mine["folder"])
    assert page.error_key == "error.not_found" and page.folder_id == 0
    assert all(r.title != mine["stored"] for r in page.rows)
    assert refusals(theirs["account"], "document_folder", mine["folder"]) == before + 1
    page.open_preview(mine["shared"])
    assert page.error_key == "error.not_found" and page.dialog == "" and page.preview_id != mine["shared"]
    page.open_preview(theirs["hidden"])  # their own account, but not shared
    assert page.error_key == "error.not_found"


# ---- files ---------------------------------------------------------------------------------------------


def test_files_are_typed_by_content_through_the_handler(world, root):
    with session_scope() as db:
        row = documents.get_settings_row(db)
        row.customer_uploads = True
    try:
        page = sub(root, DocumentsState)
        page.portal_sid = world["mine"]["token"]
        for name, data in (("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 100),
                           ("photo.jpg", b"<html><script>document.cookie</script></html>"),
                           ("report.pdf", b"\x7fELF" + b"\x00" * 100)):
            run_upload(page, "upload_document", [(name, data)])
            assert page.error_key == "files.error.type", name
        run_upload(page, "upload_document", [("..\\..\\..\\windows\\win.ini", PDF_BYTES)])
        assert page.error_key == ""
        with session_scope() as db:
            from portal_app.documents.models import Document

            doc = db.exec(select(Document).where(Document.source == "customer").order_by(Document.id.desc())).first()
        assert doc.title == "win.ini.pdf" and (file_intake.area_dir("documents") / doc.stored_name).is_file()
    finally:
        with session_scope() as db:
            documents.get_settings_row(db).customer_uploads = False


