"""Consents: purposes the business defines (per language) and every grant or withdrawal of a contact.

A change is a new row, never an update: the latest row per purpose is the contact's answer, all rows
are its history. Only the contact gives or withdraws consent; staff acting as them are refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from portal_app.core import audit, clock, i18n
from portal_app.core.auth.sessions import PortalContext, refuse_when_impersonating, require_module
from portal_app.core.db import get_or_not_found
from portal_app.core.errors import DomainError, NotFound
from portal_app.privacy.models import ConsentEvent, ConsentPurpose

NAME_MAX_CHARS = 200
DESCRIPTION_MAX_CHARS = 2000
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class PurposeAnswer:
    purpose_id: int
    names: dict
    descriptions: dict
    granted: bool
    changed_at: datetime | None


@dataclass(frozen=True)
class HistoryItem:
    purpose_id: int
    names: dict
    granted: bool
    at: datetime
    by: str


# ---- console: the purposes -----------------------------------------------------------------------


def list_purposes(db: Session, *, active_only: bool = False) -> list[ConsentPurpose]:
    query = select(ConsentPurpose).order_by(ConsentPurpose.order, ConsentPurpose.id)
    if active_only:
        query = query.where(ConsentPurpose.active.is_(True))
    return list(db.exec(query).all())


def save_purpose(db: Session, actor: audit.Actor, purpose_id: int | None, *, names: dict[str, str],
                 descriptions: dict[str, str], active: bool, order: int = 0) -> ConsentPurpose:
    shipped = i18n.shipped_languages()
    names = {k: str(v).strip()[:NAME_MAX_CHARS] for k, v in names.items() if k in shipped and str(v).strip()}
    descriptions = {k: str(v).strip()[:DESCRIPTION_MAX_CHARS] for k, v in descriptions.items()
                    if k in shipped and str(v).strip()}
    if not names:
        raise DomainError("privacy.error.purpose_name")
    row = get_or_not_found(db, ConsentPurpose, purpose_id) if purpose_id else ConsentPurpose()
    row.names, row.descriptions, row.active, row.order = names, descriptions, bool(active), int(order)
    db.add(row)
    db.flush()
    audit.record(db, actor, "privacy.purpose_saved", target_type="consent_purpose", target_id=row.id)
    return row


# ---- the contact's answers -------------------------------------------------------------------------


def _latest(db: Session, contact_id: int) -> dict[int, ConsentEvent]:
    rows = db.exec(select(ConsentEvent).where(ConsentEvent.contact_id == contact_id)
                   .order_by(ConsentEvent.id)).all()
    return {r.purpose_id: r for r in rows}  # the last row of each purpose wins


def answers(db: Session, ctx: PortalContext) -> list[PurposeAnswer]:
    require_module(ctx, "gdpr")
    latest = _latest(db, ctx.contact_id)
    return [PurposeAnswer(p.id, p.names, p.descriptions, bool(latest.get(p.id) and latest[p.id].granted),
                          latest[p.id].created_at if p.id in latest else None)
            for p in list_purposes(db, active_only=True)]


def set_consent(db: Session, ctx: PortalContext, purpose_id: int, granted: bool) -> ConsentEvent | None:
    """Grant or withdraw; the same answer again writes nothing. Refused while staff impersonate."""
    require_module(ctx, "gdpr")
    refuse_when_impersonating(ctx, "consent")
    purpose = db.get(ConsentPurpose, purpose_id)
    if purpose is None or not purpose.active:
        raise NotFound()
    current = _latest(db, ctx.contact_id).get(purpose_id)
    if current is not None and current.granted == bool(granted):
        return None
    event = ConsentEvent(account_id=ctx.account_id, contact_id=ctx.contact_id, purpose_id=purpose_id,
                         granted=bool(granted), created_at=clock.now(), by_label=ctx.email)
    db.add(event)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "privacy.consent_granted" if granted else "privacy.consent_withdrawn",
                 target_type="consent_purpose", target_id=purpose_id, account_id=ctx.account_id)
    return event


def history_of(db: Session, contact_id: int, limit: int = HISTORY_LIMIT) -> list[HistoryItem]:
    """Every change of a contact's consents, newest first (the caller has checked who asks)."""
    purposes = {p.id: p for p in list_purposes(db)}
    rows = db.exec(select(ConsentEvent).where(ConsentEvent.contact_id == contact_id)
                   .order_by(ConsentEvent.id.desc()).limit(limit)).all()
    return [HistoryItem(r.purpose_id, purposes[r.purpose_id].names if r.purpose_id in purposes else {},
                        r.granted, r.created_at, r.by_label) for r in rows]


def history(db: Session, ctx: PortalContext) -> list[HistoryItem]:
    require_module(ctx, "gdpr")
    return history_of(db, ctx.contact_id)
