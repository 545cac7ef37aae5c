"""Credit notes and security: another account's credit note refused by id (URL) like something that does
not exist, and audited; nothing without a session or the invoices right; the console download needs a full
staff session; handler arguments cannot reach another invoice's lines or another account's credit notes,
and an agent (billing read only) cannot issue one."""

from __future__ import annotations

import itertools

from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.billing import credit_notes
from portal_app.billing.admin_state import AdminInvoiceState
from portal_app.billing.models import CreditNote, Invoice
from portal_app.billing.state import InvoicesState, InvoiceState
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Account
from portal_app.core.models.audit import AuditEvent
from portal_app.core.routes import build_api
from portal_app.core.states.portal import PORTAL_COOKIE
from portal_app.core.states.staff import STAFF_COOKIE
from tests.factories import make_account, make_contact, make_issued, staff_context, staff_session
from tests.support.states import _router, sub, run_background

_n = itertools.count(1)


def world():
    """Two accounts, each with an admin contact, an invoice partly credited by a credit note."""
    out = []
    with session_scope() as db:
        staff = staff_context(db)
        for _ in range(2):
            account = make_account(db, name=f"Sec Credit {next(_n)}")
            contact = make_contact(db, account, email=f"seccredit{next(_n)}@example.com", portal_role="admin")
            inv = make_issued(db, account, (("Units", "2", "10", "20"),), staff=staff)
            line = credit_notes.remaining_lines(db, inv)[0].line
            note = credit_notes.credit_invoice(db, staff, inv.id, "One unit back", {line.id: "1"})
            out.append({"account": account.id, "invoice": inv.id, "line": line.id, "note": note.id,
                        "number": note.number, "token": portal_sessions.open_session(db, contact.id)})
    return out


def denials(account_id: int, target_id: int) -> int:
    with session_scope() as db:
        return len(db.exec(select(AuditEvent).where(AuditEvent.action == "billing.denied",
                                                    AuditEvent.account_id == account_id,
                                                    AuditEvent.target_type == "credit_note",
                                                    AuditEvent.target_id == target_id)).all())


def test_another_accounts_credit_note_by_url_is_404_and_audited():
    mine, theirs = world()
    client = TestClient(build_api())
    cookies = {PORTAL_COOKIE: mine["token"]}
    own = client.get(f"/api/credit-notes/{mine['note']}/pdf", cookies=cookies)
    assert own.status_code == 200 and own.content.startswith(b"%PDF-")
    assert own.headers["content-disposition"].startswith(f'attachment; filename="{mine["number"]}.pdf"')
    refused = client.get(f"/api/credit-notes/{theirs['note']}/pdf", cookies=cookies)
    assert refused.status_code == 404 and refused.headers["x-content-type-options"] == "nosniff"
    assert denials(mine["account"], theirs["note"]) == 1
    for cookie in ({}, {PORTAL_COOKIE: "forged"}):
        assert client.get(f"/api/credit-notes/{mine['note']}/pdf", cookies=cookie).status_code == 404
    for path in ("/api/credit-notes/-1/pdf", "/api/credit-notes/abc/pdf", "/api/credit-notes/99999999999999999/pdf"):
        assert client.get(path, cookies=cookies).status_code == 404


def test_contacts_without_the_invoices_right_get_no_credit_note():
    mine, _ = world()
    with session_scope() as db:
        account = db.get(Account, mine["account"])
        no_right = make_contact(db, account, email=f"cn-noright{next(_n)}@example.com", portal_role="admin",
                                rights=["tickets"])
        token = portal_sessions.open_session(db, no_right.id)
    response = TestClient(build_api()).get(f"/api/credit-notes/{mine['note']}/pdf", cookies={PORTAL_COOKIE: token})
    assert response.status_code == 404


def test_console_download_needs_a_full_staff_session():
    mine, _ = world()
    with session_scope() as db:
        half = staff_session(db, totp=False)
        full = staff_session(db)
    client = TestClient(build_api())
    url = f"/api/credit-notes/{mine['note']}/pdf?console=1"
    assert client.get(url).status_code == 404
    assert client.get(url, cookies={STAFF_COOKIE: half}).status_code == 404
    assert client.get(url, cookies={STAFF_COOKIE: mine["token"]}).status_code == 404
    assert client.get(url, cookies={STAFF_COOKIE: full}).content.startswith(b"%PDF-")


def test_the_customer_pages_show_only_the_accounts_own_credit_notes(root):
    mine, theirs = world()
    page = sub(root, InvoiceState)
    page.portal_sid = mine["token"]
    page.router = _router("/invoice", {"id": mine["invoice"]})
    page.load_invoice()
    assert [n.number for n in page.credit_notes] == [mine["number"]]
    assert page.view.credited == "€12.00" and page.view.due == "€12.00"
    page.router = _router("/invoice", {"id": theirs["invoice"]})
    page.load_invoice()
    assert page.error_key == "error.not_found" and page.invoice_id == 0
    lst = sub(root, InvoicesState)
    lst.portal_sid = mine["token"]
    lst.router = _router("/invoices", {})
    lst.load_list()
    assert [(r.id, r.credit_notes) for r in lst.rows] == [(mine["invoice"], mine["number"])]
    # the numbers look-up is bound to the account, whatever ids it is handed
    with session_scope() as db:
        assert credit_notes.credit_numbers_by_invoice(db, mine["account"], [theirs["invoice"]]) == {}


def test_console_handler_arguments_cannot_reach_another_invoices_lines(root):
    mine, theirs = world()
    with session_scope() as db:
        owner = staff_session(db)
        agent = staff_session(db, role="agent")
    ed = sub(root, AdminInvoiceState)
    ed.staff_sid = owner
    ed.router = _router("/admin/invoice", {"id": mine["invoice"]})
    ed.load_invoice()
    assert [r.remaining for r in ed.credit_lines] == ["1"]
    ed.open_dialog("credit")
    run_background(ed, "issue_partial_credit", {"reason": "x", f"qty-{theirs['line']}": "1"})
    assert ed.flash_key == "error.not_found" and ed.dialog == "credit"
    run_background(ed, "issue_partial_credit", {"reason": "x", f"qty-{mine['line']}": "2"})
    assert ed.flash_key == "billing.error.credit_exceeds"
    with session_scope() as db:
        assert len(db.exec(select(CreditNote).where(CreditNote.invoice_id == theirs["invoice"])).all()) == 1
        assert db.get(Invoice, mine["invoice"]).credited_minor == 1200
    run_background(ed, "issue_partial_credit", {"reason": "Second unit", f"qty-{mine['line']}": "1"})
    assert ed.flash_key == "admin.invoice.credit_note_issued" and ed.view.status == "void" and ed.dialog == ""
    assert len(ed.credit_notes) == 2 and ed.credit_lines == []
    # an agent reads billing but issues no credit note
    ag = sub(root, AdminInvoiceState)
    ag.staff_sid = agent
    ag.router = _router("/admin/invoice", {"id": theirs["invoice"]})
    ag.load_invoice()
    run_background(ag, "cancel_with_credit_note", {"reason": "no"})
    assert ag.flash_key == "error.role_forbidden"
    with session_scope() as db:
        assert db.get(Invoice, theirs["invoice"]).status == "issued"
