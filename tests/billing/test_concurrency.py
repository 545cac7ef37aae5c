"""Issuing at the same time from several workers: numbers stay unique and without gaps, and a draft is
issued once. Runs on the session's database (SQLite file, or PostgreSQL with GUICHET_TEST_DB_URL)."""

from __future__ import annotations

import re
import threading

import pytest
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Account
from portal_app.billing.models import Invoice
from portal_app.billing import rules
from portal_app.core.errors import DomainError
from tests.factories import make_account, make_draft, staff_context

WORKERS = 8


@pytest.fixture(autouse=True)
def _database(migrated_db):
    return migrated_db


def _issue_all(ids: list[int], staff) -> tuple[list[str], list[str]]:
    numbers, errors = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(len(ids))

    def worker(invoice_id: int):
        barrier.wait()
        try:
            with session_scope() as db:
                number = rules.issue_invoice(db, staff, invoice_id).invoice.number
            with lock:
                numbers.append(number)
        except DomainError as exc:
            with lock:
                errors.append(exc.key)

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return numbers, errors


def _seq(number: str) -> int:
    return int(re.search(r"(\d+)$", number).group(1))


def test_concurrent_issues_get_consecutive_numbers():
    with session_scope() as db:
        staff = staff_context(db)
        account = make_account(db)
        drafts = [make_draft(db, account, staff=staff).id for _ in range(WORKERS)]
    numbers, errors = _issue_all(drafts, staff)
    assert errors == [] and len(numbers) == WORKERS and len(set(numbers)) == WORKERS
    seqs = sorted(_seq(n) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + WORKERS))  # no gap, no duplicate
    with session_scope() as db:
        # …and no other invoice took a number inside that range meanwhile
        taken = db.exec(select(Invoice.number).where(Invoice.number.is_not(None))).all()
        same_year = [n for n in taken if n.startswith(numbers[0][:-5])]
        assert sorted(_seq(n) for n in same_year)[-WORKERS:] == seqs


def test_one_draft_issued_twice_at_once_is_issued_once():
    with session_scope() as db:
        staff = staff_context(db)
        draft = make_draft(db, make_account(db), staff=staff).id
    numbers, errors = _issue_all([draft] * 4, staff)
    assert len(numbers) == 1 and errors == ["billing.error.not_draft"] * 3
    with session_scope() as db:
        inv = db.get(Invoice, draft)
        assert inv.number == numbers[0] and inv.status == "issued"
        assert db.get(Account, inv.account_id) is not None
