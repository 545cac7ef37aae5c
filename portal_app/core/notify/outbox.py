"""The outbox dispatcher: sends queued rows of the outbound-message table, the one source of truth.

Each worker process runs one dispatcher (a lifespan task). A pass claims due rows one at a time with a
conditional UPDATE (queued and due, or claimed by a dispatcher whose lease ran out): of several
dispatchers, one wins each row. The claim is committed before the provider call, the outcome after
it, so no transaction is held across the network. A failure is retried with exponential backoff up to
MAX_ATTEMPTS, then the row is given up ("failed") for staff to see and retry. Rows queued before a
restart are simply still there: the next pass sends them.

After a commit, `wake()` nudges the dispatcher so a message leaves at once; the periodic pass is the
safety net. A dispatcher that dies mid-send loses its claim when the lease ends: the message may then
go twice (at least once, never lost).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from sqlmodel import Session, and_, or_, select

from portal_app.core import clock, registries
from portal_app.core.config import get_settings
from portal_app.core.db import session_scope
from portal_app.core.models.notify import OutboundMessage as M
from portal_app.core.notify.providers import ProviderError, email_provider, sms_provider
from portal_app.core.security import decrypt_secret, encrypt_secret

log = logging.getLogger("guichet.notify")

MAX_ATTEMPTS = 8  # then the row is given up ("failed") and listed for staff
BACKOFF_BASE_SECONDS = 15  # wait after the first failed attempt, doubled after each further one
BACKOFF_MAX_SECONDS = 15 * 60  # the longest wait between two attempts
LEASE_SECONDS = 5 * 60  # a claim outlives any provider call (each has GUICHET_PROVIDER_TIMEOUT)
POLL_SECONDS = 5  # the periodic pass, for rows whose retry fell due and rows no one nudged
BATCH = 20
PASS_LIMIT = 500
SEAL_PURPOSE = "outbox-body-encryption"
ABANDONED = "the dispatcher stopped while sending"


def backoff_seconds(attempts: int) -> int:
    """The wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


# ---- sealing: what the plain columns must not hold ------------------------------------------------


def seal(payload: dict) -> str:
    return encrypt_secret(json.dumps(payload), SEAL_PURPOSE)


def unseal(sealed: str) -> dict:
    return json.loads(decrypt_secret(sealed, SEAL_PURPOSE)) if sealed else {}


# ---- one row: claim, send, record ---------------------------------------------------------------------


def _due(now: datetime):
    return or_(
        and_(M.status == "queued", or_(M.next_attempt_at.is_(None), M.next_attempt_at <= now)),
        and_(M.status == "sending", M.claimed_until < now, M.attempts < MAX_ATTEMPTS),
    )


# Built once (every message sent runs it): the claim of one due row.
_CLAIM = (sa.update(M).where(M.id == sa.bindparam("message_id"), _due(sa.bindparam("now")))
          .values(status="sending", claimed_by=sa.bindparam("token"), claimed_until=sa.bindparam("until"),
                  attempts=M.attempts + 1)
          .execution_options(synchronize_session=False))


def claim(db: Session, message_id: int, now: datetime) -> str:
    """Take one due row for this caller, committed; returns the claim's token ("" if not won)."""
    token = secrets.token_hex(16)
    took = db.exec(_CLAIM, params={"message_id": message_id, "now": now, "token": token,
                                   "until": now + timedelta(seconds=LEASE_SECONDS)})
    db.commit()
    return token if took.rowcount == 1 else ""


def _record(db: Session, message_id: int, token: str, *, commit: bool = True, **values) -> bool:
    """Write an outcome, only while the claim is still ours."""
    done = db.exec(sa.update(M).where(M.id == message_id, M.claimed_by == token, M.status == "sending")
                   .values(claimed_by="", claimed_until=None, **values).execution_options(synchronize_session=False))
    if commit:
        db.commit()
    if done.rowcount != 1:
        log.warning("delivery #%s: claim lost before its outcome was written", message_id)
    return done.rowcount == 1


def provider_name(channel: str) -> str:
    s = get_settings()
    return s.email_provider if channel == "email" else s.sms_provider


