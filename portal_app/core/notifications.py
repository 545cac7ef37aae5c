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

from sqlalchemy import bindparam, or_
from sqlmodel import Session, func, select

from portal_app.core.models.notifications import Notification, NotificationSeen
from portal_app.core import clock
from portal_app.core.i18n import t
from portal_app.core.auth.sessions import PortalContext

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


# Conditions: this account, for everyone or for this contact, and a module this contact may use.
# Built once (the dashboard runs them on every load); the rights list expands at execution.
_VISIBLE = (
    Notification.account_id == bindparam("account_id"),
    or_(Notification.contact_id.is_(None), Notification.contact_id == bindparam("contact_id")),
    or_(Notification.module.is_(None), Notification.module.in_(bindparam("rights", expanding=True))),
)
_WATERMARK = (select(NotificationSeen.last_seen_id).where(NotificationSeen.contact_id == bindparam("contact_id"))
              .scalar_subquery())
_UNREAD_QUERY = select(func.count()).select_from(Notification).where(
    *_VISIBLE, Notification.id > func.coalesce(_WATERMARK, 0))
_RECENT_QUERY = (select(Notification.id, Notification.kind, Notification.key, Notification.params, Notification.link,
                        Notification.created_at, func.coalesce(_WATERMARK, 0))
                 .where(*_VISIBLE).order_by(Notification.id.desc()).limit(bindparam("limit")))


def _params(ctx: PortalContext) -> dict:
    return {"account_id": ctx.account_id, "contact_id": ctx.contact_id, "rights": list(ctx.rights) or [""]}


def unread_count(db: Session, ctx: PortalContext) -> int:
    return db.exec(_UNREAD_QUERY, params=_params(ctx)).one()


def recent(db: Session, ctx: PortalContext, lang: str, *, limit: int = LIST_LIMIT) -> list[NotificationItem]:
    rows = db.exec(_RECENT_QUERY, params={**_params(ctx), "limit": limit}).all()
    return [NotificationItem(id=nid, kind=kind, text=t(lang, key, **(params or {})), link=link, created_at=created,
                             unread=nid > seen) for nid, kind, key, params, link, created, seen in rows]


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
