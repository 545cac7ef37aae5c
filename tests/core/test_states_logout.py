"""Logging out (or a session that ends) leaves nothing of the customer in the tab's state: a reload of
/login in the same tab would otherwise hydrate the last customer's messages, invoices and documents."""

from __future__ import annotations

import itertools

from portal_app.billing.state import InvoiceState, InvoicesState
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.core.states.portal import PortalState
from portal_app.documents.state import DocumentsState
from portal_app.login.state import LoginState
from portal_app.messages import rules as messages
from portal_app.messages.state import MessagesState, ThreadsState
from tests.conftest import run_async
from tests.factories import make_account, make_contact, make_document, make_issued, portal_ctx
from tests.support.states import _router, public_json, sub

_n = itertools.count(1)

SECRET_LINE = "Fibre Zyxwvut 10 Gb/s"
SECRET_BODY = "Le digicode du local technique est 4711-Quokka"
SECRET_DOC = "Plan-Zyxwvut-Confidentiel.pdf"


def customer_with_data() -> str:
    n = next(_n)
    with session_scope() as db:
        account = make_account(db, name=f"Logout Co {n}")
        contact = make_contact(db, account, email=f"logout{n}@example.com", portal_role="admin", language="en")
        make_issued(db, account, [(SECRET_LINE, "1", "99.00", "20")])
        make_document(db, account, title=SECRET_DOC)
        messages.start_thread(db, portal_ctx(db, contact), subject="Digicode", body=SECRET_BODY)
        return portal_sessions.open_session(db, contact.id)


def test_after_logout_the_tab_holds_none_of_the_customers_strings(root):
    token = customer_with_data()
    sub(root, PortalState).portal_sid = token
    sub(root, PortalState).portal_load()

    invoices = sub(root, InvoicesState)
    invoices.router = _router("/invoices", {})
    invoices.load_list()
    invoice = sub(root, InvoiceState)
    invoice.router = _router("/invoice", {"id": invoices.rows[0].id})
    invoice.load_invoice()
    docs = sub(root, DocumentsState)
    docs.router = _router("/documents", {})
    docs.load_list()
    threads = sub(root, ThreadsState)
    threads.router = _router("/messages", {})
    threads.load_list()
    thread = sub(root, MessagesState)
    thread.router = _router("/messages/thread", {"id": threads.rows[0].id})
    thread.load_thread()
    seen = public_json(root)
    assert SECRET_LINE in seen and SECRET_DOC in seen and SECRET_BODY in seen  # the pages did show them

    run_async(sub(root, PortalState).logout())
    login = sub(root, LoginState)
    login.router = _router("/login", {})
    login.login_load()
    after = public_json(root)
    for secret in (SECRET_LINE, SECRET_DOC, SECRET_BODY, "Logout Co"):
        assert secret not in after, f"{secret!r} is still in the tab's state after logout"
    assert login.info_key == "login.session_ended"  # the goodbye is still said


def test_a_revoked_session_leaves_nothing_behind_at_the_next_page_load(root):
    token = customer_with_data()
    portal = sub(root, PortalState)
    portal.portal_sid = token
    portal.portal_load()
    invoices = sub(root, InvoicesState)
    invoices.router = _router("/invoices", {})
    invoices.load_list()
    assert "Logout Co" in public_json(root) or invoices.rows
    with session_scope() as db:  # staff: "sign out everywhere"
        portal_sessions.revoke_session(db, token, "staff_signout")
    events = portal.portal_load()
    for event in events:  # what the browser runs next: forget the pages, then the login page
        if getattr(event, "fn", None) is not None:
            run_async(event.fn(portal))
    assert not invoices.rows and SECRET_LINE not in public_json(root)
