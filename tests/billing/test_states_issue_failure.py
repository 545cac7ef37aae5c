"""Issuing is all or nothing: when it fails after the status change (the number is already taken, as
with an empty prefix and an imported invoice of that number), the invoice stays a draft with no number,
no dates and no PDF, the counter does not move, and customers neither see nor pay it. The refusal is
still written to the audit log. Runs on PostgreSQL too (a test_states* file)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from portal_app.billing import payments, rules
from portal_app.billing.access import get_invoice
from portal_app.billing.admin_state import AdminInvoiceState
from portal_app.billing.customer_views import list_invoices
from portal_app.billing.models import Invoice, InvoiceCounter
from portal_app.billing.settings import get_settings_row
from portal_app.billing.storage import invoices_dir
from portal_app.core import clock
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import Account
from portal_app.core.models.audit import AuditEvent
from tests.factories import make_account, make_contact, make_draft, staff_context, staff_session_at_clock
from tests.support.states import _router, sub, run_background

_n = itertools.count(1)


@pytest.fixture
def prefix():
    """Set the numbering prefix for one test (the database is shared), and put it back."""
    with session_scope() as db:
        s = get_settings_row(db)
        old = (s.number_prefix, s.number_yearly, s.number_digits)

    def set_numbering(prefix: str, yearly: bool = True, digits: int = 5):
        with session_scope() as db:
            s = get_settings_row(db)
            s.number_prefix, s.number_yearly, s.number_digits = prefix, yearly, digits
            db.add(s)

    yield set_numbering
    set_numbering(*old)


def _customer_and_draft(year: int):
    """An account with an admin contact and a draft, and another account holding an imported invoice
    numbered like the draft's next number would be (as an import with an empty prefix leaves)."""
    clock.freeze(datetime(year, 3, 10, 9, 0, tzinfo=timezone.utc))
    with session_scope() as db:
        account = make_account(db, name=f"Atomic Co {next(_n)}")
        contact = make_contact(db, account, email=f"atomic{next(_n)}@example.com", portal_role="admin")
        draft = make_draft(db, account)
        other = make_account(db)
        counter = db.get(InvoiceCounter, str(year))
        return account.id, contact.id, draft.id, other.id, counter.last_value if counter else None


def _take(db, account_id: int, number: str) -> None:
    db.add(Invoice(account_id=account_id, number=number, status="issued", currency="EUR",
                   issue_date=date(2020, 1, 1), total_minor=100))


def _assert_untouched(account_id: int, contact_id: int, draft_id: int, year: int, counter_before, pdfs_before):
    with session_scope() as db:
        inv = db.get(Invoice, draft_id)
        assert inv.status == "draft" and inv.number is None
        assert inv.issue_date is None and inv.issued_at is None and inv.pdf_file is None
        counter = db.get(InvoiceCounter, str(year))
        assert (counter.last_value if counter else None) == counter_before
        ctx = portal_sessions.resolve_session(db, portal_sessions.open_session(db, contact_id))
        rows, total = list_invoices(db, ctx)
        assert total == 0 and rows == []
        with pytest.raises(NotFound):
            get_invoice(db, ctx, draft_id)
        assert payments.pay_plans(db, ctx) == []
    assert sorted(p.name for p in invoices_dir().glob("*.pdf")) == pdfs_before


def _refusals(draft_id: int) -> list[AuditEvent]:
    with session_scope() as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == "invoice.issue_refused",
                                                     AuditEvent.target_id == draft_id)).all())


def test_number_taken_with_an_empty_prefix_leaves_the_draft_whole(prefix):
    prefix("")
    year = 2031
    account_id, contact_id, draft_id, other_id, counter_before = _customer_and_draft(year)
    with session_scope() as db:
        _take(db, other_id, f"{year}-00001" if counter_before is None else f"{year}-{counter_before + 1:05d}")
        staff = staff_context(db)
    pdfs = sorted(p.name for p in invoices_dir().glob("*.pdf"))
    with pytest.raises(DomainError) as err:
        with session_scope() as db:  # what the handler helper does: a refusal is committed
            rules.issue_invoice(db, staff, draft_id)
    assert err.value.key == "billing.error.number_taken"
    _assert_untouched(account_id, contact_id, draft_id, year, counter_before, pdfs)
    [refusal] = _refusals(draft_id)
    assert refusal.detail["reason"] == "billing.error.number_taken" and refusal.account_id == account_id


def test_number_taken_through_the_console_handler(root, prefix):
    prefix("INV-")
    year = 2032
    account_id, contact_id, draft_id, other_id, counter_before = _customer_and_draft(year)
    with session_scope() as db:
        _take(db, other_id, f"INV-{year}-{(counter_before or 0) + 1:05d}")
        token = staff_session_at_clock(db)
    pdfs = sorted(p.name for p in invoices_dir().glob("*.pdf"))
    ed = sub(root, AdminInvoiceState)
    ed.staff_sid = token
    ed.router = _router("/admin/invoice", {"id": draft_id})
    ed.load_invoice()
    assert ed.is_draft
    run_background(ed, "issue")
    assert ed.flash_key == "billing.error.number_taken"
    _assert_untouched(account_id, contact_id, draft_id, year, counter_before, pdfs)
    assert len(_refusals(draft_id)) == 1
    # once the clash is gone, the same draft issues normally with the number it was refused
    with session_scope() as db:
        clash = db.exec(select(Invoice).where(Invoice.account_id == other_id)).one()
        clash.number = f"OLD-{clash.id}"
        db.add(clash)
    run_background(ed, "issue")
    assert ed.flash_key == "admin.invoice.issued" and ed.view.number == f"INV-{year}-{(counter_before or 0) + 1:05d}"
    with session_scope() as db:
        inv = db.get(Invoice, draft_id)
        assert inv.status == "issued" and inv.pdf_file and db.get(Account, account_id) is not None
