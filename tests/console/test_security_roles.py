"""Staff roles, enforced: every console handler and every console route, called as each role.

The handlers come from the same walk of Reflex's state tree as tests/core/test_handler_walk.py, the
routes from the app's route table: a new console handler or route is called here the day it is
written. The table (`core/permissions.py`) decides which calls are refused; a refused handler
writes nothing but its audit line, and a refused route answers 403 before looking at any id."""

from __future__ import annotations

import inspect
import re
import typing

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.core import permissions
from portal_app.core.db import session_scope
from portal_app.core.models.audit import AuditEvent
from portal_app.core.routes import build_api
from portal_app.core.states import handlers
from portal_app.core.states.staff import STAFF_COOKIE, StaffState
from tests.conftest import run_async
from tests.core.test_handler_walk import ALL, _argument, _row_counts
from tests.factories import staff_session
from tests.support.states import sub

ROLES = ("owner", "staff", "agent")
CONSOLE = [(cls, name, h) for cls, name, h in ALL
           if issubclass(cls, StaffState) and getattr(h.fn, handlers.SIDE_MARK) in ("staff", "own")]


@pytest.fixture(scope="module")
def tokens(migrated_db) -> dict[str, str]:
    """One console session (password and TOTP) per role, for the whole module: bcrypt is slow on purpose."""
    with session_scope() as db:
        return {role: staff_session(db, role=role) for role in ROLES}


def _needs(cls, handler) -> str:
    return permissions.resolve(getattr(handler.fn, handlers.RULE_MARK).permission, cls.area)


