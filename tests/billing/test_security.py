"""Billing security: another account's invoice, PDF, consumption file or payment — by id, by URL and by
handler argument — is refused like something that does not exist, and the refusal is audited. Drafts,
consumption files with statements off, members, console routes, path tricks."""

from __future__ import annotations

import itertools

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.core.routes import build_api
from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Account
from portal_app.core.models.audit import AuditEvent
from portal_app.billing.models import Invoice, Payment
from portal_app.billing import consumption, payments, storage
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.accounts import save_account
from portal_app.billing.state import InvoiceState, PayState
from portal_app.core.states.portal import PORTAL_COOKIE
from portal_app.core.states.staff import STAFF_COOKIE
from tests.factories import make_account, make_contact, make_draft, make_issued, staff_context, staff_session
from tests.support.states import sub
from tests.support.states import _router, run_background

_n = itertools.count(1)


def world():
    """Two accounts, each with an admin contact, an issued invoice, a consumption file and a payment."""
    out = []
    with session_scope() as db:
        staff = staff_context(db)
        for _ in range(2):
            account = make_account(db, name=f"Sec Billing {next(_n)}")
            contact = make_contact(db, account, email=f"secbill{next(_n)}@example.com", portal_role="admin")
            inv = make_issued(db, account, staff=staff)
            f = consumption.attach_consumption_file(db, staff, inv.id, "calls.csv", b"a;b\n1;2\n")
            p = payments.record_manual_payment(db, staff, inv.id, amount="10", received_on="", reference="")
            draft = make_draft(db, account, staff=staff)
            out.append({"account": account.id, "contact": contact.id, "invoice": inv.id, "file": f.id, "payment": p.id,
                        "draft": draft.id, "token": portal_sessions.open_session(db, contact.id)})
    return out


def denials(account_id: int, target_type: str, target_id: int) -> int:
    with session_scope() as db:
        return len(db.exec(select(AuditEvent).where(AuditEvent.action == "billing.denied",
                                                    AuditEvent.account_id == account_id,
                                                    AuditEvent.target_type == target_type,
                                                    AuditEvent.target_id == target_id)).all())


def test_other_accounts_objects_by_url_are_404_and_audited():
    mine, theirs = world()
    client = TestClient(build_api())
    cookies = {PORTAL_COOKIE: mine["token"]}
    # my own objects work
    assert client.get(f"/api/invoices/{mine['invoice']}/pdf", cookies=cookies).status_code == 200
    assert client.get(f"/api/consumption/{mine['file']}", cookies=cookies).status_code == 200
    assert client.get(f"/api/payments/{mine['payment']}/receipt", cookies=cookies).status_code == 200
    for url, kind, target in ((f"/api/invoices/{theirs['invoice']}/pdf", "invoice", theirs["invoice"]),
                              (f"/api/consumption/{theirs['file']}", "consumption_file", theirs["file"]),
                              (f"/api/payments/{theirs['payment']}/receipt", "payment", theirs["payment"]),
                              (f"/api/invoices/{mine['draft']}/pdf", "invoice", mine["draft"])):
        response = client.get(url, cookies=cookies)
        assert response.status_code == 404, url
        assert response.headers["x-content-type-options"] == "nosniff"
        assert denials(mine["account"], kind, target) == 1, url
    # nothing without a session, nothing with a made-up one
    for cookie in ({}, {PORTAL_COOKIE: "forged"}):
        assert client.get(f"/api/invoices/{mine['invoice']}/pdf", cookies=cookie).status_code == 404


def test_downloads_are_attachments_with_safe_headers():
    mine, _ = world()
    client = TestClient(build_api())
    response = client.get(f"/api/invoices/{mine['invoice']}/pdf", cookies={PORTAL_COOKIE: mine["token"]})
    assert response.content.startswith(b"%PDF-")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('attachment; filename="INV-')
    assert response.headers["cache-control"] == "private, no-store"
    assert "sandbox" in response.headers["content-security-policy"]
    csv = client.get(f"/api/consumption/{mine['file']}", cookies={PORTAL_COOKIE: mine["token"]})
    assert csv.headers["content-type"].startswith("text/csv") and csv.headers["content-disposition"].startswith(
        'attachment; filename="calls.csv"')


@pytest.mark.parametrize("path", ["/api/invoices/../../secret.key/pdf", "/api/invoices/1%2F..%2Fx/pdf",
                                  "/api/invoices/-1/pdf", "/api/consumption/..%2F..%2Fsecret.key",
                                  "/api/consumption/1.csv", "/api/payments/abc/receipt",
                                  "/api/invoices/99999999999999999999999/pdf"])
