"""Customer portal sessions: opened after a verified code, checked on every page and handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from portal_app.core.models.accounts import Account, Contact
from portal_app.core.models.auth import PortalSession, StaffSession, StaffUser
from portal_app.core import clock
from portal_app.core.db import read
from portal_app.core.accounts import effective_rights
from portal_app.core.business import business_view
from portal_app.core.auth import devices
from portal_app.core.auth.staff import session_is_live as staff_session_is_live
from portal_app.core.errors import Forbidden
from portal_app.core.security import hmac_hash, new_token

SESSION_IDLE_SECONDS = 30 * 60
SESSION_ABSOLUTE_SECONDS = 12 * 3600
# last_seen is written at most this often, so a busy page does not write on every event.
LAST_SEEN_WRITE_SECONDS = 60
TOKEN_PURPOSE = "portal-session"


@dataclass(frozen=True)
class PortalContext:
    """Who is acting in the portal, resolved from the session token on every request."""

    session_id: int
    contact_id: int
    account_id: int
    contact_name: str
    first_name: str
    email: str
    account_name: str
    language: str
    role: str
    rights: tuple[str, ...] = field(default=())
    time_zone: str = ""  # the contact's chosen zone, "" = their device's
    # The modules the business offers (`rights` are within them).
    offered: tuple[str, ...] = field(default=())
    impersonator_staff_id: int | None = None
    impersonator_name: str = ""

    @property
    def impersonating(self) -> bool:
        return self.impersonator_staff_id is not None

    def can(self, module: str) -> bool:
        return module in self.rights


def open_session(db: Session, contact_id: int, *, client_ip: str = "",
                 impersonator_staff_id: int | None = None, staff_session_id: int | None = None) -> str:
    """Create a session and return its token; only the hash is stored."""
    return _add_session(db, contact_id, client_ip=client_ip, impersonator_staff_id=impersonator_staff_id,
                        staff_session_id=staff_session_id)[0]


def _add_session(db: Session, contact_id: int, *, client_ip: str = "", impersonator_staff_id: int | None = None,
                 staff_session_id: int | None = None) -> tuple[str, PortalSession]:
    token = new_token()
    now = clock.now()
    row = PortalSession(token_hash=hmac_hash(token, TOKEN_PURPOSE), contact_id=contact_id,
                        impersonator_staff_id=impersonator_staff_id, staff_session_id=staff_session_id,
                        created_at=now, last_seen_at=now,
                        absolute_expires_at=now + timedelta(seconds=SESSION_ABSOLUTE_SECONDS),
                        client_ip=client_ip[:45])
    db.add(row)
    db.flush()
    return token, row


def open_login_session(db: Session, contact: Contact, account: Account, *,
                       client_ip: str = "") -> tuple[str, PortalContext]:
    """A login that has just checked `contact` and `account` in this transaction (`may_log_in`: both active,
    portal access): its new session's token and context, built from those rows rather than read back. Every
    later event still resolves the session from the database (`resolve_session`)."""
    token, row = _add_session(db, contact.id, client_ip=client_ip)
    return token, _context(db, row.id, contact.id, account.id, contact.first_name, contact.last_name, contact.email,
                           account.name, contact.language, contact.portal_role, effective_rights(contact),
                           time_zone=contact.time_zone or "")


def _live(row: PortalSession | None, now) -> bool:
    return (row is not None and row.revoked_at is None and now < row.absolute_expires_at
            and now - row.last_seen_at < timedelta(seconds=SESSION_IDLE_SECONDS))


# Built once: constructing the statement cost as much as running it. Columns, not objects: every page load
# and handler runs it, and building five ORM objects cost more than the query.
_RESOLVE_QUERY = (
    select(PortalSession.id, PortalSession.contact_id, PortalSession.impersonator_staff_id,
           PortalSession.revoked_at, PortalSession.absolute_expires_at, PortalSession.last_seen_at,
           Contact.first_name, Contact.last_name, Contact.email, Contact.language, Contact.time_zone, Contact.portal_role,
           Contact.rights, Contact.active.label("contact_active"), Contact.portal_access,
           Account.id.label("account_id"), Account.name.label("account_name"), Account.active.label("account_active"),
           StaffUser.id.label("staff_id"), StaffUser.active.label("staff_active"), StaffUser.name.label("staff_name"),
           StaffUser.email.label("staff_email"), StaffSession.id.label("console_id"),
           StaffSession.revoked_at.label("console_revoked_at"),
           StaffSession.absolute_expires_at.label("console_absolute_expires_at"),
           StaffSession.last_seen_at.label("console_last_seen_at"))
    .join(Contact, Contact.id == PortalSession.contact_id)
    .join(Account, Account.id == Contact.account_id)
    .outerjoin(StaffUser, StaffUser.id == PortalSession.impersonator_staff_id)
    .outerjoin(StaffSession, StaffSession.id == PortalSession.staff_session_id)
    .where(PortalSession.token_hash == bindparam("token_hash"))
)
_TOUCH = (update(PortalSession).where(PortalSession.id == bindparam("session_id"))
          .values(last_seen_at=bindparam("now")).execution_options(synchronize_session=False))


@dataclass(frozen=True)
class _Console:
    """The impersonating staff member's console session, as `staff_session_is_live` reads it."""

    revoked_at: object
    absolute_expires_at: object
    last_seen_at: object


