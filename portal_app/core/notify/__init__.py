"""Every email and SMS: written to the outbox first, then sent by the configured provider.

Callers queue inside their transaction and dispatch after commit; the send runs off the request
(a worker thread), so a slow provider never holds a Reflex session lock or tells timing apart.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlmodel import Session, func, select

from portal_app.core.config import get_settings
from portal_app.core.db import fetch_page, get_or_not_found
from portal_app.core.models.notify import OutboundMessage
from portal_app.core import clock
from portal_app.core.notify.providers import ConsoleProvider, ProviderError, email_provider, sms_provider
from portal_app.core.notify.templates import Branding, Rendered, portal_url, render_email, render_sms

__all__ = [
    "Branding",
    "Delivery",
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
    "wait_idle",
]

log = logging.getLogger("guichet.notify")
REDACTED = "••••••"
MAX_ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.5


@dataclass
class Delivery:
    """What to send, kept in memory: the stored row may be redacted, this copy is not."""

    message_id: int
    channel: str
    to: str
    subject: str
    text: str
    html: str
    sender_name: str
    track_clicks: bool = False
    fallback: "Delivery | None" = field(default=None, repr=False)
    # Secrets to blank out if the fallback row is stored by a real provider.
    redact: tuple[str, ...] = field(default=(), repr=False)

    def __repr__(self) -> str:  # never print a code into a log
        return f"Delivery(#{self.message_id} {self.channel} to {self.to})"


def _redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def _provider_name(channel: str) -> str:
    s = get_settings()
    return s.email_provider if channel == "email" else s.sms_provider


def _store(db: Session, *, channel, to, template, language, subject, text, html, sensitive,
           redact, contact_id, account_id, track_clicks, fallback_of_id=None) -> OutboundMessage:
    keep_whole = not sensitive or _provider_name(channel) == "console"
    row = OutboundMessage(
        created_at=clock.now(),
        channel=channel,
        recipient=to,
        template=template,
        language=language,
        subject=subject if keep_whole else _redact(subject, redact),  # a login mail's subject carries the code
        body_text=text if keep_whole else _redact(text, redact),
        body_html=html if keep_whole else _redact(html, redact),
        sensitive=sensitive,
        provider=_provider_name(channel),
        contact_id=contact_id,
        account_id=account_id,
        track_clicks=track_clicks,
        fallback_of_id=fallback_of_id,
    )
    db.add(row)
    db.flush()
    return row


def queue_email(db: Session, *, to: str, template: str, language: str, rendered: Rendered,
                sender_name: str, sensitive: bool = False, redact: tuple[str, ...] = (),
                contact_id: int | None = None, account_id: int | None = None,
                track_clicks: bool = False) -> Delivery:
    # Auth mails never get tracked links: a rewritten link leaks the token to the tracker.
    track_clicks = track_clicks and not sensitive
    row = _store(db, channel="email", to=to, template=template, language=language,
                 subject=rendered.subject, text=rendered.text, html=rendered.html,
                 sensitive=sensitive, redact=redact, contact_id=contact_id,
                 account_id=account_id, track_clicks=track_clicks)
    return Delivery(row.id, "email", to, rendered.subject, rendered.text, rendered.html,
                    sender_name, track_clicks)


def queue_sms(db: Session, *, to: str, template: str, language: str, text: str, sender_name: str,
              sensitive: bool = False, redact: tuple[str, ...] = (), contact_id: int | None = None,
              account_id: int | None = None, fallback_email: tuple[str, Rendered] | None = None) -> Delivery:
    """Queue an SMS; `fallback_email` (address, rendered mail) is sent if the SMS fails."""
    row = _store(db, channel="sms", to=to, template=template, language=language, subject="",
                 text=text, html="", sensitive=sensitive, redact=redact, contact_id=contact_id,
                 account_id=account_id, track_clicks=False)
    delivery = Delivery(row.id, "sms", to, "", text, "", sender_name)
    if fallback_email:
        address, rendered = fallback_email
        delivery.fallback = Delivery(0, "email", address, rendered.subject, rendered.text,
                                     rendered.html, sender_name, redact=redact)
    return delivery


def _send(delivery: Delivery) -> str:
    settings = get_settings()
    if delivery.channel == "email":
        provider = email_provider(settings)
        return provider.send_email(to=delivery.to, sender=settings.email_from,
                                   sender_name=delivery.sender_name, subject=delivery.subject,
                                   text=delivery.text, html=delivery.html,
                                   track_clicks=delivery.track_clicks)
    provider = sms_provider(settings)
    if provider is None:
        raise ProviderError("no SMS provider configured")
    return provider.send_sms(to=delivery.to, sender=settings.twilio_from, text=delivery.text)


def deliver(db: Session, delivery: Delivery) -> OutboundMessage:
    """Send one queued message, retrying passing failures; record the outcome on its row."""
    row = db.get(OutboundMessage, delivery.message_id)
    if row is None or row.status == "sent":
        return row
    error = ""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        row.attempts = attempt
        try:
            row.provider_id = (_send(delivery) or "")[:100]
            row.status = "sent"
            row.error = ""
            row.sent_at = clock.now()
            break
        except ProviderError as exc:
            error = str(exc)
            log.error("delivery #%s (%s) failed, attempt %s: %s", row.id, row.channel, attempt, error)
            if not exc.retryable or attempt == MAX_ATTEMPTS:
                break
            time.sleep(RETRY_DELAY_SECONDS * attempt)
    if row.status != "sent":
        row.status = "failed"
        row.error = error[:500]
    db.add(row)
    db.flush()
    if row.status == "failed" and delivery.fallback is not None:
        fb = delivery.fallback
        fb_row = _store(db, channel="email", to=fb.to, template=row.template,
                        language=row.language, subject=fb.subject, text=fb.text, html=fb.html,
                        sensitive=row.sensitive, redact=fb.redact, contact_id=row.contact_id,
                        account_id=row.account_id, track_clicks=False, fallback_of_id=row.id)
        row.status = "fallback"
        db.add(row)
        fb.message_id = fb_row.id
        # Release the write lock before the next network call (SQLite locks the whole database).
        db.commit()
        deliver(db, fb)
    return row


_executor: ThreadPoolExecutor | None = None
_pending: set[Future] = set()


def dispatch(deliveries: list[Delivery]) -> None:
    """Send after the caller's commit, in a worker thread (inline when GUICHET_NOTIFY_SYNC=1)."""
    if not deliveries:
        return
    from portal_app.core.db import session_scope

    def run():
        for d in deliveries:
            try:
                with session_scope() as db:
                    deliver(db, d)
            except Exception:  # a broken send must never take the server down
                log.exception("delivery #%s crashed", d.message_id)

    if get_settings().notify_sync:
        run()
        return
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="notify")
    fut = _executor.submit(run)
    _pending.add(fut)
    fut.add_done_callback(_pending.discard)


