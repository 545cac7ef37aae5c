"""Uploads go through one streaming path: the actor is checked before the first byte is read, each file
is read a chunk at a time with a running limit, and the Stripe webhook caps its body while reading.

Numbers stated here by value: the intake's chunk (64 KiB), the consumption file limit (20 MB), the
invoice PDF limit (10 MB) and the webhook body cap (512 KiB)."""

from __future__ import annotations

import itertools
import tracemalloc

import pytest
from sqlmodel import select

from portal_app.billing import admin_state as billing_admin
from portal_app.billing.admin_state import AdminInvoiceImportState, AdminInvoiceState, AdminSubscriptionsState
from portal_app.billing.models import ConsumptionFile, Invoice
from portal_app.console.settings_state import AdminSettingsState
from portal_app.core.config import get_settings
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError
from portal_app.core.files import STAGING
from portal_app.core.models.accounts import Account
from portal_app.core.routes import build_api
from portal_app.core.states.uploads import receive_and_store
from tests.conftest import run_async
from tests.factories import make_account, make_issued, staff_session
from tests.support.states import _router, staff_tokens, sub
from tests.support.uploads import FakeUpload, run_files, upload_file_chunks

CHUNK = 64 * 1024
MB = 1024 * 1024
_n = itertools.count(1)


def _invoice() -> tuple[int, str]:
    with session_scope() as db:
        account = make_account(db, name=f"Upload Co {next(_n)}")
        return make_issued(db, account).id, account.number


def _staged_leftovers() -> list[str]:
    folder = get_settings().data_dir / STAGING
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _editor(root, sid: str, inv_id: int) -> AdminInvoiceState:
    ed = sub(root, AdminInvoiceState)
    ed.staff_sid = sid
    ed.invoice_id = inv_id
    ed.router = _router("/admin/invoice", {"id": inv_id})
    return ed


HANDLERS = [
    (AdminInvoiceState, "upload_consumption"),
    (AdminInvoiceImportState, "import_files"),
    (AdminSubscriptionsState, "upload_usage"),
    (AdminSettingsState, "upload_logo"),
    (AdminSettingsState, "upload_login_image"),
]


@pytest.mark.parametrize("cls,handler", HANDLERS, ids=[h for _, h in HANDLERS])
def test_upload_handlers_without_a_full_staff_session_never_read_the_file(root, cls, handler):
    half, _ = staff_tokens()  # password given, TOTP not: not a console session
    inv_id, _ = _invoice()
    for sid in ("", "forged-token", half):
        page = sub(root, cls)
        page.staff_sid = sid
        if cls is AdminInvoiceState:
            page.invoice_id = inv_id
        upload = FakeUpload(b"%PDF-1.4 x" * 1000, "x.pdf", refuse=True)
        run_files(page, handler, [upload])
        assert upload.reads == [], (handler, sid)
        assert page.flash_key == "error.session_over"
    with session_scope() as db:
        assert db.exec(select(ConsumptionFile).where(ConsumptionFile.invoice_id == inv_id)).all() == []


def test_shared_path_checks_the_actor_before_the_first_read():
    upload = FakeUpload(b"hello", "a.txt", refuse=True)
    with pytest.raises(DomainError) as refused:
        run_async(receive_and_store(upload_file_chunks([upload]), area=STAGING, resolve=lambda db: None,
                                    limit_for=lambda db, who: MB, store=lambda db, who, files: files))
    assert refused.value.key == "error.session_over" and upload.reads == []


def test_session_ending_during_the_upload_keeps_nothing():
    live = iter([True, False])  # live at the start, over by the time the files are in
    upload = FakeUpload(b"a;b\n1;2\n", "calls.csv")
    stored = []
    with pytest.raises(DomainError) as refused:
        run_async(receive_and_store(upload_file_chunks([upload]), area=STAGING,
                                    resolve=lambda db: object() if next(live) else None,
                                    limit_for=lambda db, who: MB, store=lambda db, who, files: stored.extend(files)))
    assert refused.value.key == "error.session_over" and stored == [] and _staged_leftovers() == []


