"""A consumption file and the recurring job at the same moment, on the session's database (SQLite file, or
PostgreSQL with GUICHET_TEST_DB_URL, where the subscription's row lock does the work): the file either lands
before the period is claimed and joins its invoice, or after and is refused; never both, never twice, also
with several workers catching up after a downtime."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from portal_app.billing import subscriptions as subs
from portal_app.billing import usage_files
from portal_app.billing.access import lines_of
from portal_app.billing.models import ConsumptionFile, InvoiceLine, Subscription
from portal_app.core import clock
from portal_app.core.db import database_url, session_scope
from portal_app.core.errors import DomainError
from tests.core.test_security_outbox_claims import _together
from tests.factories import make_account, staff_context

CALLS = b"description;quantity;unit_price;tax_rate\nCalls;100;0.10;20\n"
LINES = [{"description": "Fibre", "quantity": "1", "unit_price": "20", "tax_rate": "20"}]
WORKERS = 4


@pytest.fixture(autouse=True)
def _database(migrated_db):
    return migrated_db


def _subscription(start: str):
    clock.freeze(datetime(2031, 1, 1, tzinfo=timezone.utc))
    with session_scope() as db:
        staff = staff_context(db)
        sub = subs.create_subscription(db, staff, account_id=make_account(db).id, name="Line", period="monthly",
                                       currency="EUR", start_date=start, lines=LINES)
        return sub.id, staff


def _usage_lines(db, sub_id):
    return [line for inv in subs.invoices_of(db, sub_id) for line in lines_of(db, inv.id) if line.is_usage]


def test_a_file_received_while_the_job_holds_the_period_waits_and_is_refused():
    sub_id, staff = _subscription("2031-01-31")
    clock.freeze(datetime(2031, 1, 31, 6, tzinfo=timezone.utc))
    outcome = {}
    with session_scope() as db:  # the job, its claim not committed yet (other tests' bills left aside)
        others = frozenset(db.exec(select(Subscription.id).where(Subscription.id != sub_id)).all())
        assert subs.issue_next_due(db, date(2031, 1, 31), skip=others).issued

        def receive():
            try:
                with session_scope() as db2:
                    usage_files.attach_period_file(db2, staff, sub_id, "2031-01-31", "late.csv", CALLS)
                outcome["result"] = "accepted"
            except DomainError as exc:
                outcome["result"] = exc.key

        th = threading.Thread(target=receive)
        th.start()
        time.sleep(1.0)
        if database_url().startswith("postgresql"):
            # the row lock holds the file back until the job commits. (On SQLite the claim's SAVEPOINT,
            # opened outside a BEGIN, is committed when it is released: the file sees it at once.)
            assert th.is_alive(), outcome
    th.join(60)
    assert outcome["result"] == "billing.usage.period_issued"
    with session_scope() as db:
        assert _usage_lines(db, sub_id) == []
        assert db.exec(select(ConsumptionFile).where(ConsumptionFile.subscription_id == sub_id)).all() == []


def test_a_file_holding_the_lock_first_joins_the_invoice_the_job_then_issues():
    sub_id, staff = _subscription("2031-02-28")
    clock.freeze(datetime(2031, 2, 28, 6, tzinfo=timezone.utc))
    counts = []
    with session_scope() as db:  # the file, not committed yet
        usage_files.attach_period_file(db, staff, sub_id, "2031-02-28", "calls.csv", CALLS)
        th = threading.Thread(target=lambda: counts.append(subs.run_due(date(2031, 2, 28))))
        th.start()
        time.sleep(1.0)
    th.join(120)
    with session_scope() as db:
        assert [(x.description, x.net_minor) for x in _usage_lines(db, sub_id)] == [("Calls", 1000)]


def test_several_workers_after_a_downtime_add_each_periods_file_once():
    sub_id, staff = _subscription("2031-03-31")
    with session_scope() as db:
        for period in ("2031-03-31", "2031-04-30", "2031-05-31"):
            usage_files.attach_period_file(db, staff, sub_id, period, f"{period}.csv", CALLS)
    clock.freeze(datetime(2031, 6, 15, 6, tzinfo=timezone.utc))
    _together(WORKERS, lambda i: subs.run_due(date(2031, 6, 15)))  # raises what a worker raised
    with session_scope() as db:
        invoices = subs.invoices_of(db, sub_id)
        assert [i.subscription_period for i in invoices] == [date(2031, 3, 31), date(2031, 4, 30), date(2031, 5, 31)]
        assert [i.usage_minor for i in invoices] == [1000, 1000, 1000]
        usage = db.exec(select(InvoiceLine).where(InvoiceLine.invoice_id.in_([i.id for i in invoices]),
                                                  InvoiceLine.is_usage.is_(True))).all()
        assert len(usage) == 3
        files = db.exec(select(ConsumptionFile).where(ConsumptionFile.subscription_id == sub_id)).all()
        assert sorted((f.period, f.invoice_id) for f in files) == [(i.subscription_period, i.id) for i in invoices]
