"""Every email and SMS: written to the outbox table first, then sent from it by the dispatcher.

Callers queue inside their transaction (`queue_email`, `queue_sms`) and call `dispatch_after_commit`
(or `dispatch` after their own commit). The table is the source of truth: `dispatch` only nudges this
process's dispatcher (`outbox.py`), which claims the rows, sends them off the request, retries with
backoff and survives restarts. With GUICHET_NOTIFY_SYNC=1 (tests) the same claim path runs inline.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from sqlmodel import Session, func, select

from portal_app.core import audit, clock
from portal_app.core.config import get_settings
from portal_app.core.db import fetch_page, get_or_not_found
from portal_app.core.errors import DomainError
from portal_app.core.models.notify import OutboundMessage
from portal_app.core.notify import outbox
from portal_app.core.notify.outbox import MAX_ATTEMPTS, seal
from portal_app.core.notify.providers import ConsoleProvider, ProviderError, email_provider, sms_provider
from portal_app.core.notify.templates import Branding, Rendered, portal_url, render_email, render_sms

__all__ = [
    "Branding",
    "Delivery",
    "MAX_ATTEMPTS",
    "ProviderError",
    "Rendered",
    "deliver",
    "dispatch",
    "dispatch_after_commit",
    "list_messages",
    "portal_url",
    "queue_email",
    "queue_sms",
    "render_email",
    "render_sms",
    "retry_now",
    "send_again",
    "wait_idle",
]

log = logging.getLogger("guichet.notify")
REDACTED = "••••••"


@dataclass(frozen=True)
class Delivery:
    """A queued message, by its outbox row: what `dispatch` is told about. Holds no body."""

    message_id: int
    channel: str
    to: str

    def __repr__(self) -> str:
        return f"Delivery(#{self.message_id} {self.channel} to {self.to})"


def _redact(text: str, secrets: tuple[str, ...]) -> str:
    if not any(secrets):
        return REDACTED  # sensitive, but no secret named: nothing of it is kept
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def store(db: Session, *, channel, to, template, language, subject, text, html, sensitive, redact, contact_id,
          account_id, track_clicks, sender_name, fallback_of_id=None, fallback: dict | None = None,
          reply_to: str = "") -> OutboundMessage:
    """Write one outbox row. A sensitive message keeps only a redacted copy in clear (the console provider
    aside: its outbox is the demo's inbox) and its real text sealed until it is sent."""
    redacted = sensitive and outbox.provider_name(channel) != "console"
    hidden: dict = {}
    if redacted:
        hidden.update(subject=subject, text=text, html=html)
        # a login mail's subject carries the code; a subject with no named secret stays readable
        subject = _redact(subject, redact) if any(redact) else subject
        text, html = _redact(text, redact), _redact(html, redact) if html else ""
    if fallback:
        hidden["fallback"] = fallback
    row = OutboundMessage(
        created_at=clock.now(), channel=channel, recipient=to, template=template, language=language,
        sender_name=(sender_name or "")[:100], subject=subject[:300], body_text=text, body_html=html,
        sensitive=sensitive, redacted=redacted, sealed=seal(hidden) if hidden else "",
        provider=outbox.provider_name(channel), contact_id=contact_id, account_id=account_id,
        track_clicks=track_clicks, fallback_of_id=fallback_of_id, reply_to=(reply_to or "")[:254],
    )
    db.add(row)
    db.flush()
    return row


def queue_email(db: Session, *, to: str, template: str, language: str, rendered: Rendered,
                sender_name: str, sensitive: bool = False, redact: tuple[str, ...] = (),
                contact_id: int | None = None, account_id: int | None = None,
                track_clicks: bool = False, reply_to: str = "") -> Delivery:
    # Auth mails never get tracked links: a rewritten link leaks the token to the tracker.
    track_clicks = track_clicks and not sensitive
    row = store(db, channel="email", to=to, template=template, language=language, subject=rendered.subject,
                text=rendered.text, html=rendered.html, sensitive=sensitive, redact=redact,
                contact_id=contact_id, account_id=account_id, track_clicks=track_clicks, sender_name=sender_name,
                reply_to=reply_to)
    return Delivery(row.id, "email", to)


class _Rehearsal(Exception):
    """Raised inside `rehearse_email`'s savepoint to roll it back."""


def rehearse_email(db: Session, *, template: str, language: str, brand, **params) -> None:
    """Do what queueing a message costs (render it, write its outbox row) and keep none of it: the row is
    written inside a SAVEPOINT that is rolled back. Used for unknown addresses, so that the answer's time
    does not tell them from known ones."""
    rendered = render_email(template, language, brand, **params)
    try:
        with db.begin_nested():
            queue_email(db, to="rehearsal@invalid", template=template, language=language, rendered=rendered,
                        sender_name=brand.sender_name, sensitive=True)
            raise _Rehearsal
    except _Rehearsal:
        pass


def queue_sms(db: Session, *, to: str, template: str, language: str, text: str, sender_name: str,
              sensitive: bool = False, redact: tuple[str, ...] = (), contact_id: int | None = None,
              account_id: int | None = None, fallback_email: tuple[str, Rendered] | None = None) -> Delivery:
    """Queue an SMS; `fallback_email` (address, rendered mail) is sent instead if the SMS fails."""
    fallback = None
    if fallback_email:
        address, rendered = fallback_email
        fallback = {"to": address, "subject": rendered.subject, "text": rendered.text, "html": rendered.html,
                    "redact": list(redact)}
    row = store(db, channel="sms", to=to, template=template, language=language, subject="", text=text, html="",
                sensitive=sensitive, redact=redact, contact_id=contact_id, account_id=account_id,
                track_clicks=False, sender_name=sender_name, fallback=fallback)
    return Delivery(row.id, "sms", to)


def deliver(db: Session, delivery: Delivery | int) -> OutboundMessage | None:
    """Send one queued message now, in this session, through the dispatcher's claim path (its fallback
    too, if it fails); returns its row. A row already claimed, sent or not yet due is left alone."""
    message_id = delivery.message_id if isinstance(delivery, Delivery) else delivery
    outbox.deliver_ids(db, [message_id])
    row = db.get(OutboundMessage, message_id)
    if row is not None:
        db.refresh(row)
    return row


_executor: ThreadPoolExecutor | None = None
_pending: set[Future] = set()


def dispatch(deliveries: list[Delivery]) -> None:
    """After the caller's commit: nudge the dispatcher to send these rows now (inline when
    GUICHET_NOTIFY_SYNC=1). Without a dispatcher in this process (a command), a worker thread sends them;
    whatever it misses stays queued for the server's dispatcher."""
    ids = [d.message_id for d in deliveries if d.message_id]
    if not ids:
        return
    if get_settings().notify_sync:
        outbox.tick(ids)
        return
    if outbox.wake():
        return
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="notify")
    fut = _executor.submit(outbox.tick, ids)
    _pending.add(fut)
    fut.add_done_callback(_pending.discard)


