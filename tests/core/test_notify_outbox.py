"""The outbox dispatcher: rows survive restarts, failures back off, sensitive bodies are sealed until
sent, the database may go away for a moment, staff put stuck messages back in the queue."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time

import pytest
import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from sqlmodel import select

import portal_app.features  # noqa: F401  (every table registered)
from portal_app.core import audit, clock, registries
from portal_app.core import db as portal_db
from portal_app.core import notify
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.notify import OutboundMessage
from portal_app.core.notify import ProviderError, outbox
from portal_app.core.security import decrypt_secret

try:
    from tests.core.test_notify import (CLIENT, CODE, SENDGRID_PATH, TWILIO_PATH, TWILIO_400,  # noqa: F401
                                        configure, file_db, http, queue_login_email, queue_login_sms, sendgrid,
                                        twilio)
    from tests.support.fake_http import Reply
except ImportError:  # pragma: no cover
    from test_notify import (CLIENT, CODE, SENDGRID_PATH, TWILIO_PATH, TWILIO_400, configure, file_db,  # noqa: F401
                             http, queue_login_email, queue_login_sms, sendgrid, twilio)
    from fake_http import Reply

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
STAFF = audit.Actor("staff", 1, "Olivia Owner")


@pytest.fixture
def outbox_db(file_db, configure):
    """A database file of its own (reached through `session_scope`, as the dispatcher reaches it); sends
    inline at each commit unless a test says otherwise."""
    configure(GUICHET_NOTIFY_SYNC="1")


@pytest.fixture
def sends(monkeypatch):
    """The provider replaced by a recorder: (channel, to, text) of each send."""
    seen: list[tuple[str, str, str]] = []

    def send(channel, to, subject, text, html, sender_name, track_clicks, reply_to=""):
        seen.append((channel, to, text))
        return f"id-{len(seen)}"

    monkeypatch.setattr(outbox, "_send", send)
    return seen


def committed(queue, **kw) -> int:
    with portal_db.session_scope() as s:
        return queue(s, **kw).message_id


def stored(message_id: int) -> OutboundMessage:
    with portal_db.session_scope() as s:
        return s.get(OutboundMessage, message_id)


def raw_row(message_id: int) -> dict:
    """The row as the database file holds it, every column as text."""
    with portal_db.get_engine().connect() as conn:
        return dict(conn.execute(sa.text("SELECT * FROM outbound_message WHERE id = :id"), {"id": message_id})
                    .mappings().one())


# ---- restarts --------------------------------------------------------------------------------------


def test_a_message_queued_before_a_restart_is_sent_after_it(outbox_db, sends):
    # queued and committed, then the process stopped before any dispatcher ran: nothing in memory
    first = committed(queue_login_email)
    second = committed(queue_login_email, to="someone.else@example.org", code="551234")
    assert stored(first).status == stored(second).status == "queued"

    # a new process: a fresh dispatcher pass knows only the table
    assert outbox.run_once() == 2
    assert [s[1] for s in sends] == [CLIENT, "someone.else@example.org"]
    assert CODE in sends[0][2]
    assert stored(first).status == stored(second).status == "sent"
    assert outbox.run_once() == 0 and len(sends) == 2  # and never again


def test_a_send_cut_by_a_crash_is_taken_again_when_its_lease_ends(outbox_db, sends):
    clock.freeze(T0)
    message_id = committed(queue_login_email)
    with portal_db.session_scope() as s:  # a dispatcher claimed it, then its process died
        assert outbox.claim(s, message_id, clock.now())
    row = stored(message_id)
    assert row.status == "sending" and row.attempts == 1
    assert row.claimed_until == T0 + dt.timedelta(seconds=5 * 60)  # the lease: 5 minutes

    clock.freeze(T0 + dt.timedelta(seconds=5 * 60 - 1))
    assert outbox.run_once() == 0 and sends == []  # still someone's
    clock.freeze(T0 + dt.timedelta(seconds=5 * 60 + 1))
    assert outbox.run_once() == 1
    row = stored(message_id)
    assert row.status == "sent" and row.attempts == 2 and row.claimed_by == "" and len(sends) == 1


def test_a_crash_on_the_last_attempt_gives_the_row_up(outbox_db, sends):
    clock.freeze(T0)
    message_id = committed(queue_login_email)
    with portal_db.session_scope() as s:
        s.exec(sa.update(OutboundMessage).where(OutboundMessage.id == message_id)
               .values(attempts=outbox.MAX_ATTEMPTS - 1))
        assert outbox.claim(s, message_id, clock.now())
    clock.freeze(T0 + dt.timedelta(hours=1))
    outbox.run_once()
    row = stored(message_id)
    assert row.status == "failed" and row.error == outbox.ABANDONED and row.sealed == "" and sends == []


def test_the_dispatcher_is_a_lifespan_task():
    assert outbox.outbox_loop in registries.LIFESPAN_TASKS


# ---- backoff ---------------------------------------------------------------------------------------------


def test_backoff_schedule_and_giving_up_after_eight_attempts(outbox_db, monkeypatch):
    assert [outbox.backoff_seconds(n) for n in range(1, 9)] == [15, 30, 60, 120, 240, 480, 900, 900]
    calls = []

    def down(*args):
        calls.append(clock.now())
        raise ProviderError("sendgrid 503: upstream trouble", retryable=True)

    monkeypatch.setattr(outbox, "_send", down)
    clock.freeze(T0)
    message_id = committed(queue_login_email)
    waits = []
    for attempt in range(1, 9):
        outbox.run_once()
        row = stored(message_id)
        assert row.attempts == attempt and row.error == "sendgrid 503: upstream trouble"
        if row.status == "failed":
            break
        assert row.status == "queued"
        waits.append(int((row.next_attempt_at - clock.now()).total_seconds()))
        clock.freeze(row.next_attempt_at - dt.timedelta(seconds=1))
        assert outbox.run_once() == 0  # not before its time
        clock.freeze(row.next_attempt_at)
    assert waits == [15, 30, 60, 120, 240, 480, 900]  # 15 s, doubling
    assert outbox.backoff_seconds(30) == 15 * 60  # never longer
    assert len(calls) == 8 and row.status == "failed" and row.attempts == 8
    assert row.next_attempt_at is None


@pytest.mark.parametrize("failure", [TimeoutError("timed out"), ProviderError("smtp: timed out", retryable=True),
                                     RuntimeError("provider SDK bug")])
def test_a_provider_that_raises_or_times_out_is_retried_and_nothing_is_lost(outbox_db, monkeypatch, sends, failure,
                                                                           configure):
    configure(GUICHET_EMAIL_PROVIDER="sendgrid", SENDGRID_API_KEY="SG.k")  # a real provider: the code is sealed
    real = outbox._send  # (the recorder)
    monkeypatch.setattr(outbox, "_send", lambda *a: (_ for _ in ()).throw(failure))
    clock.freeze(T0)
    message_id = committed(queue_login_email)
    notify.dispatch([notify.Delivery(message_id, "email", CLIENT)])  # GUICHET_NOTIFY_SYNC: inline
    row = stored(message_id)
    assert row.status == "queued" and row.attempts == 1 and str(failure) in row.error
    assert row.next_attempt_at == T0 + dt.timedelta(seconds=15)
    assert row.sealed  # the code still waits, sealed

    monkeypatch.setattr(outbox, "_send", real)
    clock.freeze(T0 + dt.timedelta(seconds=15))
    outbox.run_once()
    row = stored(message_id)
    assert row.status == "sent" and row.attempts == 2 and row.error == "" and row.sealed == ""
    assert len(sends) == 1 and CODE in sends[0][2]


def test_a_slow_provider_times_out_and_the_row_waits_for_its_retry(outbox_db, sendgrid, configure):
    configure(GUICHET_PROVIDER_TIMEOUT="0.5")
    sendgrid.set_reply(SENDGRID_PATH, Reply(202, delay=5))
    message_id = committed(queue_login_email)
    started = time.monotonic()
    outbox.run_once()
    assert time.monotonic() - started < 3
    row = stored(message_id)
    assert row.status == "queued" and "timed out" in row.error and row.attempts == 1


# ---- sensitive bodies ----------------------------------------------------------------------------------


def test_a_login_code_is_sealed_in_the_row_until_sent_then_erased(outbox_db, sendgrid):
    message_id = committed(queue_login_email)
    before = raw_row(message_id)
    assert not any(CODE in str(value) for value in before.values())  # nowhere in clear, not even sealed
    assert before["sealed"] and before["redacted"]
    assert notify.REDACTED in before["body_text"]
    assert CODE in decrypt_secret(before["sealed"], outbox.SEAL_PURPOSE)  # the server can read it back
    with pytest.raises(InvalidToken):  # another purpose's key (the TOTP secrets') cannot
        decrypt_secret(before["sealed"])

    outbox.run_once()
    assert CODE in sendgrid.requests[0].json["content"][0]["value"]  # the customer got the code
    after = raw_row(message_id)
    assert after["status"] == "sent" and after["sealed"] == ""
    assert not any(CODE in str(value) for value in after.values())


def test_an_sms_fallback_is_sealed_too(outbox_db, twilio, configure):
    configure(GUICHET_EMAIL_PROVIDER="sendgrid", SENDGRID_API_KEY="SG.k", SENDGRID_HOST=twilio.url)
    twilio.set_reply(TWILIO_PATH, Reply(400, TWILIO_400))
    twilio.set_reply(SENDGRID_PATH, Reply(503))
    sms_id = committed(queue_login_sms)
    assert not any(CODE in str(v) for v in raw_row(sms_id).values())
    outbox.run_once()
    sms = raw_row(sms_id)
    assert sms["status"] == "fallback" and sms["sealed"] == ""
    with portal_db.session_scope() as s:
        mail = s.exec(select(OutboundMessage).where(OutboundMessage.fallback_of_id == sms_id)).one()
    mail_raw = raw_row(mail.id)
    # the fallback mail failed for now: it waits, sealed, for its retry
    assert mail_raw["status"] == "queued" and mail_raw["sealed"]
    assert not any(CODE in str(v) for v in mail_raw.values())
    assert CODE in twilio.requests_to(SENDGRID_PATH)[0].json["content"][0]["value"]


def test_a_sealed_body_under_another_secret_fails_cleanly(outbox_db, sendgrid, configure, caplog):
    message_id = committed(queue_login_email)
    configure(GUICHET_SECRET_KEY="a-new-secret-key-after-a-rotation")
    with caplog.at_level(logging.ERROR, logger="guichet.notify"):
        outbox.run_once()
    row = stored(message_id)
    assert row.status == "failed" and "server secret" in row.error and row.sealed == ""
    assert sendgrid.requests == []
    assert all(CODE not in r.getMessage() for r in caplog.records)


# ---- the database away for a moment -----------------------------------------------------------------------


def test_the_dispatcher_recovers_by_itself_after_a_database_blip(outbox_db, sends, monkeypatch, caplog, configure):
    configure(GUICHET_NOTIFY_SYNC="0", GUICHET_JOBS="all")
    message_id = committed(queue_login_email)
    real_scope, failures = outbox.session_scope, []

    def flaky_scope():
        if not failures:
            failures.append(1)
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("could not connect to server"))
        return real_scope()

    monkeypatch.setattr(outbox, "session_scope", flaky_scope)
    monkeypatch.setattr(outbox, "POLL_SECONDS", 0.05)
    with caplog.at_level(logging.WARNING, logger="guichet.notify"):
        _run_loop_until(lambda: stored(message_id).status == "sent")
    assert failures == [1] and len(sends) == 1
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


def test_a_commit_nudges_the_running_dispatcher_at_once(outbox_db, sends, configure, monkeypatch):
    configure(GUICHET_NOTIFY_SYNC="0", GUICHET_JOBS="all")
    monkeypatch.setattr(outbox, "POLL_SECONDS", 60)  # only a nudge can make it send in time

    def queue_and_commit():
        with portal_db.session_scope() as s:
            d = queue_login_email(s)
            notify.dispatch_after_commit(s, [d])
        return d.message_id

    holder = {}

    def sent() -> bool:
        if "id" not in holder:  # once the loop's first pass is over and it sleeps
            holder["id"] = queue_and_commit()
        return stored(holder["id"]).status == "sent"

    _run_loop_until(sent, timeout=5, settle=0.3)
    assert len(sends) == 1 and not notify._pending  # the dispatcher sent it, no worker thread


def _run_loop_until(done, timeout: float = 10, settle: float = 0.0) -> None:
    """Run the lifespan task on an event loop of its own until `done()`, then stop it."""
    loop = asyncio.new_event_loop()
    task_box = {}

    def run():
        asyncio.set_event_loop(loop)
        task_box["task"] = loop.create_task(outbox.outbox_loop())
        try:
            loop.run_until_complete(task_box["task"])
        except asyncio.CancelledError:
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        time.sleep(settle)
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "the dispatcher did not get there"
            time.sleep(0.02)
    finally:
        loop.call_soon_threadsafe(task_box["task"].cancel)
        thread.join(5)
        loop.close()
    assert outbox._loop is not loop  # stopped: it no longer takes nudges


# ---- staff: retry now --------------------------------------------------------------------------------------


def _given_up(**kw) -> int:
    message_id = committed(queue_login_email, **kw)
    with portal_db.session_scope() as s:
        s.exec(sa.update(OutboundMessage).where(OutboundMessage.id == message_id)
               .values(status="failed", attempts=8, error="sendgrid 401: bad key", sealed="", redacted=False))
    return message_id


def test_retry_now_puts_a_stuck_message_back_for_a_fresh_round(outbox_db, sends):
    message_id = _given_up()
    with portal_db.session_scope() as s:
        deliveries = notify.retry_now(s, STAFF, message_id)
        notify.dispatch_after_commit(s, deliveries)
    row = stored(message_id)
    assert row.status == "sent" and row.attempts == 1 and len(sends) == 1
    with portal_db.session_scope() as s:
        [event] = s.exec(select(AuditEvent).where(AuditEvent.action == "outbox.retry")).all()
        assert event.target_id == message_id and event.actor_label == "Olivia Owner"


def test_retry_now_refuses_what_is_not_stuck_or_lost_its_secret(outbox_db, sendgrid):
    queued = committed(queue_login_email)
    with portal_db.session_scope() as s:
        with pytest.raises(DomainError) as err:
            notify.retry_now(s, STAFF, queued)
        assert err.value.key == "admin.outbox.error.not_stuck"
        with pytest.raises(NotFound):
            notify.retry_now(s, STAFF, 999_999)
    # a login code given up: its sealed copy is gone with it, only the redacted one is left
    sendgrid.set_reply(SENDGRID_PATH, Reply(400, {"errors": [{"message": "bad address"}]}))
    outbox.run_once()
    assert stored(queued).status == "failed" and stored(queued).sealed == ""
    with portal_db.session_scope() as s:
        with pytest.raises(DomainError) as err:
            notify.retry_now(s, STAFF, queued)
        assert err.value.key == "admin.outbox.error.secret_gone"
    assert stored(queued).status == "failed"
