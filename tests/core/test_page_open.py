"""A page opens with one event (`open_page`): the shell's work and the page's own loads in one handler
call and one database session, the session checked against the database once per event, and a
revoked session stopped at the very next event."""

from __future__ import annotations

import itertools

import reflex as rx
from sqlalchemy import event as sa_event

from portal_app.billing.state import InvoicesState
from portal_app.core import registries
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import get_engine, session_scope
from portal_app.core.states.handlers import run_page_loads
from portal_app.core.states.portal import PortalState
from portal_app.core.states.staff import StaffState
from portal_app.dashboard.state import DashboardState
from portal_app.helpdesk.ticket_state import TicketState, TicketsState
from tests.factories import make_account, make_contact, make_issued, staff_session
from tests.support.states import _router, sub

_n = itertools.count(1)


def customer() -> str:
    n = next(_n)
    with session_scope() as db:
        account = make_account(db, name=f"Open Co {n}")
        contact = make_contact(db, account, email=f"open{n}@example.com", portal_role="admin", language="en")
        make_issued(db, account, [("Line", "1", "10.00", "20")])
        return portal_sessions.open_session(db, contact.id)


class _Counter:
    """SQL statements on the portal session table and sessions opened, while active."""

    def __init__(self):
        self.session_reads = 0
        self.sessions = 0

    def __enter__(self):
        sa_event.listen(get_engine(), "before_cursor_execute", self._stmt)
        sa_event.listen(get_engine(), "engine_connect", self._conn)
        return self

    def __exit__(self, *exc):
        sa_event.remove(get_engine(), "before_cursor_execute", self._stmt)
        sa_event.remove(get_engine(), "engine_connect", self._conn)

    def _stmt(self, _conn, _cursor, statement, *_a):
        if statement.lstrip().upper().startswith("SELECT") and "FROM portal_session" in statement:
            self.session_reads += 1

    def _conn(self, _conn):
        self.sessions += 1


def _redirects(events) -> list[str]:
    return [getattr(value, "_var_value", None) for e in events or () for name, value in getattr(e, "args", ())
            if name._js_expr == "path"]


def _open(root, route: str, monkeypatch, loads: tuple, side: str = "portal"):
    monkeypatch.setitem(registries.PAGE_LOADS, route, registries.PageLoad(side, loads))
    for cls in (PortalState, *{h.state for h in loads}):
        sub(root, cls).router = _router(route, {})
    return sub(root, PortalState).open_page(route)


def test_one_event_runs_the_shell_and_the_page_with_one_session_check(root, monkeypatch):
    portal = sub(root, PortalState)
    portal.portal_sid = customer()
    with _Counter() as seen:
        events = _open(root, "/test-invoices", monkeypatch, (InvoicesState.load_list, InvoicesState.load_years))
    invoices = sub(root, InvoicesState)
    # Nothing chained behind to the server; the shell only asks the browser its time zone (client-side).
    assert [e.handler.fn.__qualname__ for e in events] == [rx.call_script("0").handler.fn.__qualname__]
    assert portal.authed and portal.brand_name != "" and invoices.total == 1 and len(invoices.rows) == 1
    assert seen.session_reads == 1  # the shell's check, reused by both loads of this event
    assert seen.sessions == 1  # one database session (one connection) for the whole page


def test_the_home_page_cards_load_in_the_same_event(root, monkeypatch):
    portal = sub(root, PortalState)
    portal.portal_sid = customer()
    with _Counter() as seen:
        events = _open(root, "/test-home", monkeypatch, (DashboardState.load_dashboard,))
    assert sub(root, DashboardState).loaded
    # The cards' loads ran here: nothing is chained behind to the server. A card may hand the browser a
    # script (the bookings card asks for the viewer's time zone when it has none); those run client-side.
    script = rx.call_script("0").handler.fn.__qualname__  # Reflex makes a new function per script, one name
    browser_side = [e for e in (events or []) if e.handler.fn.__qualname__ == script]
    assert browser_side == list(events or [])
    assert seen.session_reads == 1


def test_a_revoked_session_stops_the_next_event(root, monkeypatch):
    token = customer()
    portal = sub(root, PortalState)
    portal.portal_sid = token
    _open(root, "/test-tickets", monkeypatch, (TicketsState.load_list,))
    tickets = sub(root, TicketsState)
    assert portal.authed and tickets.error_key == ""
    with session_scope() as db:  # staff: "sign out everywhere"
        portal_sessions.revoke_session(db, token, "staff_signout")
    tickets.set_filter("status", "")  # the very next event, whatever it is, is refused
    assert tickets.error_key == "error.session_over" and not portal.authed
    tickets.error_key = ""
    events = _open(root, "/test-tickets", monkeypatch, (TicketsState.load_list,))
    assert _redirects(events) == ["/login"]
    assert tickets.error_key == ""  # nothing of the page ran: off to the login page


def test_a_refused_load_shows_its_refusal_and_the_next_load_still_runs(root, monkeypatch):
    portal = sub(root, PortalState)
    portal.portal_sid = customer()
    # No `?id=`: the ticket's load answers "not found", on its own page; the invoices still load.
    _open(root, "/test-refusing", monkeypatch, (TicketState.load_ticket, InvoicesState.load_list))
    assert sub(root, TicketState).error_key == "error.not_found"
    assert sub(root, InvoicesState).total == 1


def test_what_cannot_run_in_the_event_is_chained_as_before(root):
    portal = sub(root, PortalState)
    portal.portal_sid = customer()
    chained = [rx.redirect("/elsewhere"), PortalState.logout]  # a frontend event, an async handler
    with session_scope() as db:
        portal._open_page(db)
        assert run_page_loads(portal, db, chained) == chained


def test_a_console_page_opens_with_one_staff_check(root, monkeypatch):
    staff = sub(root, StaffState)
    with session_scope() as db:
        staff.staff_sid = staff_session(db)
    staff.device_zone = "Europe/Paris"  # the browser answered already: nothing to ask it
    assert staff.open_page("/admin/none") is None and staff.staff_authed
    staff.staff_sid = "revoked-or-unknown"
    assert _redirects([staff.open_page("/admin/none")]) == ["/admin/login"] and not staff.staff_authed
