"""What keeps a page event cheap at data scale, pinned by what it sends to the database (never by time):
settings read once per event, lists run statements built once, the session check still reads the
database on every event and its "last seen" write reaches a copy the event already holds."""

from __future__ import annotations

import gc
import itertools
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam
from sqlmodel import func, select

from portal_app.core import clock, registries
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import fetch_page, paged, session_scope
from portal_app.core.models.accounts import Account
from portal_app.core.models.auth import PortalSession
from portal_app.core.states.portal import PortalState
from portal_app.helpdesk import ticket_rules, ticket_settings
from portal_app.helpdesk.ticket_state import TicketsState
from tests.factories import make_account, make_contact
from tests.support.sql import SqlSent
from tests.support.states import _router, sub

_n = itertools.count(1)
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


def test_a_settings_row_is_read_once_per_database_session(db):
    ticket_settings.config(db)  # created on first use
    db.commit()
    with session_scope() as fresh, SqlSent() as seen:
        for _ in range(3):
            ticket_settings.config(fresh)
            gc.collect()  # the identity map holds rows weakly: nothing else keeps this one
    assert seen.selects("ticket_settings") == 1


def test_a_list_statement_built_once_pages_like_one_built_each_time(db):
    n = next(_n)
    for i in range(7):
        make_account(db, name=f"Paged {n} {i}")
    db.flush()
    like = f"Paged {n} %"
    built_once = paged(select(Account.id).where(Account.name.like(bindparam("like"))).order_by(Account.id.desc()))
    count_once = select(func.count()).select_from(Account).where(Account.name.like(bindparam("like")))
    each_time = select(Account.id).where(Account.name.like(like)).order_by(Account.id.desc())
    count_each = select(func.count()).select_from(Account).where(Account.name.like(like))
    for page in (1, 2, 3, 4):
        assert fetch_page(db, built_once, count_once, page=page, page_size=3, params={"like": like}) == \
            fetch_page(db, each_time, count_each, page=page, page_size=3)
    rows, total = fetch_page(db, built_once, count_once, page=3, page_size=3, params={"like": like})
    assert total == 7 and len(rows) == 1


def test_the_tickets_list_filters_with_its_built_statements(db):
    account = make_account(db, name=f"Speed Co {next(_n)}")
    admin = make_contact(db, account, portal_role="admin")
    member = make_contact(db, account, portal_role="member")
    ctx_admin = portal_sessions.resolve_session(db, portal_sessions.open_session(db, admin.id))
    ctx_member = portal_sessions.resolve_session(db, portal_sessions.open_session(db, member.id))
    mine, _, _ = ticket_rules.open_ticket(db, ctx_member, title="Printer jam", type="question", priority="high",
                                          body="The printer is stuck")
    ticket_rules.open_ticket(db, ctx_admin, title="Network down", type="incident", priority="low",
                             body="No network since this morning")
    titles = lambda items: sorted(i.title for i in items)  # noqa: E731
    assert titles(ticket_rules.list_tickets(db, ctx_admin)[0]) == ["Network down", "Printer jam"]
    assert titles(ticket_rules.list_tickets(db, ctx_member)[0]) == ["Printer jam"]  # a member: their own
    assert titles(ticket_rules.list_tickets(db, ctx_admin, priority="high")[0]) == ["Printer jam"]
    assert titles(ticket_rules.list_tickets(db, ctx_admin, contact_id=member.id)[0]) == ["Printer jam"]
    # A member's contact filter is ignored: they never see a colleague's tickets through it.
    assert titles(ticket_rules.list_tickets(db, ctx_member, contact_id=admin.id)[0]) == ["Printer jam"]
    assert titles(ticket_rules.list_tickets(db, ctx_admin, q="NETWORK")[0]) == ["Network down"]
    assert titles(ticket_rules.list_tickets(db, ctx_admin, q="stuck")[0]) == ["Printer jam"]  # the text too
    assert ticket_rules.list_tickets(db, ctx_admin, status="resolved") == ([], 0)
    items, total = ticket_rules.list_tickets(db, ctx_admin, status="open")
    assert total == 2 and {i.id for i in items} >= {mine.id}


def test_a_tickets_page_load_reads_its_settings_and_the_session_once(root, monkeypatch):
    with session_scope() as db:
        account = make_account(db, name=f"Load Co {next(_n)}")
        contact = make_contact(db, account, portal_role="admin", language="en")
        token = portal_sessions.open_session(db, contact.id)
    portal = sub(root, PortalState)
    portal.portal_sid = token
    monkeypatch.setitem(registries.PAGE_LOADS, "/speed-tickets",
                        registries.PageLoad("portal", (TicketsState.load_list,)))
    for cls in (PortalState, TicketsState):
        sub(root, cls).router = _router("/speed-tickets", {})
    with SqlSent() as seen:
        portal.open_page("/speed-tickets")
    assert sub(root, TicketsState).error_key == "" and portal.authed
    assert seen.selects("portal_session") == 1
    assert seen.selects("ticket_settings") == 1  # the list and its filter choices share one read


def test_the_session_check_refreshes_a_copy_the_event_holds(db):
    contact = make_contact(db)
    clock.freeze(T0)
    token = portal_sessions.open_session(db, contact.id)
    held = db.exec(select(PortalSession).where(PortalSession.contact_id == contact.id)).one()
    clock.freeze(T0 + timedelta(minutes=5))  # past the "last seen" write interval
    assert portal_sessions.resolve_session(db, token) is not None
    assert held.last_seen_at == T0 + timedelta(minutes=5)
    portal_sessions.revoke_session(db, token, "logout")
    assert portal_sessions.resolve_session(db, token) is None  # read from the database, every time
