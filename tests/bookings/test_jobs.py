"""The reminder job: one pass claims, queues and sends through notify; the loop outlives its errors."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from portal_app.bookings import jobs
from portal_app.core.db import session_scope
from portal_app.bookings.models import Booking
from portal_app.core.models.notify import OutboundMessage
from portal_app.bookings import customer as customer_side
from portal_app.core import business, clock
from portal_app.core.auth import sessions as portal_sessions
from tests.conftest import run_async
from tests.factories import clear_bookings_from, make_booking_service, make_contact, reset_booking_rules

PARIS = ZoneInfo("Europe/Paris")


def paris(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=PARIS).astimezone(ZoneInfo("UTC"))


@pytest.fixture(autouse=True)
def _database(migrated_db):
    business.forget_cached_business()
    clock.freeze(paris(2033, 6, 1, 9))
    with session_scope() as db:
        reset_booking_rules(db)
        clear_bookings_from(db, paris(2033, 1, 1))
    return migrated_db


def test_a_pass_sends_due_reminders_once_and_survives_a_restart():
    with session_scope() as db:
        contact = make_contact(db, portal_role="admin", language="fr", email="job.reminder@example.com")
        ctx = portal_sessions.resolve_session(db, portal_sessions.open_session(db, contact.id))
        svc = make_booking_service(db, "Job", duration=30).id
        booking_id = customer_side.book(db, ctx, svc, paris(2033, 6, 3, 10))[0].id
    assert jobs.run_booking_reminders(paris(2033, 6, 2, 9, 59)) == 0  # not due yet
    # "restart": nothing in memory carries over, the schedule is in the database
    assert jobs.run_booking_reminders(paris(2033, 6, 2, 10, 1)) == 1
    assert jobs.run_booking_reminders(paris(2033, 6, 2, 10, 2)) == 0
    with session_scope() as db:
        sent = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id,
                                                     OutboundMessage.template == "booking_reminder")).all()
        assert [(m.status, m.language, m.channel) for m in sent] == [("sent", "fr", "email")]
        assert db.get(Booking, booking_id).reminder_sent_at == paris(2033, 6, 2, 10, 1)


def test_the_loop_logs_errors_and_keeps_going(monkeypatch, caplog, jobs_setting):
    jobs_setting("all")
    calls = []

    def failing(now=None):
        calls.append(now)
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(jobs, "run_booking_reminders", failing)
    monkeypatch.setattr(jobs, "REMINDER_INTERVAL_SECONDS", 0.01)

    async def run_a_while():
        task = asyncio.create_task(jobs.booking_reminders_loop())
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_async(asyncio.wait_for(run_a_while(), timeout=10))  # Playwright may hold this thread's loop
    assert len(calls) >= 3
    assert "booking reminders pass failed" in caplog.text