def resolve_session(db: Session, token: str | None, *, touch: bool = True) -> PortalContext | None:
    """The acting contact for a token, or None when missing, expired, revoked or no longer allowed."""
    if not token or len(token) > 200:
        return None
    now = clock.now()
    # One query: every page load and handler runs this, on the event loop.
    r = read(db, _RESOLVE_QUERY, {"token_hash": hmac_hash(token, TOKEN_PURPOSE)}).first()
    if r is None or not _live(r, now):
        return None
    if r.impersonator_staff_id is not None:
        # Impersonation: only while the staff member and their console session are alive.
        console = None if r.console_id is None else _Console(r.console_revoked_at, r.console_absolute_expires_at,
                                                              r.console_last_seen_at)
        if r.staff_id is None or not r.staff_active or not staff_session_is_live(console, now) \
                or not r.contact_active or not r.account_active:
            return None
    elif not (r.contact_active and r.portal_access and r.account_active):
        return None
    if touch and (now - r.last_seen_at).total_seconds() >= LAST_SEEN_WRITE_SECONDS:
        db.exec(_TOUCH, params={"session_id": r.id, "now": now})
        stale = db.identity_map.get(db.identity_key(PortalSession, r.id))
        if stale is not None:  # a copy this session holds reads the new value too
            db.expire(stale, ["last_seen_at"])
    return _context(db, r.id, r.contact_id, r.account_id, r.first_name, r.last_name, r.email, r.account_name,
                    r.language, r.portal_role, effective_rights(r), r.staff_id,
                    (r.staff_name or r.staff_email) if r.staff_id is not None else "", r.time_zone or "")


def _context(db: Session, session_id: int, contact_id: int, account_id: int, first_name: str, last_name: str,
             email: str, account_name: str, language: str, role: str, rights: list[str],
             staff_id: int | None = None, staff_name: str = "", time_zone: str = "") -> PortalContext:
    offered = business_view(db).modules
    full_name = f"{first_name} {last_name}".strip() or email
    return PortalContext(
        session_id=session_id, contact_id=contact_id, account_id=account_id,
        contact_name=full_name, first_name=first_name or full_name,
        email=email, account_name=account_name, language=language, time_zone=time_zone, role=role,
        rights=tuple(m for m in rights if m in offered), offered=offered,
        impersonator_staff_id=staff_id, impersonator_name=staff_name,
    )


def revoke_session(db: Session, token: str | None, reason: str = "logout") -> PortalSession | None:
    if not token:
        return None
    row = db.exec(select(PortalSession).where(PortalSession.token_hash == hmac_hash(token, TOKEN_PURPOSE))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at, row.revoked_reason = clock.now(), reason
        db.add(row)
        db.flush()
    return row


def _revoke_all(db: Session, query, reason: str) -> int:
    rows = db.exec(query.where(PortalSession.revoked_at.is_(None))).all()
    now = clock.now()
    for row in rows:
        row.revoked_at, row.revoked_reason = now, reason
        db.add(row)
    db.flush()
    return len(rows)


def revoke_contact_sessions(db: Session, contact_id: int, reason: str) -> int:
    """End every session of a contact; the browsers it logged in from are no longer remembered either."""
    devices.forget_all(db, [db.get(Contact, contact_id)])
    return _revoke_all(db, select(PortalSession).where(PortalSession.contact_id == contact_id), reason)


def revoke_other_sessions(db: Session, contact_id: int, keep_session_id: int, reason: str) -> int:
    """End every session of a contact but the one acting now (its email or mobile changed); the browsers
    it logged in from are no longer remembered either."""
    devices.forget_all(db, [db.get(Contact, contact_id)])
    return _revoke_all(db, select(PortalSession).where(PortalSession.contact_id == contact_id,
                                                       PortalSession.id != keep_session_id), reason)


def revoke_account_sessions(db: Session, account_id: int, reason: str) -> int:
    devices.forget_all(db, list(db.exec(select(Contact).where(Contact.account_id == account_id)).all()))
    return _revoke_all(db, select(PortalSession).join(Contact, Contact.id == PortalSession.contact_id)
                       .where(Contact.account_id == account_id), reason)


def refuse_when_impersonating(ctx: PortalContext, action: str) -> None:
    """Money and consent actions belong to the customer alone, never to staff acting as them."""
    if ctx.impersonating:
        raise Forbidden("impersonation.error.refused", action=action)


def require_module(ctx: PortalContext, module: str) -> None:
    if not ctx.can(module):
        raise Forbidden()
