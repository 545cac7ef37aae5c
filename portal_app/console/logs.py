"""The console's logs that core does not page itself: login attempts, one page at a time."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, func, select

from portal_app.core.accounts import normalise_email
from portal_app.core.models.auth import LoginAttempt

PAGE_SIZE = 50
DELIVERY_STATUSES = ("queued", "sending", "sent", "failed", "fallback", "delivered", "deferred", "bounced", "dropped",
                     "blocked", "spam_report", "undelivered")
CHANNELS = ("email", "sms")
# The delivery log's date filter: messages queued within the last...
PERIODS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7),
           "month": timedelta(days=31)}


def list_attempts(db: Session, *, email: str = "", page: int = 1, page_size: int = PAGE_SIZE):
    """Login attempts, newest first, for one address when given (exact, as typed at login); and the total."""
    query = select(LoginAttempt)
    count = select(func.count()).select_from(LoginAttempt)
    if email.strip():
        query = query.where(LoginAttempt.email == normalise_email(email))
        count = count.where(LoginAttempt.email == normalise_email(email))
    total = db.exec(count).one()
    rows = db.exec(query.order_by(LoginAttempt.id.desc()).offset((max(page, 1) - 1) * page_size)
                   .limit(page_size)).all()
    return rows, total