def _call(state, handler):
    fn = handler.fn
    hints = typing.get_type_hints(fn)
    args = [_argument(p, hints) for p in list(inspect.signature(fn).parameters.values())[1:]
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    result = fn(state, *args)
    if inspect.isasyncgen(result):
        async def drain():
            return [update async for update in result]
        return run_async(drain())
    if inspect.iscoroutine(result):
        return run_async(result)
    return result


def _last_audit_id() -> int:
    with session_scope() as db:
        return db.exec(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first() or 0


# ---- the table itself, by its literal values ----------------------------------------------------------


def test_the_table_of_roles():
    """Owner: everything. Staff: everything but settings and staff users. Agent: support, messages, tickets,
    documents and bookings; accounts and billing read-only; no audit log, settings or staff users."""
    allowed = {role: {f"{a}.{lvl}" for a in permissions.AREAS for lvl in ("read", "write")
                      if permissions.allows(role, f"{a}.{lvl}")} for role in ROLES}
    every = {f"{a}.{lvl}" for a in ("accounts", "support", "messages", "tickets", "documents", "bookings", "billing",
                                    "audit", "settings", "staff", "me") for lvl in ("read", "write")}
    assert allowed["owner"] == every
    assert allowed["staff"] == every - {"settings.read", "settings.write", "staff.read", "staff.write"}
    assert allowed["agent"] == {"accounts.read", "support.read", "support.write", "messages.read", "messages.write",
                                "tickets.read", "tickets.write", "documents.read", "documents.write", "bookings.read", "bookings.write",
                                "billing.read", "me.read", "me.write"}
    assert not permissions.allows("someone", "accounts.read")  # an unknown role holds nothing
    with pytest.raises(ValueError):
        permissions.allows("owner", "accounts.delete")


def test_a_handler_that_says_nothing_needs_write():
    assert permissions.resolve(None, "billing") == "billing.write"
    assert permissions.resolve("read", "billing") == "billing.read"
    assert permissions.resolve("support.write", "billing") == "support.write"


# ---- every console handler as every role ------------------------------------------------------------


CASES = [(cls, name, h, role) for cls, name, h in CONSOLE for role in ROLES]


@pytest.mark.parametrize("cls,name,handler,role", CASES,
                         ids=[f"{c.__name__}.{n}-{r}" for c, n, _, r in CASES])
def test_every_console_handler_as_every_role(root, monkeypatch, tokens, cls, name, handler, role):
    needed = _needs(cls, handler)
    refused_by_table = not permissions.allows(role, needed)
    refusals = []
    real = handlers._refuse
    monkeypatch.setattr(handlers, "_refuse", lambda state, exc: (refusals.append(getattr(exc, "key", exc)),
                                                                  real(state, exc)))
    state = sub(root, cls)
    state.staff_sid = tokens[role]
    before, last_audit = _row_counts(), _last_audit_id()
    try:
        result = _call(state, handler)
    except Exception:  # noqa: BLE001 - an allowed handler fed plausible junk may stumble: the role is what counts
        assert not refused_by_table, f"{cls.__name__}.{name} ran for {role} without {needed}"
        result = None
    if not refused_by_table:
        assert "error.role_forbidden" not in refusals, f"{cls.__name__}.{name} refused {role} ({needed})"
        return
    assert refusals == ["error.role_forbidden"], f"{cls.__name__}.{name} was not refused to {role}: {refusals}"
    assert not result, f"{cls.__name__}.{name} answered {result!r} to {role}"
    after = _row_counts()
    assert after.pop("audit_event") == before.pop("audit_event") + 1
    assert after == before, f"{cls.__name__}.{name} wrote for {role} without {needed}"
    with session_scope() as db:
        # A thread left by another test (a job, a dispatcher) may write its own audit line meanwhile: this
        # handler's refusal is the one line of the refused kind.
        line = db.exec(select(AuditEvent).where(AuditEvent.id > last_audit,
                                                AuditEvent.action == "security.refused")).one()
    assert (line.action, line.detail["reason"], line.detail["permission"], line.detail["role"]) == \
        ("security.refused", "role", needed, role)


def test_a_refusal_is_shown_to_the_staff_member(root, tokens):
    from portal_app.console.settings_state import AdminSettingsState

    state = sub(root, AdminSettingsState)
    state.staff_sid = tokens["agent"]
    state.load_settings()
    assert state.flash_text == "Your role does not give access to this part of the console."
    assert state.staff_areas == ["accounts", "support", "messages", "tickets", "documents", "bookings", "billing",
                                 "me"]


def test_the_walk_meets_each_kind_of_permission():
    """The walk is not vacuous: it holds handlers every role may run, some only owners may, and
    reads that agents may run but writes they may not."""
    needs = {_needs(cls, h) for cls, _, h in CONSOLE}
    assert {"settings.write", "staff.write", "billing.read", "billing.write", "accounts.write",
            "messages.write", "support.write", "audit.read"} <= needs
    assert len(CONSOLE) >= 100


# ---- every console route as every role ----------------------------------------------------------------


def _console_routes():
    found = []
    for route in build_api().routes:
        permission = getattr(route.endpoint, "console_permission", None)
        path = re.sub(r"\{[^}]+\}", "999999", route.path)
        if permission:
            found.append((path if path.startswith("/api/admin/") else path + "?console=1", permission))
        else:
            # Every other /api/admin/ route is reached before the console session (TOTP enrolment: the QR
            # code and the key as text, for a staff user mid-login).
            assert not route.path.startswith("/api/admin/") or route.path in (
                "/api/admin/totp-enrol.svg", "/api/admin/totp-key"), route.path
    return found


ROUTES = _console_routes()


def test_the_console_routes_are_all_walked():
    assert {path.replace("999999", "1") for path, _ in ROUTES} >= {
        "/api/admin/documents/1", "/api/admin/message-attachments/1", "/api/invoices/1/pdf?console=1",
        "/api/consumption/1?console=1", "/api/payments/1/receipt?console=1"}


@pytest.mark.parametrize("path,permission", ROUTES, ids=[p for p, _ in ROUTES])
@pytest.mark.parametrize("role", ROLES)
def test_every_console_route_as_every_role(tokens, path, permission, role):
    client = TestClient(build_api())
    client.cookies.set(STAFF_COOKIE, tokens[role])
    last_audit = _last_audit_id()
    answer = client.get(path)
    if permissions.allows(role, permission):
        assert answer.status_code == 404  # allowed: only the id is missing
        return
    assert answer.status_code == 403
    assert answer.text == "Your role does not give access to this part of the console."
    with session_scope() as db:
        # A thread left by another test (a job, a dispatcher) may write its own audit line meanwhile: this
        # handler's refusal is the one line of the refused kind.
        line = db.exec(select(AuditEvent).where(AuditEvent.id > last_audit,
                                                AuditEvent.action == "security.refused")).one()
    assert (line.action, line.detail["permission"], line.detail["role"]) == ("security.refused", permission, role)
