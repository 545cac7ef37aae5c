"""The cross-account sweep: every guarded handler of the app's state tree and every HTTP route, called as
a contact of account A with the ids of account B's objects of every kind (invoice, line, payment,
consumption file, folder, document, thread, message, attachment, booking, contact, account), and
without a session. Nothing of B reaches A (no string of B in any public var of the state tree, no B
file in a response) and no row of B changes. Console handlers and routes refuse a customer's session
and no session at all.

The handlers come from the walk of `tests/core/test_handler_walk.py` (state modules only), the routes
from the built API: a new handler or route is swept the day it is written. Public handlers (login
forms, language, logout) are left out: they act on no id. Runs on PostgreSQL too (test_security*)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.core.routes import build_api
from portal_app.core.states import handlers
from portal_app.core.states.portal import PORTAL_COOKIE, PortalState
from portal_app.core.states.staff import STAFF_COOKIE, StaffState
from tests.support.states import public_json, router_data, sub
from tests.support.sweep import MARK, PORTAL, STAFF, World, browser_params, call, footprint, make_world

QUERY_KEYS = ("id", "thread", "folder", "invoice", "booking", "doc")
FORM_ID_KEYS = ("id", "invoice_id", "line_id", "payment_id", "file_id", "folder_id", "folder", "doc_id",
                "document_id", "thread_id", "message_id", "attachment_id", "booking_id", "service_id",
                "contact_id", "account_id", "action_id", "target", "key")


@pytest.fixture(scope="module")
def world(migrated_db) -> World:
    return make_world()


def _values(handler, bid: int, world: World) -> dict:
    """One browser's arguments: B's id wherever an id could go; forms full of B's ids."""
    form = {k: str(bid) for k in FORM_ID_KEYS}
    form.update({"email": world.b_email, "contact_email": world.b_email, "q": "Bravo", "subject": "s",
                 "body": "b", "name": "n", "reason": "r", "amount": "1", "note": "n"})
    out = {}
    for name, hint in browser_params(handler):
        origin = getattr(hint, "__origin__", hint)
        if origin is dict:
            out[name] = dict(form)
        elif origin is list:
            out[name] = [bid]
        elif hint is bool:
            out[name] = True
        elif hint is int:
            out[name] = bid
        else:
            out[name] = str(bid)
    return out


def _at(state, bid: int) -> None:
    state.router = router_data("/", {k: str(bid) for k in QUERY_KEYS})


def _refusals(monkeypatch) -> list:
    seen = []
    real = handlers._refuse
    monkeypatch.setattr(handlers, "_refuse", lambda state, exc: (seen.append(getattr(exc, "key", exc)),
                                                                  real(state, exc)))
    return seen


def _a_token(world: World) -> str:
    with session_scope() as db:
        return portal_sessions.open_session(db, world.a_contact)


@pytest.mark.parametrize("cls,name,handler", PORTAL, ids=[f"{c.__name__}.{n}" for c, n, _ in PORTAL])
def test_a_contact_reaches_nothing_of_another_account(root, monkeypatch, world, cls, name, handler):
    before = footprint(world.b_account)
    state = sub(root, cls)
    refusals = _refusals(monkeypatch)
    for bid in world.ids():  # no session: refused before anything
        sub(root, PortalState).portal_sid = ""
        _at(state, bid)
        refusals.clear()
        result = call(state, handler, _values(handler, bid, world))
        assert refusals == ["error.session_over"] and not result, f"{cls.__name__}.{name} without a session"
    sub(root, PortalState).portal_sid = _a_token(world)  # A's own session (one per handler: logout-proof)
    for bid in world.ids():
        _at(state, bid)
        call(state, handler, _values(handler, bid, world))
        seen = public_json(root)
        assert MARK not in seen, f"{cls.__name__}.{name}({bid}) showed account B's data to account A"
    assert footprint(world.b_account) == before, f"{cls.__name__}.{name} changed account B's rows"


@pytest.mark.parametrize("cls,name,handler", STAFF, ids=[f"{c.__name__}.{n}" for c, n, _ in STAFF])
def test_console_handlers_refuse_customers_and_strangers(root, monkeypatch, world, cls, name, handler):
    before = footprint(world.b_account)
    state = sub(root, cls)
    refusals = _refusals(monkeypatch)
    customer_token = _a_token(world)
    for sid in ("", customer_token):  # no session; a customer's session cookie under the console's name
        sub(root, StaffState).staff_sid = sid
        for bid in world.ids():
            _at(state, bid)
            refusals.clear()
            result = call(state, handler, _values(handler, bid, world))
            assert refusals == ["error.session_over"] and not result, f"{cls.__name__}.{name} ran for {sid!r}"
    assert MARK not in public_json(root)
    assert footprint(world.b_account) == before, f"{cls.__name__}.{name} changed account B's rows"


def _id_routes() -> list[str]:
    """Every GET route of the built API whose path takes an id."""
    return [r.path for r in build_api().routes
            if ":int}" in r.path and "GET" in (getattr(r, "methods", None) or {"GET"})]


ROUTES = _id_routes()


def test_the_sweep_sees_the_routes_and_handlers():
    assert len(ROUTES) >= 7 and len(PORTAL) >= 60 and len(STAFF) >= 100


def _url(path: str, bid: int) -> str:
    start, end = path.index("{"), path.index("}")
    return path[:start] + str(bid) + path[end + 1:]


@pytest.mark.parametrize("path", ROUTES)
def test_routes_serve_nothing_of_another_account(world, path):
    client = TestClient(build_api())
    token = _a_token(world)
    before = footprint(world.b_account)
    for bid in world.ids():
        for cookies in ({}, {PORTAL_COOKIE: token}, {STAFF_COOKIE: token}, {PORTAL_COOKIE: token, STAFF_COOKIE: token}):
            for suffix in ("", "?inline=1"):
                client.cookies.clear()
                response = client.get(_url(path, bid) + suffix, cookies=cookies)
                assert response.status_code in (401, 403, 404), f"{path} {bid} {cookies.keys()}: {response.status_code}"
                assert MARK.encode() not in response.content and b"%PDF" not in response.content
    assert footprint(world.b_account) == before


def test_the_sweep_can_see_a_leak(root, world):
    """The controls: B's own session does see B's marked data, through a handler and through a route,
    so the assertions above would catch a leak."""
    from portal_app.billing.state import InvoiceState

    with session_scope() as db:
        b_token = portal_sessions.open_session(db, world.b_contact)
    page = sub(root, InvoiceState)
    sub(root, PortalState).portal_sid = b_token
    page.router = router_data("/invoice", {"id": str(world.b_ids["invoice"])})
    page.load_invoice()
    assert MARK in public_json(root)
    client = TestClient(build_api())
    ok = client.get(f"/api/invoices/{world.b_ids['invoice']}/pdf", cookies={PORTAL_COOKIE: b_token})
    assert ok.status_code == 200 and ok.content.startswith(b"%PDF")
    doc = client.get(f"/api/documents/{world.b_ids['document']}", cookies={PORTAL_COOKIE: b_token})
    assert doc.status_code == 200
