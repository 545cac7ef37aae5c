"""Credit notes made at the same time from several workers: their numbers stay unique and without gaps,
and two credit notes racing for the same remaining quantity of one invoice never credit it twice.
Runs on the session's database (SQLite file, or PostgreSQL with GUICHET_TEST_DB_URL)."""

from __future__ import annotations

import re
import threading

import pytest
from sqlmodel import select

from portal_app.billing import credit_notes
from portal_app.billing.models import CreditNote, Invoice
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError
from tests.factories import make_account, make_issued, staff_context

WORKERS = 8


@pytest.fixture(autouse=True)
def _database(migrated_db):
    return migrated_db


def _credit_all(jobs: list[tuple[int, dict | None]], staff) -> tuple[list[str], list[str]]:
    numbers, errors = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(len(jobs))

    def worker(invoice_id: int, quantities):
        barrier.wait()
        try:
            with session_scope() as db:
                number = credit_notes.credit_invoice(db, staff, invoice_id, "race", quantities).number
            with lock:
                numbers.append(number)
        except DomainError as exc:
            with lock:
                errors.append(exc.key)

    threads = [threading.Thread(target=worker, args=job) for job in jobs]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return numbers, errors


def _seq(number: str) -> int:
    return int(re.search(r"(\d+)$", number).group(1))


def test_concurrent_credit_notes_get_consecutive_numbers():
    with session_scope() as db:
        staff = staff_context(db)
        account = make_account(db)
        ids = [make_issued(db, account, staff=staff).id for _ in range(WORKERS)]
    numbers, errors = _credit_all([(i, None) for i in ids], staff)
    assert errors == [] and len(numbers) == WORKERS and len(set(numbers)) == WORKERS
    seqs = sorted(_seq(n) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + WORKERS))  # no gap, no duplicate
    with session_scope() as db:
        taken = [n for n in db.exec(select(CreditNote.number)).all() if n.startswith(numbers[0][:-5])]
        assert sorted(_seq(n) for n in taken)[-WORKERS:] == seqs
        assert all(db.get(Invoice, i).status == "void" for i in ids)


def test_racing_partial_credits_never_exceed_the_line():
    with session_scope() as db:
        staff = staff_context(db)
        inv = make_issued(db, make_account(db), (("Units", "3", "10.00", "20"),), staff=staff)
        line_id = credit_notes.remaining_lines(db, inv)[0].line.id
    # Six workers each credit one unit of a line of three: three succeed, three are refused.
    numbers, errors = _credit_all([(inv.id, {line_id: "1"})] * 6, staff)
    assert len(numbers) == 3
    # refused: "exceeds" while units remain elsewhere in flight, "cannot credit" once the invoice is void
    assert len(errors) == 3 and set(errors) <= {"billing.error.credit_exceeds", "billing.error.cannot_credit"}
    with session_scope() as db:
        row = db.get(Invoice, inv.id)
        assert (row.credited_minor, row.status) == (3600, "void")
        assert sum(n.total_minor for n in credit_notes.credit_notes_of(db, inv.id)) == 3600
