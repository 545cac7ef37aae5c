"""Recurring bills with several workers at once, after a downtime: every missed period is invoiced exactly
once, in order, whoever claims it. Runs on the session's database (SQLite file, or PostgreSQL with
GUICHET_TEST_DB_URL)."""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from portal_app.billing import subscriptions as subs
from portal_app.billing.models import Invoice, Subscription
from portal_app.core import clock
from portal_app.core.db import session_scope
from tests.factories import make_account, staff_context

WORKERS = 6


@pytest.fixture(autouse=True)
def _database(migrated_db):
    return migrated_db


@pytest.fixture
def only_these_bills():
    """Other tests' recurring bills (the browser journeys make some) paused while the job runs here, so
    the pass counts this test's periods only; put back afterwards."""
    with session_scope() as db:
        paused = db.exec(select(Subscription).where(Subscription.active.is_(True))).all()
        for sub in paused:
            sub.active = False
        paused_ids = [sub.id for sub in paused]
    yield
    with session_scope() as db:
        for sub in db.exec(select(Subscription).where(Subscription.id.in_(paused_ids))).all():
            sub.active = True


def test_several_workers_issue_each_missed_period_once(only_these_bills):
    clock.freeze(datetime(2030, 1, 1, tzinfo=timezone.utc))
    try:
        with session_scope() as db:
            staff = staff_context(db)
            ids = [subs.create_subscription(db, staff, account_id=make_account(db).id, name=f"Line {k}",
                                            period="monthly", currency="EUR", start_date="2030-01-31",
                                            lines=[{"description": "Fibre", "quantity": "1", "unit_price": "20",
                                                    "tax_rate": "20"}]).id for k in range(3)]
        # down until mid-April: Jan 31, Feb 28 and Mar 31 are due for each of the three
        clock.freeze(datetime(2030, 4, 15, 6, tzinfo=timezone.utc))
        counts, errors = [], []
        barrier = threading.Barrier(WORKERS)

        def worker():
            barrier.wait()
            try:
                counts.append(subs.run_due(date(2030, 4, 15)))
            except Exception as exc:  # pragma: no cover - shown by the assertion below
                errors.append(repr(exc))

        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
        assert errors == [] and sum(counts) == 9
        with session_scope() as db:
            for sid in ids:
                periods = [i.subscription_period for i in subs.invoices_of(db, sid)]
                assert periods == [date(2030, 1, 31), date(2030, 2, 28), date(2030, 3, 31)]
            numbers = db.exec(select(Invoice.number).where(Invoice.subscription_id.in_(ids))).all()
            assert len(set(numbers)) == 9
        assert subs.run_due(date(2030, 4, 15)) == 0  # and nothing more
    finally:
        clock.freeze(None)
