"""Writing and reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

from ..models import AuditEvent
from . import clock


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, a contact (maybe impersonated by staff), or the system."""

    kind: str  # staff | contact | system
    id: int | None
    label: str = ""
    as_contact_id: int | None = None
    client_ip: str = ""


SYSTEM = Actor("system", None, "system")


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