def _send(channel: str, to: str, subject: str, text: str, html: str, sender_name: str, track_clicks: bool,
          reply_to: str = "") -> str:
    settings = get_settings()
    if channel == "email":
        provider = email_provider(settings)
        return provider.send_email(to=to, sender=settings.email_from, sender_name=sender_name, subject=subject,
                                   text=text, html=html, track_clicks=track_clicks, reply_to=reply_to)
    provider = sms_provider(settings)
    if provider is None:
        raise ProviderError("no SMS provider configured")
    return provider.send_sms(to=to, sender=settings.twilio_from, text=text)


def process(db: Session, message_id: int) -> list[int]:
    """Claim one row, send it, record the outcome. Returns the ids of rows this created (a fallback email)."""
    from portal_app.core.notify import store

    token = claim(db, message_id, clock.now())
    if not token:
        return []
    row = db.get(M, message_id, populate_existing=True)  # as the claim left it, even if this session held it
    attempts, channel = row.attempts, row.channel
    try:
        hidden = unseal(row.sealed)
    except (InvalidToken, ValueError):
        db.rollback()
        log.error("delivery #%s: its sealed body cannot be read (the server secret changed?)", message_id)
        _record(db, message_id, token, status="failed", sealed="",
                error="sealed body unreadable: the server secret changed")
        return []
    if row.redacted and "text" not in hidden:
        db.rollback()
        _record(db, message_id, token, status="failed", error="the message held a secret that was erased")
        return []
    args = (channel, row.recipient, hidden.get("subject", row.subject), hidden.get("text", row.body_text),
            hidden.get("html", row.body_html), row.sender_name, row.track_clicks, row.reply_to)
    fallback, sensitive = hidden.get("fallback"), row.sensitive
    template, language, contact_id, account_id = row.template, row.language, row.contact_id, row.account_id
    db.rollback()  # nothing held during the network call

    try:
        provider_id = (_send(*args) or "")[:100]
    except Exception as exc:  # a provider's refusal, a timeout, or a bug: the row records it either way
        retryable = exc.retryable if isinstance(exc, ProviderError) else True
        error = str(exc) if isinstance(exc, ProviderError) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, ProviderError):
            log.exception("delivery #%s (%s) crashed in the provider", message_id, channel)
        return _failed(db, message_id, token, channel, attempts, error[:500], retryable, fallback,
                       dict(template=template, language=language, sensitive=sensitive, contact_id=contact_id,
                            account_id=account_id, sender_name=args[5]), store)
    _record(db, message_id, token, status="sent", provider=provider_name(channel), provider_id=provider_id,
            error="", sent_at=clock.now(), next_attempt_at=None, sealed="")
    return []


def _failed(db, message_id, token, channel, attempts, error, retryable, fallback, common, store) -> list[int]:
    if fallback:
        # Someone may be waiting for this (a login code): the email goes at once rather than after retries.
        log.error("delivery #%s (%s) failed, attempt %s, falling back to email: %s", message_id, channel, attempts,
                  error)
        if not _record(db, message_id, token, commit=False, status="fallback", error=error, sealed="",
                       next_attempt_at=None):
            db.rollback()
            return []
        fb = store(db, channel="email", to=fallback["to"], subject=fallback["subject"], text=fallback["text"],
                   html=fallback["html"], redact=tuple(fallback.get("redact", ())), track_clicks=False,
                   fallback_of_id=message_id, **common)
        db.commit()  # the SMS's end and its email together: a crash between them loses neither
        return [fb.id]
    if retryable and attempts < MAX_ATTEMPTS:
        wait = backoff_seconds(attempts)
        log.error("delivery #%s (%s) failed, attempt %s, next in %s s: %s", message_id, channel, attempts, wait, error)
        _record(db, message_id, token, status="queued", error=error,
                next_attempt_at=clock.now() + timedelta(seconds=wait))
        return []
    log.error("delivery #%s (%s) given up after attempt %s: %s", message_id, channel, attempts, error)
    if _record(db, message_id, token, status="failed", error=error, sealed="", next_attempt_at=None):
        return _alarm(db)
    return []


