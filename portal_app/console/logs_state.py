"""Console: delivery log (every email and SMS), login attempts and the audit log, each a paged list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from portal_app.console import logs
from portal_app.core import access, audit, clock, i18n, notify
from portal_app.core.models.accounts import Contact
from portal_app.core.notify import alerts
from portal_app.core.states.handlers import parse_id, staff_event
from portal_app.core.states.paging import PagedList, query_int
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
    reason: str = ""  # the message's fate in plain words
    answer: str = ""  # the provider's own code and words, or the dispatcher's last error
    can_send_again: bool = False


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
    """The delivery log (search by recipient; filters by status, channel, period, and the contact named in
    the page's address), one message opened by staff, "send again" for a failed one, and a warning when
    failures in the last hour cross the alarm's threshold. With the console provider: the demo outbox."""
    area: ClassVar[str] = "support"

    page_size: ClassVar[int] = logs.PAGE_SIZE
    filters: ClassVar[dict[str, tuple[str, ...]]] = {"status": ("", *logs.DELIVERY_STATUSES),
                                                     "channel": ("", *logs.CHANNELS),
                                                     "period": ("", *logs.PERIODS)}
    rows: list[DeliveryRow] = []
    viewing_subject: str = ""
    viewing_body: str = ""
    viewing_open: bool = False
    contact_filter: int = 0  # /admin/deliveries?contact=<id>: that contact's messages only
    contact_filter_label: str = ""
    failures_last_hour: int = 0
    failures_alarm: bool = False

    def _initial_filters(self) -> dict[str, str]:
        self.contact_filter = query_int(self, "contact") or 0
        return super()._initial_filters()

    def _fetch(self, db, ctx) -> None:
        period = logs.PERIODS.get(self.filter_values.get("period", ""))
        contact = db.get(Contact, self.contact_filter) if self.contact_filter else None
        self.contact_filter_label = contact.email if contact else ""
        found, self.total = notify.list_messages(
            db, recipient=self.q, status=self.filter_values.get("status", ""),
            channel=self.filter_values.get("channel", ""), contact_id=self.contact_filter or None,
            since=clock.now() - period if period else None, page=self.page, page_size=self.page_size)
        lang = self.lang or "en"
        self.rows = [DeliveryRow(m.id, _when(self, m.created_at), m.channel, m.recipient, m.template, m.status,
                                 m.provider, m.error, m.subject, access.reason(m, lang), access.answer(m),
                                 notify.can_send_again(m)) for m in found]
        self.failures_last_hour = alerts.failures_last_hour(db)
        self.failures_alarm = self.failures_last_hour >= alerts.FAILURES_ALERT_PER_HOUR

    @staff_event("read")
    def clear_contact_filter(self, db, ctx):
        self.contact_filter, self.page = 0, 1
        self._fetch(db, ctx)

    @staff_event
    def send_again(self, db, ctx, message_id: int):
        deliveries = notify.send_again(db, ctx.actor, parse_id(message_id))
        notify.dispatch_after_commit(db, deliveries)
        self._flash("admin.outbox.requeued", recipient=deliveries[0].to)
        self._refetch(db, ctx)

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
