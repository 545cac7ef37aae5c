"""Owners manage staff users in the console: invitation (a single-use link valid 72 hours, then TOTP
at the first login), role changes, deactivation (their sessions end), TOTP reset; the console always
keeps an active owner; only owners reach any of it."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.console.staff_state import AdminStaffState
from portal_app.core import clock
from portal_app.core.auth import impersonation, sessions as portal_sessions, staff, staff_users
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError
from portal_app.core.models.auth import StaffUser
from portal_app.core.models.notify import OutboundMessage
from portal_app.login.staff_state import StaffWelcomeState
from tests.factories import make_contact, make_staff, staff_session
from tests.support.states import sub
from tests.support.uploads import at

_n = itertools.count(1)
PASSWORD = "correct horse battery"


def _email() -> str:
    return f"invitee{next(_n)}@guichet.example"


def _owner_ctx(db) -> staff.StaffContext:
    user = make_staff(db, role="owner")
    return staff.StaffContext(user.id, user.email, user.name, "owner", True, True)


def _link_token(email: str) -> str:
    with session_scope() as db:
        row = db.exec(select(OutboundMessage).where(OutboundMessage.recipient == email,
                                                    OutboundMessage.template == "staff_invitation")
                      .order_by(OutboundMessage.id.desc())).first()
    return re.search(r"/admin/welcome\?token=([\w-]+)", row.body_text).group(1)


def _live_sessions(token: str) -> bool:
    with session_scope() as db:
        return staff.resolve(db, token) is not None


# ---- invitation --------------------------------------------------------------------------------------


def test_an_invited_user_chooses_a_password_then_enrols_totp(root):
    email = _email()
    with session_scope() as db:
        owner = _owner_ctx(db)
        user, deliveries = staff_users.invite(db, owner, email=email, name="Ines Agent", role="agent")
        assert [d.to for d in deliveries] == [email]
        assert staff_users.list_staff(db, q=email)[0][0].status == "invited"
    token = _link_token(email)
    # no password works before the invitation is accepted
    with session_scope() as db, pytest.raises(DomainError):
        staff.login_password(db, email, PASSWORD)
    page = sub(root, StaffWelcomeState)
    at(page, f"/admin/welcome?token={token}")
    page.welcome_load()
    assert (page.welcome_step, page.welcome_email) == ("form", email)
    page.choose_password({"password": PASSWORD, "confirm": "something else"})
    assert page.error_text == "The two passwords are not the same." and page.welcome_step == "form"
    page.choose_password({"password": "short", "confirm": "short"})
    assert page.error_key == "password.error.too_short"
    page.choose_password({"password": PASSWORD, "confirm": PASSWORD})
    assert page.welcome_step == "done" and page.error_key == ""
    # the link works once
    page.welcome_load()
    assert page.welcome_step == "invalid"
    with session_scope() as db:
        _, ctx = staff.login_password(db, email, PASSWORD)
        assert not ctx.totp_enabled and ctx.role == "agent"  # the login goes on to enrol TOTP
        assert staff_users.list_staff(db, q=email)[0][0].status == "active"


def test_the_invitation_link_lasts_seventy_two_hours(root):
    email = _email()
    start = clock.now()
    clock.freeze(start)
    with session_scope() as db:
        staff_users.invite(db, _owner_ctx(db), email=email, name="", role="staff")
    token = _link_token(email)
    with session_scope() as db:
        clock.freeze(start + timedelta(hours=72) - timedelta(seconds=1))
        assert staff_users.invited_user(db, token) is not None
        clock.freeze(start + timedelta(hours=72))
        assert staff_users.invited_user(db, token) is None
        with pytest.raises(DomainError) as err:
            staff_users.accept_invitation(db, token, PASSWORD, PASSWORD)
    assert err.value.key == "staff_users.error.link"


def test_a_new_invitation_replaces_the_last_link():
    email = _email()
    with session_scope() as db:
        owner = _owner_ctx(db)
        user, _ = staff_users.invite(db, owner, email=email, name="", role="staff")
    first = _link_token(email)
    with session_scope() as db:
        staff_users.reinvite(db, owner, user.id)
    second = _link_token(email)
    with session_scope() as db:
        assert staff_users.invited_user(db, first) is None and staff_users.invited_user(db, second).id == user.id


def test_inviting_an_existing_address_or_an_unknown_role_is_refused():
    with session_scope() as db:
        owner = _owner_ctx(db)
        with pytest.raises(DomainError) as err:
            staff_users.invite(db, owner, email=owner.email, name="", role="staff")
        assert err.value.key == "staff.error.email_taken"
        with pytest.raises(DomainError) as err:
            staff_users.invite(db, owner, email=_email(), name="", role="admin")
        assert err.value.key == "staff.error.role"


# ---- role, deactivation, TOTP ---------------------------------------------------------------------------


def _only_owner(db) -> staff.StaffContext:
    """Make this test's owner the only active owner (other tests' owners are stepped down for it: the
    test rolls this back)."""
    for other in db.exec(select(StaffUser).where(StaffUser.role == "owner", StaffUser.active.is_(True))):
        other.role = "staff"
        db.add(other)
    db.flush()
    return _owner_ctx(db)


def test_the_last_active_owner_cannot_demote_or_deactivate_themself():
    with session_scope() as db:
        owner = _only_owner(db)
        for change in (lambda: staff_users.change_role(db, owner, owner.staff_id, "staff"),
                       lambda: staff_users.set_active(db, owner, owner.staff_id, False)):
            with pytest.raises(DomainError) as err:
                change()
            assert err.value.key == "staff_users.error.last_owner"
        # with a second owner, the first may step down
        second = make_staff(db, role="owner")
        assert staff_users.change_role(db, owner, owner.staff_id, "staff").role == "staff"
        with pytest.raises(DomainError):  # and now the second is the last one
            staff_users.set_active(db, owner, second.id, False)
        db.rollback()  # the other tests' owners stay owners


def test_deactivating_ends_their_console_and_impersonation_sessions():
    with session_scope() as db:
        owner = _owner_ctx(db)
        agent_token = staff_session(db, role="agent")
        agent = staff.resolve(db, agent_token)
        contact = make_contact(db)
        portal_token = impersonation.start(db, agent, contact.id)
    assert _live_sessions(agent_token)
    with session_scope() as db:
        staff_users.set_active(db, owner, agent.staff_id, False)
    assert not _live_sessions(agent_token)
    with session_scope() as db:
        assert portal_sessions.resolve_session(db, portal_token) is None
        with pytest.raises(DomainError):
            staff.login_password(db, agent.email, PASSWORD)
        staff_users.set_active(db, owner, agent.staff_id, True)
        staff.login_password(db, agent.email, PASSWORD)  # back


def test_resetting_totp_ends_sessions_and_enrols_again_at_the_next_login():
    with session_scope() as db:
        owner = _owner_ctx(db)
        token = staff_session(db, role="staff")
        user_id = staff.resolve(db, token).staff_id
        email = db.get(StaffUser, user_id).email
        staff_users.reset_totp(db, owner, user_id)
    assert not _live_sessions(token)
    with session_scope() as db:
        user = db.get(StaffUser, user_id)
        assert not user.totp_enabled and user.totp_secret_enc is None
        new_token, ctx = staff.login_password(db, email, PASSWORD)
        assert not ctx.totp_enabled and staff.enrolment_uri(db, new_token).startswith("otpauth://")


# ---- the console page -----------------------------------------------------------------------------------


def test_an_owner_invites_changes_a_role_and_deactivates_from_the_page(root):
    email = _email()
    with session_scope() as db:
        token = staff_session(db, role="owner")
    page = sub(root, AdminStaffState)
    page.staff_sid = token
    page.load_list()
    page.open_invite()
    assert page.dialog == "invite"
    page.invite({"email": email, "name": "Nora New", "role": "agent"})
    assert page.dialog == "" and page.flash_text == f"Invitation sent to {email}."
    page.search({"q": email})
    assert [(r.email, r.role, r.status) for r in page.rows] == [(email, "agent", "invited")]
    page.open_user(page.rows[0].id)
    assert page.dialog == "manage" and page.chosen.email == email
    page.save_role({"role": "staff"})
    assert page.saved and page.rows[0].role == "staff"
    page.save_role({"role": "emperor"})
    assert page.error_key == "staff.error.role" and page.rows[0].role == "staff"
    page.deactivate()
    assert page.rows[0].status == "inactive" and page.flash_text == f"{email} is deactivated."
    page.open_user("1 OR 1=1")
    assert page.error_key == "error.not_found"


def test_staff_and_agents_cannot_manage_staff_users(root):
    email = _email()
    for role in ("staff", "agent"):
        with session_scope() as db:
            token = staff_session(db, role=role)
        page = sub(root, AdminStaffState)
        page.staff_sid = token
        page.invite({"email": email, "name": "x", "role": "owner"})
        assert page.error_text == "Your role does not give access to this part of the console."
        with session_scope() as db:
            assert db.exec(select(StaffUser).where(StaffUser.email == email)).first() is None
