"""Console: delivery log (every email and SMS), login attempts and the audit log."""

from __future__ import annotations

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.core import audit, i18n, notify
from portal_app.core.auth import login
from portal_app.core.errors import DomainError
from portal_app.core.states.paging import page_count as _pages
from portal_app.core.states.staff import StaffState

LOG_PAGE_SIZE = 50


class AdminLogsState(StaffState):
    q: str = ""
    status: str = ""
    page: int = 1
    total: int = 0
    deliveries: list[dict[str, str]] = []
    attempts: list[dict[str, str]] = []
    events: list[dict[str, str]] = []
    # One message opened by staff; with the console provider this is the demo outbox.
    viewing_subject: str = ""
    viewing_body: str = ""
    viewing_open: bool = False

    @rx.var
    def pages(self) -> int:
        return _pages(self.total, LOG_PAGE_SIZE)

    def _when(self, dt) -> str:
        return i18n.format_datetime(dt, self.lang or "en")

    def _fetch_deliveries(self, db) -> None:
        self._staff(db)
        rows, self.total = notify.list_messages(db, recipient=self.q, status=self.status, page=self.page,
                                                page_size=LOG_PAGE_SIZE)
        self.deliveries = [{"id": str(m.id), "when": self._when(m.created_at), "channel": m.channel,
                            "to": m.recipient, "template": m.template, "status": m.status,
                            "provider": m.provider, "error": m.error, "subject": m.subject} for m in rows]

    def _fetch_attempts(self, db) -> None:
        self._staff(db)
        rows = login.recent_attempts(db, email=self.q, limit=LOG_PAGE_SIZE)
        self.total = len(rows)
        self.attempts = [{"when": self._when(a.created_at), "email": a.email, "kind": a.kind,
                          "outcome": a.outcome, "ip": a.client_ip} for a in rows]

    def _fetch_events(self, db) -> None:
        self._staff(db)
        rows, self.total = audit.list_events(db, action=self.q, page=self.page, page_size=LOG_PAGE_SIZE)
        self.events = [{"when": self._when(e.created_at), "actor": f"{e.actor_type}:{e.actor_label}",
                        "as_contact": str(e.as_contact_id or ""), "action": e.action,
                        "target": f"{e.target_type} #{e.target_id}" if e.target_id else e.target_type,
                        "account": str(e.account_id or ""), "ip": e.client_ip} for e in rows]

    def _run(self, fetch):
        try:
            with session_scope() as db:
                fetch(db)
        except DomainError as exc:
            self._flash_error(exc)

    @rx.event
    def load_deliveries(self):
        self.q, self.status, self.page = "", "", 1
        self._run(self._fetch_deliveries)

    @rx.event
    def filter_deliveries(self, form: dict):
        self.q, self.status, self.page = str(form.get("q", ""))[:100], str(form.get("status", ""))[:12], 1
        self._run(self._fetch_deliveries)

    @rx.event
    def deliveries_page(self, delta: int):
        self.page = min(max(self.page + int(delta), 1), self.pages)
        self._run(self._fetch_deliveries)

    @rx.event
    def view_message(self, message_id: int):
        try:
            with session_scope() as db:
                self._staff(db)
                row = notify.get_message(db, int(message_id))
        except (DomainError, ValueError, TypeError) as exc:
            if isinstance(exc, DomainError):
                self._flash_error(exc)
            return
        self.viewing_subject, self.viewing_body, self.viewing_open = row.subject, row.body_text, True

    @rx.event
    def close_message(self):
        self.viewing_open, self.viewing_body = False, ""

    @rx.event
    def load_attempts(self):
        self.q = ""
        self._run(self._fetch_attempts)

    @rx.event
    def filter_attempts(self, form: dict):
        self.q = str(form.get("q", ""))[:254]
        self._run(self._fetch_attempts)

    @rx.event
    def load_audit(self):
        self.q, self.page = "", 1
        self._run(self._fetch_events)

    @rx.event
    def filter_audit(self, form: dict):
        self.q, self.page = str(form.get("q", ""))[:50], 1
        self._run(self._fetch_events)

    @rx.event
    def audit_page(self, delta: int):
        self.page = min(max(self.page + int(delta), 1), self.pages)
        self._run(self._fetch_events)
