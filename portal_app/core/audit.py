"""Writing and reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

from portal_app.core.models.audit import AuditEvent
from portal_app.core import clock


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, a contact (maybe impersonated by staff), or the system."""

    kind: str  # staff | contact | system
    id: int | None
    label: str = ""
    as_contact_id: int | None = None
    client_ip: str = ""


SYSTEM = Actor("system", None, "system")


def portal_actor(ctx, client_ip: str = "") -> Actor:
    """The actor of a customer request (`ctx`, a PortalContext): the contact, or staff acting as them."""
    if ctx.impersonating:
        return Actor("staff", ctx.impersonator_staff_id, ctx.impersonator_name, as_contact_id=ctx.contact_id,
                     client_ip=client_ip)
    return Actor("contact", ctx.contact_id, ctx.email, client_ip=client_ip)


def refuse(db: Session, actor: Actor, target_type: str, target_id: int | None, reason: str,
           account_id: int | None = None):
    """Record a refused access and return the NotFound to raise. The record is committed at once, so a
    later rollback cannot erase it; every check of a use case runs before any of its writes."""
    from portal_app.core.errors import NotFound

    record(db, actor, "security.refused", target_type=target_type, target_id=target_id, account_id=account_id,
           reason=reason)
    db.commit()
    refused = NotFound()
    refused.recorded = True  # routes record the refusals no rule did (a missing id) the same way
    return refused


def record(
    db: Session,
    actor: Actor,
    action: str,
    *,
    target_type: str = "",
    target_id: int | None = None,
    account_id: int | None = None,
    **detail,
) -> AuditEvent:
    event = AuditEvent(
        created_at=clock.now(),
        actor_type=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        as_contact_id=actor.as_contact_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        account_id=account_id,
        detail=detail,
        client_ip=actor.client_ip,
    )
    db.add(event)
    db.flush()
    return event


def list_events(db: Session, *, action: str = "", page: int = 1, page_size: int = 50):
    query = select(AuditEvent)
    count = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
        count = count.where(AuditEvent.action.startswith(action))
    total = db.exec(count).one()
    rows = db.exec(
        query.order_by(AuditEvent.id.desc()).offset((max(page, 1) - 1) * page_size).limit(page_size)
    ).all()
    return rows, total
