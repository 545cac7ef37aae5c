"""What is new for a contact: modules post notifications here; the dashboard and the navigation read them.

    notifications.post(db, account_id=..., kind="invoice.new", key="notification.invoice_new",
                       params={"number": "F-2026-001"}, link="/invoice?id=12", module="invoices")

`key` is a catalogue key rendered in the reader's language with `params` (plain strings). A
notification without `contact_id` is for every contact of the account who may use `module`.
Each contact has a watermark (the last id they have seen), so the unread count is one index range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, func, select

from ..models import Notification, NotificationSeen
from . import clock
from .i18n import t
from .portal_sessions import PortalContext

LIST_LIMIT = 8


@dataclass(frozen=True)
class NotificationItem:
    id: int
    kind: str
    text: str
    link: str
    created_at: datetime
    unread: bool


def post(db: Session, *, account_id: int, kind: str, key: str, params: dict | None = None, link: str = "",
         module: str | None = None, contact_id: int | None = None, ref: str = "") -> Notification:
    """Record something new for an account (or one of its contacts). Call inside the transaction."""
    row = Notification(account_id=account_id, contact_id=contact_id, kind=kind[:40], module=module, key=key[:100],
                       params={k: str(v) for k, v in (params or {}).items()}, link=link[:300], ref=ref[:60],
                       created_at=clock.now())
    db.add(row)
    db.flush()
    return row


def withdraw(db: Session, *, account_id: int, ref: str) -> int:
    """Remove the notifications about something that is no longer there (an unshared document)."""
    rows = db.exec(select(Notification).where(Notification.account_id == account_id, Notification.ref == ref)).all()
    for row in rows:
        db.delete(row)
    db.flush()
    return len(rows)


def _visible(ctx: PortalContext):
    """Conditions: this account, for everyone or for this contact, and a module this contact may use."""
    return [
        Notification.account_id == ctx.account_id,
        or_(Notification.contact_id.is_(None), Notification.contact_id == ctx.contact_id),
        or_(Notification.module.is_(None), Notification.module.in_(ctx.rights or ("",))),
    ]


def _watermark(db: Session, contact_id: int) -> int:
    return db.exec(select(NotificationSeen.last_seen_id).where(NotificationSeen.contact_id == contact_id)).first() or 0


def unread_count(db: Session, ctx: PortalContext) -> int:
    return db.exec(select(func.count()).select_from(Notification)
                   .where(*_visible(ctx), Notification.id > _watermark(db, ctx.contact_id))).one()


def recent(db: Session, ctx: PortalContext, lang: str, *, limit: int = LIST_LIMIT) -> list[NotificationItem]:
    seen = _watermark(db, ctx.contact_id)
    rows = db.exec(select(Notification).where(*_visible(ctx)).order_by(Notification.id.desc()).limit(limit)).all()
    return [NotificationItem(id=r.id, kind=r.kind, text=t(lang, r.key, **(r.params or {})), link=r.link,
                             created_at=r.created_at, unread=r.id > seen) for r in rows]


def mark_seen(db: Session, ctx: PortalContext, up_to_id: int) -> None:
    """Everything up to `up_to_id` is seen by this contact. Staff looking as the contact leave it unread."""
    if ctx.impersonating or up_to_id <= 0:
        return
    row = db.get(NotificationSeen, ctx.contact_id)
    if row is None:
        row = NotificationSeen(contact_id=ctx.contact_id, last_seen_id=0)
    if up_to_id > row.last_seen_id:
        row.last_seen_id, row.seen_at = up_to_id, clock.now()
        db.add(row)
        db.flush()