def test_path_tricks_get_nothing(path):
    mine, _ = world()
    response = TestClient(build_api()).get(path, cookies={PORTAL_COOKIE: mine["token"]})
    assert response.status_code == 404


def test_stored_names_are_never_paths():
    assert storage.stored_path(storage.invoices_dir(), "../secret.key") is None
    assert storage.stored_path(storage.invoices_dir(), "/etc/passwd") is None
    assert storage.stored_path(storage.invoices_dir(), "a" * 32 + ".pdf") is None  # well-formed, not there


def test_consumption_files_are_gone_when_statements_are_off():
    mine, _ = world()
    with session_scope() as db:
        account = db.get(Account, mine["account"])
        save_account(db, staff_context(db).actor, account_id=account.id, name=account.name, number=account.number,
                     send_consumption_statements=False)
    response = TestClient(build_api()).get(f"/api/consumption/{mine['file']}", cookies={PORTAL_COOKIE: mine["token"]})
    assert response.status_code == 404


def test_members_and_contacts_without_the_right_get_nothing():
    mine, _ = world()
    with session_scope() as db:
        account = db.get(Account, mine["account"])
        member = make_contact(db, account, email=f"member{next(_n)}@example.com", portal_role="member",
                              rights=["tickets", "invoices"])
        no_right = make_contact(db, account, email=f"noright{next(_n)}@example.com", portal_role="admin",
                                rights=["tickets"])
        tokens = [portal_sessions.open_session(db, c.id) for c in (member, no_right)]
    client = TestClient(build_api())
    for token in tokens:
        for url in (f"/api/invoices/{mine['invoice']}/pdf", f"/api/consumption/{mine['file']}",
                    f"/api/payments/{mine['payment']}/receipt"):
            assert client.get(url, cookies={PORTAL_COOKIE: token}).status_code == 404
    with session_scope() as db:
        assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "billing.forbidden",
                                                    AuditEvent.account_id == mine["account"])).all()) >= 6


def test_console_downloads_need_a_full_staff_session():
    mine, theirs = world()
    with session_scope() as db:
        half = staff_session(db, totp=False)
        full = staff_session(db)
    client = TestClient(build_api())
    url = f"/api/invoices/{theirs['draft']}/pdf?console=1"
    assert client.get(url).status_code == 404
    assert client.get(url, cookies={STAFF_COOKIE: half}).status_code == 404
    assert client.get(url, cookies={STAFF_COOKIE: mine["token"]}).status_code == 404  # a portal token
    preview = client.get(url, cookies={STAFF_COOKIE: full})
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF-")
    # a customer cannot reach the console path with their own cookie either
    assert client.get(f"/api/invoices/{mine['invoice']}/pdf?console=1",
                      cookies={PORTAL_COOKIE: mine["token"]}).status_code == 404


def test_other_accounts_objects_by_handler_argument(root):
    mine, theirs = world()
    page = sub(root, InvoiceState)
    page.portal_sid = mine["token"]
    page.router = _router("/invoice", {"id": theirs["invoice"]})
    page.load_invoice()
    assert page.error_key == "error.not_found" and page.invoice_id == 0 and page.lines == []
    assert denials(mine["account"], "invoice", theirs["invoice"]) == 1
    for weird in ("99999999999999999999999", "-1", "1 OR 1=1", "0x10"):
        page.router = _router("/invoice", {"id": weird})
        page.load_invoice()
        assert page.error_key == "error.not_found" and page.invoice_id == 0
    pay = sub(root, PayState)
    pay.portal_sid = mine["token"]
    pay.router = _router("/pay", {"invoice": theirs["invoice"]})
    pay.load_pay()
    assert pay.plans == [] and pay.error_key == "error.not_found"
    import os

    os.environ["STRIPE_SECRET_KEY"] = "sk_test_never_called"
    os.environ["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens: nothing may be sent anyway
    try:
        run_background(pay, "start_checkout", str(theirs["invoice"]))
    finally:
        os.environ.pop("STRIPE_SECRET_KEY")
        os.environ.pop("STRIPE_API_BASE")
    assert pay.error_key == "error.not_found"
    assert denials(mine["account"], "invoice", theirs["invoice"]) == 3
    with session_scope() as db:
        assert db.exec(select(Payment).where(Payment.account_id == mine["account"],
                                             Payment.provider == "stripe")).all() == []
        assert db.get(Invoice, theirs["invoice"]).paid_minor == 1000  # untouched