def test_an_oversized_consumption_file_is_refused_after_its_limit_plus_one_chunk(root):
    _, full = staff_tokens()
    inv_id, _ = _invoice()
    ed = _editor(root, full, inv_id)
    upload = FakeUpload(b"date;secs\n" + b"2026-01-01;60\n" * (21 * MB // 14), "calls.csv")
    assert len(upload._data) > 20 * MB + 2 * CHUNK
    run_files(ed, "upload_consumption", [upload])
    assert ed.flash_kind == "error" and ed.flash_key == "files.error.too_large"
    assert all(0 < n <= CHUNK for n in upload.reads), set(upload.reads)  # never the whole file in one read
    assert upload.served <= 20 * MB + CHUNK
    assert _staged_leftovers() == []
    with session_scope() as db:
        assert db.exec(select(ConsumptionFile).where(ConsumptionFile.invoice_id == inv_id)).all() == []


def test_consumption_files_are_all_or_nothing(root):
    _, full = staff_tokens()
    inv_id, _ = _invoice()
    ed = _editor(root, full, inv_id)
    good, bad = FakeUpload(b"a;b\n1;2\n", "calls.csv"), FakeUpload(b"MZ\x90\x00 program", "calls2.csv")
    run_files(ed, "upload_consumption", [good, bad])
    assert ed.flash_key == "billing.error.file_type"
    with session_scope() as db:
        assert db.exec(select(ConsumptionFile).where(ConsumptionFile.invoice_id == inv_id)).all() == []
    run_files(ed, "upload_consumption", [FakeUpload(b"a;b\n1;2\n", "calls.csv")])
    assert ed.flash_key == "admin.invoice.files_attached" and [f.name for f in ed.files] == ["calls.csv"]
    assert _staged_leftovers() == []


def test_an_import_over_its_total_is_refused_while_reading(root, monkeypatch):
    _, full = staff_tokens()
    monkeypatch.setattr(billing_admin, "UPLOAD_MAX_BYTES", 1 * MB)
    page = sub(root, AdminInvoiceImportState)
    page.staff_sid = full
    uploads = [FakeUpload(b"%PDF-1.4 " + b"x" * (600 * 1024), f"p{i}.pdf") for i in range(4)]
    run_files(page, "import_files", uploads)
    assert page.flash_key == "files.error.total_too_large" and not page.done
    assert sum(u.served for u in uploads) <= 1 * MB + CHUNK
    assert uploads[3].reads == []  # the fourth file is never touched
    assert _staged_leftovers() == []


def test_an_import_holds_one_pdf_at_a_time_in_memory(root):
    """Before: every file of the import (up to 200 MB) was read into memory at once."""
    _, full = staff_tokens()
    inv_id, number = _invoice()
    page = sub(root, AdminInvoiceImportState)
    page.staff_sid = full
    csv_data = (f"account_number,number,issue_date,currency,total,pdf\n"
                f"{number},IMPS-{inv_id},2025-01-31,EUR,99.90,p0.pdf\n").encode()
    pdfs = [FakeUpload(b"%PDF-1.4 " + bytes([65 + i]) * (2 * MB), f"p{i}.pdf") for i in range(6)]
    tracemalloc.start()
    try:
        run_files(page, "import_files", [FakeUpload(csv_data, "invoices.csv"), *pdfs])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert page.done and page.created == 1, (page.flash_key, page.errors)
    assert peak < 5 * MB, peak  # 12 MB uploaded; one 2 MB PDF read back, plus chunks
    assert _staged_leftovers() == []
    with session_scope() as db:
        inv = db.exec(select(Invoice).where(Invoice.number == f"IMPS-{inv_id}")).one()
        assert inv.pdf_file


def test_an_oversized_logo_is_refused_after_two_megabytes_and_a_chunk(root):
    _, full = staff_tokens()
    page = sub(root, AdminSettingsState)
    page.staff_sid = full
    upload = FakeUpload(b"\x89PNG\r\n\x1a\n" + b"\0" * (3 * MB), "logo.png")
    run_files(page, "upload_logo", [upload])
    assert page.flash_key == "files.error.too_large"
    assert upload.served <= 2 * MB + CHUNK and all(n <= CHUNK for n in upload.reads)


def _post_webhook(pieces: int, piece: bytes, headers: list[tuple[bytes, bytes]]):
    """POST to the webhook through the ASGI app itself, counting the body bytes it pulls."""
    sent = {"bytes": 0, "pieces": 0}
    responses = []

    async def receive():
        if sent["pieces"] < pieces:
            sent["pieces"] += 1
            sent["bytes"] += len(piece)
            return {"type": "http.request", "body": piece, "more_body": sent["pieces"] < pieces}
        return {"type": "http.disconnect"}

    async def send(message):
        responses.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/api/stripe/webhook", "raw_path": b"/api/stripe/webhook",
             "query_string": b"", "root_path": "", "headers": headers, "client": ("127.0.0.1", 1234),
             "server": ("testserver", 80)}
    run_async(build_api()(scope, receive, send))
    status = next(m["status"] for m in responses if m["type"] == "http.response.start")
    return status, sent["bytes"]


def test_a_chunked_webhook_body_over_the_cap_is_refused_while_reading():
    chunked = [(b"transfer-encoding", b"chunked"), (b"content-type", b"application/json")]
    status, read = _post_webhook(pieces=64, piece=b"x" * CHUNK, headers=chunked)  # 4 MB, no length
    assert status == 413
    assert read <= 512 * 1024 + CHUNK
    # A declared length over the cap is refused before any byte is read.
    status, read = _post_webhook(pieces=64, piece=b"x" * CHUNK,
                                 headers=[(b"content-length", str(64 * CHUNK).encode())])
    assert status == 413 and read == 0
    # Under the cap the body is read whole and goes on to the signature check.
    status, _ = _post_webhook(pieces=2, piece=b"{}", headers=chunked)
    assert status == 400


def test_staff_with_a_session_still_import(root):
    """The ordinary import still works through the staged path (a CSV and the PDF it names)."""
    with session_scope() as db:
        account = make_account(db, name=f"Import Co {next(_n)}")
        number = account.number
        sid = staff_session(db)
    page = sub(root, AdminInvoiceImportState)
    page.staff_sid = sid
    csv_data = (f"account_number,number,issue_date,currency,total,pdf\n{number},IMP2-{number},2025-01-31,EUR,"
                f"5,doc.pdf\n").encode()
    run_files(page, "import_files", [FakeUpload(csv_data, "list.csv"), FakeUpload(b"%PDF-1.4 y", "../doc.pdf")])
    assert page.done and page.created == 1 and page.errors == []
    with session_scope() as db:
        assert db.exec(select(Account).where(Account.number == number)).one()
