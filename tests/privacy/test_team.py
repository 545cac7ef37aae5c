"""The team page: an account administrator gives access to colleagues, within their own rights and
their own account; staff may turn delegation off; every change shows in the colleague's access log."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_app.core.auth import impersonation
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError, Forbidden, NotFound
from portal_app.core.models.accounts import Account, Contact
from portal_app.core.models.auth import PortalSession
from portal_app.core.models.notify import OutboundMessage
from portal_app.privacy import access_log, team
from portal_app.privacy.admin_state import AdminTeamDelegationState
from portal_app.privacy.team_state import TeamState
from tests.factories import make_account, staff_ctx
from tests.privacy.conftest import ctx_of, gdpr_contact
from tests.support.states import refusals, sub


@pytest.fixture
def boss():
    """(admin id, account id, token): an account administrator holding gdpr, invoices and tickets."""
    with session_scope() as db:
        c = gdpr_contact(db, rights=["gdpr", "invoices", "tickets"])
        return c.id, c.account_id, portal_sessions.open_session(db, c.id)


def _colleague(account_id, **kw):
    with session_scope() as db:
        return gdpr_contact(db, db.get(Account, account_id), **kw).id


def test_an_administrator_invites_a_colleague_within_their_own_rights(boss):
    _, account_id, token = boss
    with session_scope() as db:
        colleague, deliveries = team.invite(db, ctx_of(db, token), email="New.Colleague@Example.com",
                                            first_name="Ada", last_name="Byron", role="member",
                                            rights=["tickets"], language="en")
        assert (colleague.account_id, colleague.rights, colleague.portal_role) == (account_id, ["tickets"], "member")
        assert colleague.email == "new.colleague@example.com" and len(deliveries) == 1
        assert db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == colleague.id,
                                                     OutboundMessage.template == "invitation")).first()
    with session_scope() as db:
        with pytest.raises(DomainError) as refused:  # "documents": a right the administrator lacks
            team.invite(db, ctx_of(db, token), email="second@example.com", first_name="", last_name="B",
                        role="admin", rights=["invoices", "documents"], language="en")
        assert refused.value.key == "team.error.beyond_own_rights"
        assert db.exec(select(Contact).where(Contact.email == "second@example.com")).first() is None


def test_changing_rights_keeps_what_the_administrator_cannot_touch_and_ends_sessions(boss):
    _, account_id, token = boss
    other = _colleague(account_id, portal_role="admin", rights=["documents", "invoices"])
    with session_scope() as db:
        other_token = portal_sessions.open_session(db, other)
    with session_scope() as db:
        c = team.set_access(db, ctx_of(db, token), other, role="admin", rights=["gdpr"])
        # "invoices" withdrawn, "gdpr" given; "documents" (not the administrator's) stays as it was
        assert sorted(c.rights) == ["documents", "gdpr"]
    with session_scope() as db:
        assert portal_sessions.resolve_session(db, other_token) is None
        changes = access_log.access_changes(db, ctx_of(db, portal_sessions.open_session(db, other)))
        assert "team.access_changed" in [a.action for a in changes]


def test_another_accounts_contact_is_refused_and_recorded(boss):
    _, _, token = boss
    with session_scope() as db:
        stranger = gdpr_contact(db, make_account(db, name="Elsewhere Ltd"))
        stranger_id, stranger_rights = stranger.id, list(stranger.rights)
    for act in (lambda db, ctx: team.set_access(db, ctx, stranger_id, role="member", rights=["tickets"]),
                lambda db, ctx: team.deactivate(db, ctx, stranger_id),
                lambda db, ctx: team.resend_access(db, ctx, stranger_id),
                lambda db, ctx: team.get_member(db, ctx, stranger_id)):
        with session_scope() as db:
            with pytest.raises(NotFound):
                act(db, ctx_of(db, token))
    with session_scope() as db:
        s = db.get(Contact, stranger_id)
        assert (s.portal_access, list(s.rights)) == (True, stranger_rights)
        actor_account = ctx_of(db, token).account_id
    assert refusals(actor_account, "contact", stranger_id) == 4


def test_members_and_accounts_with_delegation_off_cannot_manage_the_team(boss):
    _, account_id, token = boss
    member = _colleague(account_id, portal_role="member", rights=["tickets", "gdpr"])
    with session_scope() as db:
        member_token = portal_sessions.open_session(db, member)
    with session_scope() as db:
        with pytest.raises(Forbidden):
            team.list_team(db, ctx_of(db, member_token))
        team.set_delegation(db, staff_ctx(db), account_id, False)
    with session_scope() as db:
        with pytest.raises(DomainError) as off:
            team.list_team(db, ctx_of(db, token))
        assert off.value.key == "team.error.delegation_off"
        team.set_delegation(db, staff_ctx(db), account_id, True)
    with session_scope() as db:
        assert [m.id for m in team.list_team(db, ctx_of(db, token))]


def test_removing_access_ends_the_colleagues_sessions_and_not_oneself(boss):
    me, account_id, token = boss
    other = _colleague(account_id)
    with session_scope() as db:
        portal_sessions.open_session(db, other)
    with session_scope() as db:
        team.deactivate(db, ctx_of(db, token), other)
        with pytest.raises(DomainError):
            team.deactivate(db, ctx_of(db, token), me)
    with session_scope() as db:
        assert db.get(Contact, other).portal_access is False
        assert db.exec(select(PortalSession).where(PortalSession.contact_id == other,
                                                   PortalSession.revoked_at.is_(None))).first() is None
        team.resend_access(db, ctx_of(db, token), other)  # "send access again" gives it back
        assert db.get(Contact, other).portal_access is True


def test_team_handlers_refuse_foreign_ids_and_impersonating_staff(boss, root):
    me, account_id, token = boss
    other = _colleague(account_id)
    with session_scope() as db:
        stranger = gdpr_contact(db, make_account(db, name="Foreign Co")).id
    page = sub(root, TeamState)
    page.portal_sid = token
    page.load_team()
    assert page.error_key == "" and {m.id for m in page.members} >= {me, other}
    assert next(m for m in page.members if m.id == me).is_me
    for bad in (stranger, "1 or 1=1", -1, "../1"):
        page.edit_member(bad)
        assert page.error_key == "error.not_found"
        page.remove_access(bad)
        assert page.error_key == "error.not_found"
    with session_scope() as db:
        assert db.get(Contact, stranger).portal_access is True
        as_them = impersonation.start(db, staff_ctx(db), me)
    page.portal_sid = as_them
    page.load_team()
    assert page.error_key == ""  # staff may look
    page.edit_member(0)
    page.save_member({"email": "by-staff@example.com", "role": "member", "right_tickets": "on"})
    assert page.error_key == "impersonation.error.refused"
    page.remove_access(other)
    assert page.error_key == "impersonation.error.refused"
    with session_scope() as db:
        assert db.exec(select(Contact).where(Contact.email == "by-staff@example.com")).first() is None
        assert db.get(Contact, other).portal_access is True


def test_the_team_page_gives_access_and_changes_rights(boss, root):
    _, _, token = boss
    page = sub(root, TeamState)
    page.portal_sid = token
    page.load_team()
    assert page.own_rights == ["invoices", "tickets", "gdpr"]
    page.edit_member(0)
    assert page.dialog == "member" and page.editing_id == 0
    page.save_member({"first_name": "Lin", "last_name": "Wu", "email": "lin.wu@example.com", "role": "member",
                      "right_tickets": "on"})
    assert page.error_key == "" and page.notice_key == "team.invited"
    new = next(m for m in page.members if m.email == "lin.wu@example.com")
    assert new.rights == ["tickets"] and new.active
    page.edit_member(new.id)
    page.save_member({"role": "admin", "right_invoices": "on", "right_documents": "on"})
    assert page.error_key == "team.error.beyond_own_rights"
    page.save_member({"role": "admin", "right_invoices": "on"})
    assert page.error_key == "" and next(m for m in page.members if m.id == new.id).rights == ["invoices"]


def test_staff_turn_delegation_off_from_the_account_page(boss, root):
    from tests.factories import staff_session
    from tests.support.states import router_data

    _, account_id, token = boss
    with session_scope() as db:
        owner, agent = staff_session(db), staff_session(db, role="agent")
    panel = sub(root, AdminTeamDelegationState)
    panel.staff_sid = agent
    panel.router = router_data("/admin/account", {"id": account_id})
    panel.load_delegation()
    assert panel.delegation is True and panel.delegation_account_id == account_id
    panel.set_delegation(False)  # agents read the accounts area, they do not change it
    assert panel.flash_key == "error.role_forbidden"
    panel.staff_sid = owner
    panel.set_delegation(False)
    assert panel.delegation is False
    with session_scope() as db:
        with pytest.raises(DomainError):
            team.list_team(db, ctx_of(db, token))
    panel.set_delegation(True)
    for bad in ("999999999", "x"):
        panel.router = router_data("/admin/account", {"id": bad})
        panel.load_delegation()
        assert panel.flash_key == "error.not_found" and panel.delegation_account_id == 0
