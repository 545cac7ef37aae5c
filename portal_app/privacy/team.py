"""The team page: an account's administrators manage their colleagues themselves ("Give access").

Everything is bounded by the actor: only their own account's contacts (another account's id gets the
NotFound that is recorded), never themselves, never a right they lack themselves (a right of the
colleague's that the actor lacks is kept as it is, out of their reach), never while staff impersonate.
Staff may turn delegation off per account. Every change is audited on the colleague, so their access log
shows it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from portal_app.core import access, accounts, audit, clock, notify
from portal_app.core.auth import sessions
from portal_app.core.auth.sessions import PortalContext, refuse_when_impersonating
from portal_app.core.auth.staff import StaffContext
from portal_app.core.errors import DomainError, Forbidden
from portal_app.core.models.accounts import MODULES, ROLE_ADMIN, ROLES, Contact
from portal_app.privacy.models import TeamDelegation

TEAM_LIMIT = 200  # contacts listed on the page (an account with more is handled by staff)


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    email: str
    role: str
    rights: tuple[str, ...]
    active: bool
    invited_at: object
    last_login_at: object
    is_me: bool


def delegation_enabled(db: Session, account_id: int) -> bool:
    row = db.get(TeamDelegation, account_id)
    return row is None or row.enabled


def set_delegation(db: Session, staff: StaffContext, account_id: int, enabled: bool) -> None:
    """Staff: the account's administrators may (or may no longer) manage their colleagues."""
    accounts.get_account(db, account_id)
    row = db.get(TeamDelegation, account_id) or TeamDelegation(account_id=account_id)
    row.enabled, row.updated_at = bool(enabled), clock.now()
    db.add(row)
    audit.record(db, staff.actor, "team.delegation_on" if enabled else "team.delegation_off",
                 target_type="account", target_id=account_id, account_id=account_id)


def _admin(db: Session, ctx: PortalContext) -> None:
    if ctx.role != ROLE_ADMIN:
        raise Forbidden()
    if not delegation_enabled(db, ctx.account_id):
        raise DomainError("team.error.delegation_off")


def _colleague(db: Session, ctx: PortalContext, contact_id) -> Contact:
    """A contact of the actor's own account other than themselves, or the recorded NotFound."""
    row = db.get(Contact, contact_id) if isinstance(contact_id, int) else None
    if row is None or row.account_id != ctx.account_id:
        raise audit.refuse(db, audit.portal_actor(ctx), "contact", contact_id if isinstance(contact_id, int) else None,
                           "not_own", account_id=ctx.account_id)
    if row.id == ctx.contact_id:
        raise DomainError("team.error.not_yourself")
    return row


def _member(ctx: PortalContext, c: Contact) -> Member:
    return Member(c.id, c.full_name, c.email, c.portal_role, tuple(accounts.effective_rights(c)),
                  c.active and c.portal_access, c.invited_at, c.last_login_at, c.id == ctx.contact_id)


def list_team(db: Session, ctx: PortalContext) -> list[Member]:
    _admin(db, ctx)
    rows = db.exec(select(Contact).where(Contact.account_id == ctx.account_id)
                   .order_by(Contact.last_name, Contact.first_name, Contact.id).limit(TEAM_LIMIT)).all()
    return [_member(ctx, c) for c in rows]


def get_member(db: Session, ctx: PortalContext, contact_id) -> Member:
    """One colleague, for the rights form."""
    _admin(db, ctx)
    return _member(ctx, _colleague(db, ctx, contact_id))


def _bounded(ctx: PortalContext, role: str, wanted, kept=()) -> list[str]:
    """The rights asked, checked against the actor's own; `kept`: the colleague's rights the actor lacks."""
    if role not in ROLES:
        raise DomainError("contact.error.role")
    wanted = {str(m) for m in wanted}
    beyond = wanted - set(ctx.rights)
    if beyond or not wanted <= set(MODULES):
        raise DomainError("team.error.beyond_own_rights")
    return [m for m in accounts.role_allows(role) if m in wanted or m in kept]


def invite(db: Session, ctx: PortalContext, *, email: str, first_name: str, last_name: str, role: str,
           rights, language: str) -> tuple[Contact, list[notify.Delivery]]:
    """A new colleague on the actor's account, with rights within the actor's, and the access email
    (the explicit "Give access" action). Returns the deliveries to dispatch after the commit."""
    refuse_when_impersonating(ctx, "team")
    _admin(db, ctx)
    granted = _bounded(ctx, role, rights)
    actor = audit.portal_actor(ctx)
    contact = accounts.save_contact(db, actor, accounts.ContactInput(
        account_id=ctx.account_id, email=email, first_name=first_name, last_name=last_name, language=language,
        portal_role=role, rights=granted))
    audit.record(db, actor, "team.invited", target_type="contact", target_id=contact.id, account_id=ctx.account_id,
                 rights=",".join(granted), role=role)
    return contact, access.send_invitation(db, actor, contact.id)


def set_access(db: Session, ctx: PortalContext, contact_id, *, role: str, rights) -> Contact:
    """Change a colleague's role and rights; their sessions end so the new rights apply at once."""
    refuse_when_impersonating(ctx, "team")
    _admin(db, ctx)
    c = _colleague(db, ctx, contact_id)
    kept = [m for m in (c.rights or []) if m not in ctx.rights]
    granted = _bounded(ctx, role, rights, kept)
    c.portal_role, c.rights = role, granted
    db.add(c)
    sessions.revoke_contact_sessions(db, c.id, "access_changed")
    audit.record(db, audit.portal_actor(ctx), "team.access_changed", target_type="contact", target_id=c.id,
                 account_id=ctx.account_id, rights=",".join(c.rights), role=role)
    return c


def deactivate(db: Session, ctx: PortalContext, contact_id) -> Contact:
    """Remove a colleague's access: no more login, every session ended."""
    refuse_when_impersonating(ctx, "team")
    _admin(db, ctx)
    c = _colleague(db, ctx, contact_id)
    c.portal_access = False
    db.add(c)
    sessions.revoke_contact_sessions(db, c.id, "access_removed")
    audit.record(db, audit.portal_actor(ctx), "team.access_removed", target_type="contact", target_id=c.id,
                 account_id=ctx.account_id)
    return c


def resend_access(db: Session, ctx: PortalContext, contact_id) -> list[notify.Delivery]:
    """Send the access email again (a colleague whose access was removed gets it back first)."""
    refuse_when_impersonating(ctx, "team")
    _admin(db, ctx)
    c = _colleague(db, ctx, contact_id)
    if not c.active:
        raise DomainError("team.error.inactive")
    return access.give_access(db, audit.portal_actor(ctx), c.id)
