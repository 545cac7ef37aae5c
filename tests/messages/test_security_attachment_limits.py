"""The attachment numbers of docs/security.md, stated by their literal values and driven through the
customer's upload handler: at most 5 files per message, each at most 10 MB."""

from __future__ import annotations

import itertools

from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.messages.state import MessagesState
from tests.factories import PDF_BYTES, make_account, make_contact
from tests.support.states import sub
from tests.support.uploads import run_upload

_n = itertools.count(1)


def _page(root):
    with session_scope() as db:
        contact = make_contact(db, make_account(db, name=f"Limits Co {next(_n)}"))
        token = portal_sessions.open_session(db, contact.id)
    page = sub(root, MessagesState)
    page.portal_sid = token
    page.load_new()
    assert page.error_key == "" and page.staged == []
    return page


def _pdf_of(size: int) -> bytes:
    return PDF_BYTES + b"%" * (size - len(PDF_BYTES))


def test_an_attachment_may_weigh_ten_megabytes_and_no_more(root):
    page = _page(root)
    run_upload(page, "upload_attachments", [("too-big.pdf", _pdf_of(10 * 1024 * 1024 + 1))])
    assert page.error_key == "files.error.too_large" and page.staged == []
    run_upload(page, "upload_attachments", [("just-right.pdf", _pdf_of(10 * 1024 * 1024))])
    assert page.error_key == "" and [a.title for a in page.staged] == ["just-right.pdf"]


def test_at_most_five_attachments_per_message(root):
    page = _page(root)
    for i in range(5):
        run_upload(page, "upload_attachments", [(f"scan{i}.pdf", PDF_BYTES)])
        assert page.error_key == ""
    assert len(page.staged) == 5
    run_upload(page, "upload_attachments", [("one-more.pdf", PDF_BYTES)])
    assert page.error_key == "messages.error.too_many_files" and len(page.staged) == 5
    assert "one-more.pdf" not in [a.title for a in page.staged]


def test_an_upload_that_would_pass_five_keeps_none_of_its_files(root):
    """Two staged, then four at once: the fourth file is one too many, and none of the four is kept (the
    refusal's session commits, so the rows of the first three must not be in it)."""
    page = _page(root)
    run_upload(page, "upload_attachments", [("a.pdf", PDF_BYTES), ("b.pdf", PDF_BYTES)])
    assert page.error_key == "" and len(page.staged) == 2
    run_upload(page, "upload_attachments", [(f"more{i}.pdf", PDF_BYTES) for i in range(4)])
    assert page.error_key == "messages.error.too_many_files"
    page.load_new()
    assert [a.title for a in page.staged] == ["a.pdf", "b.pdf"]
