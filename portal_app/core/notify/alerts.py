"""Telling the owners something is wrong, once per window: an email to every active owner, an audit line
and a server log line. Used by the login's portal-wide code budget and by the delivery failure alarm."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, func, select

from portal_app.core import audit, clock
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.auth import StaffUser
from portal_app.core.models.notify import OutboundMessage as M

log = logging.getLogger("guichet.notify")

HOUR = timedelta(hours=1)
FAILURES_ALERT_PER_HOUR = 20  # messages failed or reported undelivered in the last hour before owners are told
FAILURES_ALERT_ACTION = "notify.failures_alert"
# What counts as a failure: given up by the dispatcher, or reported by the provider as not delivered.
FAILURE_STATUSES = ("failed", "bounced", "dropped", "blocked", "undelivered")


def alert_owners_once(db: Session, action: str, template: str, link_path: str, log_line: str, **params) -> list:
    """Email the active owners about `action`, at most once an hour (the audit log remembers); returns the
    deliveries for the caller to dispatch after its commit."""
    from portal_app.core import notify
    from portal_app.core.business import branding, business_view

    if db.exec(select(AuditEvent.id).where(AuditEvent.action == action,
                                           AuditEvent.created_at > clock.now() - HOUR)).first() is not None:
        return []
    audit.record(db, audit.SYSTEM, action, **params)
    log.warning(log_line, *params.values())
    lang = business_view(db).default_language
    brand = branding(db)
    mail = notify.render_email(template, lang, brand, link=notify.portal_url(link_path), **params)
    owners = db.exec(select(StaffUser.email).where(StaffUser.role == "owner", StaffUser.active.is_(True))
                     .order_by(StaffUser.id)).all()
    return [notify.queue_email(db, to=to, template=template, language=lang, rendered=mail,
                               sender_name=brand.sender_name) for to in owners]


def failures_last_hour(db: Session) -> int:
    """Messages that failed in the last hour: by the provider's report time, else by when they were queued."""
    when = sa.func.coalesce(M.provider_event_at, M.created_at)
    return db.exec(select(func.count()).select_from(M).where(M.status.in_(FAILURE_STATUSES),
                                                             when > clock.now() - HOUR)).one()


def check_failures(db: Session) -> list:
    """Past the threshold, tell the owners (once an hour); the caller dispatches after its commit."""
    count = failures_last_hour(db)
    if count < FAILURES_ALERT_PER_HOUR:
        return []
    return alert_owners_once(db, FAILURES_ALERT_ACTION, "delivery_failures_alert", "/admin/deliveries",
                             "%s messages failed in the last hour: look at Console > Deliveries", count=count)
