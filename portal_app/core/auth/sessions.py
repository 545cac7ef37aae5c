"""Customer portal sessions: opened after a verified code, checked on every page and handler."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, select

from portal_app.core.models.accounts import Account, Contact
from portal_app.core.models.auth import PortalSession, StaffSession, StaffUser
from portal_app.core import clock
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
    token = new_token()
    now = clock.now()
    db.add(PortalSession(token_hash=hmac_hash(token, TOKEN_PURPOSE), contact_id=contact_id,
                         impersonator_staff_id=impersonator_staff_id, staff_session_id=staff_session_id,
                         created_at=now, last_seen_at=now,
                         absolute_expires_at=now + timedelta(seconds=SESSION_ABSOLUTE_SECONDS),
                         client_ip=client_ip[:45]))
    db.flush()
    return token


def _live(row: PortalSession | None, now) -> bool:
    return (row is not None and row.revoked_at is None and now < row.absolute_expires_at
            and now - row.last_seen_at < timedelta(seconds=SESSION_IDLE_SECONDS))


# Built once: constructing the statement cost as much as running it.
_RESOLVE_QUERY = (
    select(PortalSession, Contact, Account, StaffUser, StaffSession)
    .join(Contact, Contact.id == PortalSession.contact_id)
    .join(Account, Account.id == Contact.account_id)
    .outerjoin(StaffUser, StaffUser.id == PortalSession.impersonator_staff_id)
    .outerjoin(StaffSession, StaffSession.id == PortalSession.staff_session_id)
    .where(PortalSession.token_hash == bindparam("token_hash"))
)


def resolve_session(db: Session, token: str | None, *, touch: bool = True) -> PortalContext | None:
    """The acting contact for a token, or None when missing, expired, revoked or no longer allowed."""
    if not token or len(token) > 200:
        return None
    now = clock.now()
    # One query: every page load and handler runs this, on the event loop.
    found = db.exec(_RESOLVE_QUERY, params={"token_hash": hmac_hash(token, TOKEN_PURPOSE)}).first()
    if found is None:
        return None
    row, contact, account, impersonator, console = found
    if not _live(row, now):
        return None
    if row.impersonator_staff_id is not None:
        # Impersonation: only while the staff member and their console session are alive.
        if impersonator is None or not impersonator.active or not staff_session_is_live(console, now) \
                or not contact.active or not account.active:
            return None
    elif not (contact.active and contact.portal_access and account.active):
        return None
    if touch and (now - row.last_seen_at).total_seconds() >= LAST_SEEN_WRITE_SECONDS:
        row.last_seen_at = now
        db.add(row)
        db.flush()
    offered = business_view(db).modules
    return PortalContext(
        session_id=row.id, contact_id=contact.id, account_id=account.id,
        contact_name=contact.full_name, first_name=contact.first_name or contact.full_name,
        email=contact.email, account_name=account.name, language=contact.language,
        role=contact.portal_role,
        rights=tuple(m for m in effective_rights(contact) if m in offered), offered=offered,
        impersonator_staff_id=impersonator.id if impersonator else None,
        impersonator_name=(impersonator.name or impersonator.email) if impersonator else "",
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
