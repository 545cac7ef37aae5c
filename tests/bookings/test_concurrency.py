"""Truly concurrent requests against the migrated database file: threads with their own sessions.

Runs on SQLite by default and on PostgreSQL with GUICHET_TEST_DB_URL. The clock is pinned in 2031 so
these bookings never meet the ones other tests (or the running app's reminder job) make at real time.
"""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from portal_app.core.db import session_scope
from portal_app.bookings.models import Booking, BookingSlotClaim
from portal_app.core.models.notify import OutboundMessage
from portal_app.bookings import customer as customer_side, notices, staff_calendar
from portal_app.core import business, clock
from portal_app.core.errors import DomainError
from tests.factories import (clear_bookings_from, make_booking_service, make_contact, portal_ctx,
                             reset_booking_rules)

PARIS = ZoneInfo("Europe/Paris")
THREADS = 8


@pytest.fixture(autouse=True)
def _database(migrated_db):
    business.forget_cached_business()
    with session_scope() as db:
        reset_booking_rules(db)
        clear_bookings_from(db, datetime(2031, 1, 1, tzinfo=PARIS))
    return migrated_db


def paris(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=PARIS).astimezone(ZoneInfo("UTC"))


def race(calls) -> list:
    """Start every call at the same instant, each in its own thread with its own database session."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            with session_scope() as db:
                results[i] = call(db)
        except DomainError as exc:
            results[i] = exc
        except Exception as exc:  # anything else is a failure the test reports
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def customers(n: int):
    with session_scope() as db:
        return [portal_ctx(db, make_contact(db, portal_role="admin")) for _ in range(n)]


def test_two_customers_cannot_take_the_same_slot_at_the_same_instant():
    clock.freeze(paris(2031, 3, 1, 9))
    with session_scope() as db:
        svc_id = make_booking_service(db, "Race", duration=60, buffer=10).id
    start = paris(2031, 3, 3, 10)  # a Monday
    ctxs = customers(THREADS)
    results = race([lambda db, c=c: customer_side.book(db, c, svc_id, start)[0].id for c in ctxs])
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if not isinstance(r, int)]
    assert len(winners) == 1, results
    assert all(isinstance(r, DomainError) and r.key == "bookings.error.just_taken" for r in losers), losers
    with session_scope() as db:
        live = db.exec(select(Booking).where(Booking.starts_at == start)).all()
        assert [b.id for b in live] == winners
        cells = db.exec(select(func.count()).select_from(BookingSlotClaim)
                        .where(BookingSlotClaim.booking_id == winners[0])).one()
        assert cells == 14  # 70 minutes in 5-minute cells
        # every loser's transaction left nothing behind
        assert db.exec(select(func.count()).select_from(Booking).where(Booking.service_id == svc_id)).one() == 1


def test_overlapping_bookings_of_different_lengths_race_and_one_wins():
    clock.freeze(paris(2031, 3, 1, 9))
    with session_scope() as db:
        long_id = make_booking_service(db, "Long race", duration=60).id
        short_id = make_booking_service(db, "Short race", duration=30).id
    # each covers 10:30–11:00, so any two overlap
    tries = [(long_id, paris(2031, 3, 4, 10)), (short_id, paris(2031, 3, 4, 10, 30)),
             (long_id, paris(2031, 3, 4, 10, 30))] * 2
    ctxs = customers(len(tries))
    results = race([lambda db, c=c, t=t: customer_side.book(db, c, t[0], t[1])[0].id for c, t in zip(ctxs, tries)])
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(r.key == "bookings.error.just_taken" for r in results if not isinstance(r, int)), results


def test_a_staff_move_and_a_customer_booking_race_for_the_same_time():
    clock.freeze(paris(2031, 3, 1, 9))
    with session_scope() as db:
        svc_id = make_booking_service(db, "Move race", duration=30).id
        from tests.factories import staff_ctx

        actor = staff_ctx(db)
    mover, booker = customers(2)
    with session_scope() as db:
        moving_id = customer_side.book(db, mover, svc_id, paris(2031, 3, 5, 9))[0].id
    target = paris(2031, 3, 5, 14)
    results = race([lambda db: staff_calendar.staff_move(db, actor, moving_id, target)[0].id,
                    lambda db: customer_side.book(db, booker, svc_id, target)[0].id])
    assert sum(isinstance(r, int) for r in results) == 1, results
    with session_scope() as db:
        assert db.exec(select(func.count()).select_from(Booking).where(Booking.starts_at == target,
                                                                       Booking.status != "cancelled")).one() == 1


def test_two_reminder_workers_never_send_one_reminder_twice():
    clock.freeze(paris(2031, 3, 1, 9))
    with session_scope() as db:
        svc_id = make_booking_service(db, "Reminder race", duration=30).id
    ctxs = customers(12)
    ids = []
    with session_scope() as db:
        for i, ctx in enumerate(ctxs):
            minutes = (9 * 60 if i < 6 else 14 * 60) + (i % 6) * 30
            ids.append(customer_side.book(db, ctx, svc_id, paris(2031, 3, 6, minutes // 60, minutes % 60))[0].id)
    due = paris(2031, 3, 5, 18)  # every reminder (24 h before) is due
    results = race([lambda db: len(notices.send_due_reminders(db, due)) for _ in range(4)])
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == len(ids)
    with session_scope() as db:
        contact_ids = [c.contact_id for c in ctxs]
        per_contact = db.exec(select(OutboundMessage.contact_id, func.count()).where(
            OutboundMessage.template == "booking_reminder", OutboundMessage.contact_id.in_(contact_ids))
            .group_by(OutboundMessage.contact_id)).all()
        assert sorted(n for _, n in per_contact) == [1] * len(ids)
        assert all(b.reminder_sent_at == due for b in db.exec(select(Booking).where(Booking.id.in_(ids))))
