"""Console: messages the dispatcher gave up on (stuck), and putting one back in the queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from portal_app.console import logs
from portal_app.core import i18n, notify
from portal_app.core.states.handlers import parse_id, staff_event
from portal_app.core.states.paging import PagedList
from portal_app.core.states.staff import StaffState

STUCK = "failed"


@dataclass(frozen=True)
class StuckRow:
    id: int
    when: str
    channel: str
    recipient: str
    template: str
    attempts: int
    error: str


class AdminOutboxState(PagedList, StaffState):
    """Failed messages, newest first, searched by recipient; "retry now" gives one a fresh round."""

    page_size: ClassVar[int] = logs.PAGE_SIZE
    rows: list[StuckRow] = []

    def _fetch(self, db, ctx) -> None:
        found, self.total = notify.list_messages(db, recipient=self.q, status=STUCK, page=self.page,
                                                 page_size=self.page_size)
        self.rows = [StuckRow(m.id, i18n.format_datetime(m.created_at, self.lang or "en"), m.channel, m.recipient,
                              m.template, m.attempts, m.error) for m in found]

    @staff_event
    def retry_now(self, db, ctx, message_id: int):
        deliveries = notify.retry_now(db, ctx.actor, parse_id(message_id))
        notify.dispatch_after_commit(db, deliveries)
        self._flash("admin.outbox.requeued", recipient=deliveries[0].to)
        self._refetch(db, ctx)
