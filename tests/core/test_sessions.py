"""Portal sessions: idle and absolute expiry, revocation, and who may hold one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal_app.core import accounts, audit, clock
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.errors import Forbidden
from tests.factories import make_account, make_contact

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def at(seconds: float) -> None:
    clock.freeze(T0 + timedelta(seconds=seconds))


def test_idle_expiry_is_pushed_back_by_activity(db):
    c = make_contact(db)
    at(0)
    token = portal_sessions.open_session(db, c.id)
    idle = 30 * 60  # 30 minutes idle, by its literal value
    at(idle - 10)
    assert portal_sessions.resolve_session(db, token) is not None  # activity: last seen moves
    at(2 * idle - 20)
    assert portal_sessions.resolve_session(db, token) is not None
    at(3 * idle)
    assert portal_sessions.resolve_session(db, token) is None


def test_absolute_expiry_wins_over_activity(db):
    c = make_contact(db)
    at(0)
    token = portal_sessions.open_session(db, c.id)
    t = 0
    while t < 12 * 3600 - 600:  # 12 hours in all, by its literal value
        t += 600
        at(t)
        assert portal_sessions.resolve_session(db, token) is not None
    at(12 * 3600)
    assert portal_sessions.resolve_session(db, token) is None


def test_logout_revokes(db):
    c = make_contact(db)
    token = portal_sessions.open_session(db, c.id)
    portal_sessions.revoke_session(db, token)
    assert portal_sessions.resolve_session(db, token) is None


@pytest.mark.parametrize("change", ["active", "portal_access", "email"])
def test_losing_access_ends_every_session(db, change):
    c = make_contact(db, mobile="+33612345678")
    tokens = [portal_sessions.open_session(db, c.id) for _ in range(2)]
    data = accounts.ContactInput(account_id=c.account_id, email=c.email, first_name=c.first_name,
                                 mobile=c.mobile, active=c.active, portal_access=c.portal_access)
    if change == "email":
        data.email = "new-address@example.com"
    else:
        setattr(data, change, False)
    accounts.save_contact(db, audit.SYSTEM, data, c.id)
    assert all(portal_sessions.resolve_session(db, t) is None for t in tokens)


def test_deactivating_the_account_ends_its_sessions(db):
    acc = make_account(db)
    c = make_contact(db, acc)
    token = portal_sessions.open_session(db, c.id)
    accounts.save_account(db, audit.SYSTEM, account_id=acc.id, name=acc.name, number=acc.number, active=False)
    assert portal_sessions.resolve_session(db, token) is None


def test_garbage_tokens_resolve_to_nobody(db):
    assert portal_sessions.resolve_session(db, "") is None
    assert portal_sessions.resolve_session(db, None) is None
    assert portal_sessions.resolve_session(db, "x" * 5000) is None
    assert portal_sessions.resolve_session(db, "not-a-token") is None


def test_context_carries_rights_narrowed_by_role(db):
    admin = make_contact(db, portal_role="admin", rights=["invoices", "tickets"])
    member = make_contact(db, portal_role="member", rights=["invoices", "tickets"])
    a = portal_sessions.resolve_session(db, portal_sessions.open_session(db, admin.id))
    m = portal_sessions.resolve_session(db, portal_sessions.open_session(db, member.id))
    assert a.can("invoices") and a.can("tickets") and not a.can("documents")
    assert not m.can("invoices") and m.can("tickets")  # a member never gets billing


def test_money_and_consent_actions_are_refused_while_impersonating(db):
    from portal_app.core.auth import impersonation, staff
    from tests.factories import staff_session

    c = make_contact(db)
    console = staff.resolve(db, staff_session(db))
    own = portal_sessions.resolve_session(db, portal_sessions.open_session(db, c.id))
    imp = portal_sessions.resolve_session(db, impersonation.start(db, console, c.id))
    portal_sessions.refuse_when_impersonating(own, "pay")  # the customer may
    with pytest.raises(Forbidden) as err:
        portal_sessions.refuse_when_impersonating(imp, "pay")
    assert err.value.key == "impersonation.error.refused"