def dispatch_after_commit(db: Session, deliveries: list[Delivery]) -> None:
    """From inside a handler's transaction (the handler helper's session): send these messages once
    it commits, never if it rolls back. Their outbox rows are committed with everything else."""
    if deliveries:
        from portal_app.core.db import after_commit

        after_commit(db, lambda: dispatch(deliveries))


def wait_idle(timeout: float = 30) -> None:
    """Wait for sends started from worker threads to finish (tests, commands)."""
    deadline = time.monotonic() + timeout
    while _pending and time.monotonic() < deadline:
        time.sleep(0.02)


def retry_now(db: Session, actor: audit.Actor, message_id: int) -> list[Delivery]:
    """Staff: put a given-up message back in the queue for a fresh round of attempts; the caller
    dispatches after commit. A message whose secret was erased cannot be sent again."""
    row = get_or_not_found(db, OutboundMessage, message_id)
    if row.status != "failed":
        raise DomainError("admin.outbox.error.not_stuck")
    if row.redacted and not row.sealed:
        raise DomainError("admin.outbox.error.secret_gone")
    row.status, row.attempts, row.next_attempt_at = "queued", 0, None
    db.add(row)
    audit.record(db, actor, "outbox.retry", target_type="outbound_message", target_id=row.id,
                 account_id=row.account_id, template=row.template)
    db.flush()
    return [Delivery(row.id, row.channel, row.recipient)]


# Reported by the provider as not delivered: "send again" queues a copy (the row keeps its report).
REPORTED_FAILURES = ("bounced", "dropped", "blocked", "undelivered")


def can_send_again(row: OutboundMessage) -> bool:
    """Whether staff may send this message again (see `send_again`)."""
    if row.status == "failed":
        return not (row.redacted and not row.sealed)
    return row.status in REPORTED_FAILURES and not (row.redacted or row.sensitive)


def send_again(db: Session, actor: audit.Actor, message_id: int) -> list[Delivery]:
    """Staff: send a failed message again. One the dispatcher gave up goes back in the queue (`retry_now`);
    one the provider reported undelivered is copied to a new row, to the contact's address as it is now
    (staff may have fixed it). The caller dispatches after commit. A message whose secret was erased (a
    login code) cannot be sent again: the customer asks for a new code."""
    row = get_or_not_found(db, OutboundMessage, message_id)
    if row.status == "failed":
        return retry_now(db, actor, message_id)
    if row.status not in REPORTED_FAILURES:
        raise DomainError("admin.outbox.error.not_stuck")
    if not can_send_again(row):
        raise DomainError("admin.outbox.error.secret_gone")
    to = row.recipient
    if row.contact_id:
        from portal_app.core.models.accounts import Contact

        contact = db.get(Contact, row.contact_id)
        current = contact and (contact.email if row.channel == "email" else contact.mobile)
        to = current or to
    copy = store(db, channel=row.channel, to=to, template=row.template, language=row.language,
                 subject=row.subject, text=row.body_text, html=row.body_html, sensitive=False, redact=(),
                 contact_id=row.contact_id, account_id=row.account_id, track_clicks=row.track_clicks,
                 sender_name=row.sender_name)
    audit.record(db, actor, "outbox.send_again", target_type="outbound_message", target_id=row.id,
                 account_id=row.account_id, template=row.template, copy_id=copy.id)
    return [Delivery(copy.id, copy.channel, copy.recipient)]


def list_messages(db: Session, *, recipient: str = "", status: str = "", contact_id: int | None = None,
                  channel: str = "", since=None, page: int = 1, page_size: int = 50):
    query = select(OutboundMessage)
    count = select(func.count()).select_from(OutboundMessage)
    conds = []
    if recipient:
        conds.append(OutboundMessage.recipient.contains(recipient.strip().lower()))
    if status:
        conds.append(OutboundMessage.status == status)
    if contact_id is not None:
        conds.append(OutboundMessage.contact_id == contact_id)
    if channel:
        conds.append(OutboundMessage.channel == channel)
    if since is not None:
        conds.append(OutboundMessage.created_at >= since)
    for c in conds:
        query = query.where(c)
        count = count.where(c)
    return fetch_page(db, query.order_by(OutboundMessage.id.desc()), count, page=page, page_size=page_size)


def get_message(db: Session, message_id: int) -> OutboundMessage:
    return get_or_not_found(db, OutboundMessage, message_id)


def is_console(channel: str) -> bool:
    return isinstance(email_provider(get_settings()) if channel == "email" else sms_provider(get_settings()),
                      ConsoleProvider)