def dispatch_after_commit(db: Session, deliveries: list[Delivery]) -> None:
    """From inside a handler's transaction (the handler helper's session): send these messages once
    it commits, never if it rolls back. Their outbox rows are committed with everything else."""
    if deliveries:
        from portal_app.core.db import after_commit

        after_commit(db, lambda: dispatch(deliveries))


def wait_idle(timeout: float = 30) -> None:
    """Wait for background sends to finish (tests, shutdown)."""
    deadline = time.monotonic() + timeout
    while _pending and time.monotonic() < deadline:
        time.sleep(0.02)


def list_messages(db: Session, *, recipient: str = "", status: str = "", contact_id: int | None = None,
                  page: int = 1, page_size: int = 50):
    query = select(OutboundMessage)
    count = select(func.count()).select_from(OutboundMessage)
    conds = []
    if recipient:
        conds.append(OutboundMessage.recipient.contains(recipient.strip().lower()))
    if status:
        conds.append(OutboundMessage.status == status)
    if contact_id is not None:
        conds.append(OutboundMessage.contact_id == contact_id)
    for c in conds:
        query = query.where(c)
        count = count.where(c)
    return fetch_page(db, query.order_by(OutboundMessage.id.desc()), count, page=page, page_size=page_size)


def get_message(db: Session, message_id: int) -> OutboundMessage:
    return get_or_not_found(db, OutboundMessage, message_id)


def is_console(channel: str) -> bool:
    return isinstance(email_provider(get_settings()) if channel == "email" else sms_provider(get_settings()),
                      ConsoleProvider)
