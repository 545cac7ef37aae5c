"""Downloads: every file route sends the policy of its type (sandboxed attachments and images, a
plugin-only policy for PDFs shown inline), a GET changes no row (opening is recorded by the page's
event), and a foreign id, a missing id and no session get byte-for-byte the same refusal."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel, select
from starlette.testclient import TestClient

from portal_app.billing import consumption
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.core.routes import build_api
from portal_app.core.states.portal import PORTAL_COOKIE
from portal_app.core.states.staff import STAFF_COOKIE
from portal_app.documents.admin_state import AdminDocumentsState
from portal_app.documents.models import Document, DocumentView
from portal_app.documents.state import DocumentsState
from tests.factories import PDF_BYTES, make_account, make_contact, make_document, make_issued, staff_ctx, staff_session
from tests.support.states import sub

_n = itertools.count(1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _files_of_one_account(db, staff) -> dict:
    """An account with a contact and one file of each kind a route serves."""
    acc = make_account(db, name=f"Downloads {next(_n)}")
    contact = make_contact(db, acc, portal_role="admin", email=f"downloads{next(_n)}@example.com")
    inv = make_issued(db, acc, staff=staff)
    docs = {key: make_document(db, acc, title=title, data=data, by=staff).id
            for key, title, data in (("pdf", "Contract.pdf", PDF_BYTES), ("img", "photo.png", PNG),
                                     ("txt", "notes.txt", b"plain notes, alert(1)\n"))}
    return {**docs, "account": acc.id, "contact": contact.id, "invoice": inv.id,
            "file": consumption.attach_consumption_file(db, staff, inv.id, "calls.csv", b"a;b\n1;2\n").id,
            "token": portal_sessions.open_session(db, contact.id)}


@pytest.fixture(scope="module")
def world():
    with session_scope() as db:
        staff = staff_ctx(db)
        return {"mine": _files_of_one_account(db, staff), "theirs": _files_of_one_account(db, staff),
                "staff": staff_session(db)}


@pytest.fixture
def client():
    return TestClient(build_api())


def _csp(response) -> str:
    return response.headers["content-security-policy"]


def test_attachments_run_in_a_sandbox_with_nothing_allowed(world, client):
    mine = world["mine"]
    cookies = {PORTAL_COOKIE: mine["token"]}
    for url in (f"/api/documents/{mine['pdf']}", f"/api/documents/{mine['txt']}",
                f"/api/documents/{mine['txt']}?inline=1",  # text is never inline
                f"/api/invoices/{mine['invoice']}/pdf", f"/api/consumption/{mine['file']}"):
        r = client.get(url, cookies=cookies)
        assert r.status_code == 200, url
        assert r.headers["content-disposition"].startswith("attachment;"), url
        assert _csp(r) == "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'", url
        assert r.headers["x-content-type-options"] == "nosniff"
    staff_r = client.get(f"/api/admin/documents/{mine['txt']}", cookies={STAFF_COOKIE: world["staff"]})
    assert staff_r.status_code == 200 and _csp(staff_r).startswith("sandbox; default-src 'none'")


def test_inline_images_are_sandboxed_and_inline_pdfs_load_only_their_viewer(world, client):
    mine = world["mine"]
    cookies = {PORTAL_COOKIE: mine["token"]}
    img = client.get(f"/api/documents/{mine['img']}?inline=1", cookies=cookies)
    assert img.headers["content-disposition"].startswith("inline;")
    assert _csp(img) == "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    pdf = client.get(f"/api/documents/{mine['pdf']}?inline=1", cookies=cookies)
    assert pdf.headers["content-disposition"].startswith("inline;")
    policy = _csp(pdf)
    # Chrome's PDF viewer does not run in a sandboxed document: no sandbox, but nothing else may load,
    # and only the portal itself may frame it.
    assert "sandbox" not in policy
    assert policy.startswith("default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'")
    assert "*" not in policy and pdf.headers["x-content-type-options"] == "nosniff"


def _snapshot() -> dict[str, list]:
    with session_scope() as db:
        return {t.name: sorted(map(repr, db.execute(sa.select(t)).all())) for t in SQLModel.metadata.sorted_tables}


def test_a_get_changes_no_row(world, client):
    mine = world["mine"]
    with session_scope() as db:  # a document the customer sent: staff have not seen it yet
        doc = db.get(Document, mine["txt"])
        doc.staff_seen = False
        db.add(doc)
    before = _snapshot()
    cookies = {PORTAL_COOKIE: mine["token"]}
    for url in (f"/api/documents/{mine['pdf']}", f"/api/documents/{mine['img']}?inline=1",
                f"/api/invoices/{mine['invoice']}/pdf", f"/api/consumption/{mine['file']}"):
        assert client.get(url, cookies=cookies).status_code == 200, url
    assert client.get(f"/api/admin/documents/{mine['txt']}", cookies={STAFF_COOKIE: world["staff"]}).status_code == 200
    after = _snapshot()
    changed = [name for name in before if before[name] != after[name]]
    assert changed == [], changed


def test_opening_is_recorded_by_the_pages_events(world, root):
    mine = world["mine"]
    page = sub(root, DocumentsState)
    page.portal_sid = mine["token"]
    page.downloaded(mine["pdf"])
    with session_scope() as db:
        assert db.exec(select(DocumentView).where(DocumentView.document_id == mine["pdf"],
                                                  DocumentView.contact_id == mine["contact"])).first() is not None
        doc = db.get(Document, mine["txt"])
        doc.staff_seen = False
        db.add(doc)
    console = sub(root, AdminDocumentsState)
    console.staff_sid = world["staff"]
    console.opened(mine["txt"])
    with session_scope() as db:
        assert db.get(Document, mine["txt"]).staff_seen is True
    # another account's id through the event: refused, nothing recorded
    page.downloaded(world["theirs"]["pdf"])
    with session_scope() as db:
        assert db.exec(select(DocumentView).where(DocumentView.document_id == world["theirs"]["pdf"])).first() is None


def _same(a, b) -> bool:
    return (a.status_code, a.content, sorted(a.headers.items())) == (b.status_code, b.content, sorted(b.headers.items()))


@pytest.mark.parametrize("route", ["/api/documents/{}", "/api/documents/{}?inline=1", "/api/invoices/{}/pdf",
                                   "/api/consumption/{}"])
def test_foreign_missing_and_sessionless_refusals_are_identical(world, client, route):
    mine, theirs = world["mine"], world["theirs"]
    key = {"/api/documents/{}": "pdf", "/api/documents/{}?inline=1": "pdf", "/api/invoices/{}/pdf": "invoice",
           "/api/consumption/{}": "file"}[route]
    cookies = {PORTAL_COOKIE: mine["token"]}
    foreign = client.get(route.format(theirs[key]), cookies=cookies)
    missing = client.get(route.format(987654321), cookies=cookies)
    no_session = client.get(route.format(mine[key]))
    assert foreign.status_code == 404
    assert _same(foreign, missing) and _same(foreign, no_session)
    assert foreign.headers["x-content-type-options"] == "nosniff" and "sandbox" in _csp(foreign)


def test_staff_document_refusals_are_identical(world, client):
    cookies = {STAFF_COOKIE: world["staff"]}
    missing = client.get("/api/admin/documents/987654321", cookies=cookies)
    no_session = client.get(f"/api/admin/documents/{world['mine']['pdf']}")
    customer_cookie = client.get(f"/api/admin/documents/{world['mine']['pdf']}",
                                 cookies={PORTAL_COOKIE: world["mine"]["token"]})
    assert missing.status_code == 404 and _same(missing, no_session) and _same(missing, customer_cookie)
