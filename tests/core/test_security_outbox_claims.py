"""Several dispatchers (one per worker process) share the outbox: each row is claimed by one of them and
sent once. Named test_security_* so `make test` runs it again on PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlmodel import select

from portal_app.core import clock, notify
from portal_app.core.db import session_scope
from portal_app.core.models.notify import OutboundMessage
from portal_app.core.notify import Branding, outbox

BRAND = Branding(name="Atelier Dupont", color="#0b5fff", logo_url=None, sender_name="Atelier Dupont")

pytestmark = pytest.mark.pg


def _queue(n: int) -> list[int]:
    with session_scope() as db:
        ids = []
        for i in range(n):
            mail = notify.render_email("invitation", "en", BRAND, link="https://portal.example/login",
                                       name=f"Person {i}", email=f"claims{i}@example.org")
            ids.append(notify.queue_email(db, to=f"claims{i}@example.org", template="invitation", language="en",
                                          rendered=mail, sender_name=BRAND.sender_name).message_id)
        return ids


def _together(n_threads: int, work) -> list:
    barrier, results, errors = threading.Barrier(n_threads), [None] * n_threads, []

    def run(i):
        try:
            barrier.wait(10)
            results[i] = work(i)
        except Exception as exc:  # reported in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_two_dispatchers_never_send_a_row_twice(monkeypatch):
    ids = _queue(30)
    sent: Counter[str] = Counter()
    lock = threading.Lock()

    def slow_send(channel, to, *args):
        time.sleep(0.01)  # a provider call: the other dispatcher runs meanwhile
        with lock:
            sent[to] += 1
        return "ok"

    monkeypatch.setattr(outbox, "_send", slow_send)
    _together(2, lambda i: outbox.run_once(ids))

    assert len(sent) == 30 and set(sent.values()) == {1}  # every row once, none twice
    with session_scope() as db:
        rows = db.exec(select(OutboundMessage).where(OutboundMessage.id.in_(ids))).all()
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}


def test_of_racing_claims_on_one_row_exactly_one_wins():
    [message_id] = _queue(1)
    now = clock.now()

    def claim(i):
        with session_scope() as db:
            return outbox.claim(db, message_id, now)

    tokens = _together(4, claim)
    assert len([t for t in tokens if t]) == 1
    with session_scope() as db:
        row = db.get(OutboundMessage, message_id)
        assert row.status == "sending" and row.attempts == 1 and row.claimed_by in tokens
