"""Staff seeing the portal as a contact: a marked session, audited at start and end."""

from __future__ import annotations

from sqlmodel import Session

from portal_app.core.models.accounts import Account
from portal_app.core import audit
from portal_app.core.accounts import get_contact
from portal_app.core.errors import DomainError
from portal_app.core.auth.sessions import PortalContext, open_session, resolve_session, revoke_session
from portal_app.core.auth.staff import StaffContext


def start(db: Session, staff: StaffContext, contact_id: int, client_ip: str = "") -> str:
    """Open a portal session for `contact_id` marked with the staff member; returns its token."""
    if not staff.mfa_passed or staff.session_id is None:
        raise DomainError("error.forbidden")
    contact = get_contact(db, contact_id)
    account = db.get(Account, contact.account_id)
    if not contact.active or account is None or not account.active:
        raise DomainError("impersonation.error.inactive")
    token = open_session(db, contact.id, client_ip=client_ip, impersonator_staff_id=staff.staff_id,
                         staff_session_id=staff.session_id)
    audit.record(db, audit.Actor("staff", staff.staff_id, staff.email, as_contact_id=contact.id, client_ip=client_ip),
                 "impersonation.start", target_type="contact", target_id=contact.id, account_id=contact.account_id)
    return token


def end(db: Session, token: str | None, client_ip: str = "") -> PortalContext | None:
    """End an impersonation session; returns what it was (None if it was not one)."""
    ctx = resolve_session(db, token, touch=False)
    if ctx is None or not ctx.impersonating:
        return None
    revoke_session(db, token, "impersonation_end")
    audit.record(db, audit.Actor("staff", ctx.impersonator_staff_id, ctx.impersonator_name,
                                 as_contact_id=ctx.contact_id, client_ip=client_ip),
                 "impersonation.end", target_type="contact", target_id=ctx.contact_id, account_id=ctx.account_id)
    return ctx
