"""The contact's access log: every time staff saw their portal as them (who, when, how long, what they
did) and every change to their access by staff or by their account's administrator (the team page),
from the portal sessions and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from portal_app.core.auth.sessions import PortalContext, require_module
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.auth import PortalSession, StaffUser

LIMIT = 50


@dataclass(frozen=True)
class Visit:
    staff_name: str
    started_at: datetime
    ended_at: datetime | None
    seconds: int
    actions: tuple[str, ...]


@dataclass(frozen=True)
class AccessChange:
    staff_name: str
    at: datetime
    action: str


def visits(db: Session, ctx: PortalContext) -> list[Visit]:
    require_module(ctx, "gdpr")
    rows = db.exec(select(PortalSession, StaffUser).join(StaffUser, StaffUser.id == PortalSession.impersonator_staff_id)
                   .where(PortalSession.contact_id == ctx.contact_id)
                   .order_by(PortalSession.id.desc()).limit(LIMIT)).all()
    out = []
    for session, staff in rows:
        end = session.revoked_at or session.last_seen_at
        done = db.exec(select(AuditEvent.action).where(
            AuditEvent.as_contact_id == ctx.contact_id, AuditEvent.actor_type == "staff",
            AuditEvent.actor_id == staff.id, AuditEvent.created_at >= session.created_at,
            AuditEvent.created_at <= end, AuditEvent.action.not_in(("impersonation.start", "impersonation.end")))
            .order_by(AuditEvent.id)).all()
        out.append(Visit(staff.name or staff.email, session.created_at, session.revoked_at,
                         max(int((end - session.created_at).total_seconds()), 0), tuple(done)))
    return out


def access_changes(db: Session, ctx: PortalContext) -> list[AccessChange]:
    require_module(ctx, "gdpr")
    rows = db.exec(select(AuditEvent).where(AuditEvent.target_type == "contact",
                                            AuditEvent.target_id == ctx.contact_id,
                                            AuditEvent.account_id == ctx.account_id,
                                            AuditEvent.as_contact_id.is_(None),
                                            # staff in the console, or an administrator of the account
                                            # on the team page (never the contact's own actions)
                                            (AuditEvent.actor_type == "staff")
                                            | ((AuditEvent.actor_type == "contact")
                                               & (AuditEvent.actor_id != ctx.contact_id)))
                   .order_by(AuditEvent.id.desc()).limit(LIMIT)).all()
    return [AccessChange(r.actor_label, r.created_at, r.action) for r in rows]
