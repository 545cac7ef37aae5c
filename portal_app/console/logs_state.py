"""Console: delivery log (every email and SMS), login attempts and the audit log, each a paged list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from portal_app.console import logs
from portal_app.core import audit, i18n, notify
from portal_app.core.states.handlers import parse_id, staff_event
from portal_app.core.states.paging import PagedList
from portal_app.core.states.staff import StaffState

AUDIT_ACTION_MAX_CHARS = 50


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    when: str
    channel: str
    recipient: str
    template: str
    status: str
    provider: str
    error: str
    subject: str


@dataclass(frozen=True)
class AttemptRow:
    when: str
    email: str
    kind: str
    outcome: str
    ip: str


@dataclass(frozen=True)
class AuditRow:
    when: str
    actor: str
    as_contact: str
    action: str
    target: str
    account: str
    ip: str


def _when(state: StaffState, dt) -> str:
    return i18n.format_datetime(dt, state.lang or "en")


class AdminLogsState(PagedList, StaffState):
    """The delivery log (search by recipient, filter by status), and one message opened by staff; with the
    console provider this is the demo outbox."""
    area: ClassVar[str] = "support"

    page_size: ClassVar[int] = logs.PAGE_SIZE
    filters: ClassVar[dict[str, tuple[str, ...]]] = {"status": ("", *logs.DELIVERY_STATUSES)}
    rows: list[DeliveryRow] = []
    viewing_subject: str = ""
    viewing_body: str = ""
    viewing_open: bool = False

    def _fetch(self, db, ctx) -> None:
        found, self.total = notify.list_messages(db, recipient=self.q, status=self.filter_values.get("status", ""),
                                                 page=self.page, page_size=self.page_size)
        self.rows = [DeliveryRow(m.id, _when(self, m.created_at), m.channel, m.recipient, m.template, m.status,
                                 m.provider, m.error, m.subject) for m in found]

    @staff_event("read")
    def view_message(self, db, ctx, message_id: int):
        row = notify.get_message(db, parse_id(message_id))
        self.viewing_subject, self.viewing_body, self.viewing_open = row.subject, row.body_text, True

    @staff_event("read")
    def close_message(self, db, ctx):
        self.viewing_open, self.viewing_body = False, ""


class AdminAttemptsState(PagedList, StaffState):
    """Login attempts, all or one address's."""
    area: ClassVar[str] = "support"

    page_size: ClassVar[int] = logs.PAGE_SIZE
    rows: list[AttemptRow] = []

    def _fetch(self, db, ctx) -> None:
        found, self.total = logs.list_attempts(db, email=self.q, page=self.page, page_size=self.page_size)
        self.rows = [AttemptRow(_when(self, a.created_at), a.email, a.kind, a.outcome, a.client_ip) for a in found]


class AdminAuditState(PagedList, StaffState):
    """The audit log, searched by the start of the action's name."""
    area: ClassVar[str] = "audit"

    page_size: ClassVar[int] = logs.PAGE_SIZE
    rows: list[AuditRow] = []

    def _fetch(self, db, ctx) -> None:
        found, self.total = audit.list_events(db, action=self.q[:AUDIT_ACTION_MAX_CHARS], page=self.page,
                                              page_size=self.page_size)
        self.rows = [AuditRow(_when(self, e.created_at), f"{e.actor_type}:{e.actor_label}", str(e.as_contact_id or ""),
                              e.action, f"{e.target_type} #{e.target_id}" if e.target_id else e.target_type,
                              str(e.account_id or ""), e.client_ip) for e in found]