def _alarm(db: Session) -> list[int]:
    """After a give-up: past the failure threshold, the owners' alert (once an hour), sent in this pass."""
    from portal_app.core.notify import alerts

    try:
        deliveries = alerts.check_failures(db)
        db.commit()
    except sa.exc.SQLAlchemyError:
        db.rollback()
        log.exception("the delivery failure alarm could not be checked")
        return []
    return [d.message_id for d in deliveries]


def sweep_abandoned(db: Session, now: datetime) -> int:
    """Rows whose dispatcher died mid-send on their last allowed attempt: given up, not taken again."""
    done = db.exec(sa.update(M).where(M.status == "sending", M.claimed_until < now, M.attempts >= MAX_ATTEMPTS)
                   .values(status="failed", error=ABANDONED, sealed="", claimed_by="", claimed_until=None)
                   .execution_options(synchronize_session=False))
    db.commit()
    return done.rowcount


def deliver_ids(db: Session, ids: list[int] | None = None) -> int:
    """Send the due rows (only `ids` and the rows they create, when given) through the claim path; returns
    how many rows this pass handled. A pass stops after PASS_LIMIT rows: the next one goes on."""
    db.commit()  # what this session queued is for good first: each claim is a transaction of its own
    handled: set[int] = set()
    wanted = list(ids) if ids is not None else None
    if wanted is None:  # a full pass (not a nudge for a few rows) also gives up dead claims
        sweep_abandoned(db, clock.now())
    while len(handled) < PASS_LIMIT:
        if wanted is not None:
            # The rows asked for (and what they created), in order: each claim checks that its row is due.
            candidates = [i for i in wanted if i not in handled][:BATCH]
        else:
            query = select(M.id).where(_due(clock.now())).order_by(M.next_attempt_at, M.id).limit(BATCH)
            candidates = [i for i in db.exec(query).all() if i not in handled]
            db.rollback()
        if not candidates:
            break
        for message_id in candidates:
            handled.add(message_id)
            created = process(db, message_id)
            if wanted is not None:
                wanted += created
    return len(handled)


def run_once(ids: list[int] | None = None) -> int:
    """One pass in a session of its own."""
    with session_scope() as db:
        return deliver_ids(db, ids)


def tick(ids: list[int] | None = None) -> int:
    """A pass that never raises: the database away for a moment is logged, and the next pass recovers."""
    try:
        return run_once(ids)
    except sa.exc.OperationalError as exc:
        log.warning("outbox pass skipped, database unavailable: %s", str(exc).splitlines()[0][:200])
    except Exception:  # never take the server down
        log.exception("outbox pass failed")
    return 0


# ---- the lifespan task and its nudge --------------------------------------------------------------------

_loop: asyncio.AbstractEventLoop | None = None
_wake: asyncio.Event | None = None


def wake() -> bool:
    """Nudge this process's dispatcher (from any thread); False when none runs here."""
    loop, event = _loop, _wake
    if loop is None or event is None or loop.is_closed():
        return False
    try:
        loop.call_soon_threadsafe(event.set)
    except RuntimeError:  # the loop closed meanwhile
        return False
    return True


async def outbox_loop() -> None:
    """A pass now, then whenever nudged or every POLL_SECONDS; passes run off the event loop.
    With GUICHET_NOTIFY_SYNC=1 (tests) every send already ran inline at its commit: none runs."""
    global _loop, _wake
    if get_settings().notify_sync:
        log.info("GUICHET_NOTIFY_SYNC: messages are sent inline at each commit, no outbox dispatcher")
        return
    if not registries.job_runs_here("outbox", log):
        return
    mine = asyncio.Event()
    _loop, _wake = asyncio.get_running_loop(), mine
    log.info("outbox dispatcher started")
    try:
        while True:
            mine.clear()  # before the pass: a nudge during it brings the next pass at once
            await asyncio.to_thread(tick)
            try:
                await asyncio.wait_for(mine.wait(), POLL_SECONDS)
            except asyncio.TimeoutError:
                pass
    finally:
        if _wake is mine:
            _loop = _wake = None


registries.LIFESPAN_TASKS.append(outbox_loop)
