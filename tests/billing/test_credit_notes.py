"""Credit notes: their own gapless sequence, totals, partial credits bounded by what remains, amounts due,
account credit and the chart following, the PDF, and the audit trail."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import select

from portal_app.billing import amounts, credit_notes, customer_views, payments
from portal_app.billing.models import CreditNote, InvoiceCounter
from portal_app.billing.storage import invoices_dir
from portal_app.core import clock
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.audit import AuditEvent
from tests.factories import make_account, make_contact, make_issued, portal_context, staff_context

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
TWO_LINES = (("Line A", "3", "10.00", "20"), ("Line B", "1", "50.00", "20"))  # 30 + 50 net, 96.00 total


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(T0)


def customer(db):
    account = make_account(db)
    contact = make_contact(db, account, portal_role="admin")
    return account, portal_context(db, contact)


def _actions(db, action: str) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_cancelling_issues_a_numbered_credit_note_and_voids_the_invoice(db):
    account, ctx = customer(db)
    staff = staff_context(db)
    inv = make_issued(db, account, TWO_LINES, staff=staff)
    assert inv.total_minor == 9600
    note = credit_notes.credit_invoice(db, staff, inv.id, "Ordered twice")
    assert (note.number, note.invoice_id, note.subtotal_minor, note.tax_minor, note.total_minor) == \
        ("CN-2026-00001", inv.id, 8000, 1600, 9600)
    assert [(ln.description, ln.quantity_milli, ln.net_minor) for ln in credit_notes.credit_note_lines(db, note.id)] \
        == [("Line A", 3000, 3000), ("Line B", 1000, 5000)]
    assert (inv.status, inv.credited_minor, amounts.amount_due(inv)) == ("void", 9600, 0)
    assert inv.number == "INV-2026-00001"  # the invoice keeps its number
    assert customer_views.amount_due_summary(db, ctx) == []
    # Its own sequence: the next invoice is INV-…-00002, the next credit note CN-…-00002.
    second = make_issued(db, account, staff=staff)
    assert second.number == "INV-2026-00002"
    assert credit_notes.credit_invoice(db, staff, second.id, "Goodwill").number == "CN-2026-00002"
    counters = {c.key: c.last_value for c in db.exec(select(InvoiceCounter)).all()}
    assert counters == {"2026": 2, "CN2026": 2}
    pdf = (invoices_dir() / note.pdf_file).read_bytes()
    assert pdf.startswith(b"%PDF-")
    issued = _actions(db, "credit_note.issue")
    assert [(e.target_id, e.account_id, e.detail["number"], e.detail["total"]) for e in issued][0] == \
        (note.id, account.id, "CN-2026-00001", 9600)


def test_a_void_invoice_cannot_be_credited_again(db):
    account, _ = customer(db)
    staff = staff_context(db)
    inv = make_issued(db, account, staff=staff)
    credit_notes.credit_invoice(db, staff, inv.id, "Cancelled")
    with pytest.raises(DomainError) as err:
        credit_notes.credit_invoice(db, staff, inv.id, "Again")
    assert err.value.key == "billing.error.cannot_credit"
    assert len(db.exec(select(CreditNote)).all()) == 1
    assert [e.detail["reason"] for e in _actions(db, "credit_note.refused")] == ["billing.error.cannot_credit"]


def test_reason_is_required(db):
    account, _ = customer(db)
    staff = staff_context(db)
    inv = make_issued(db, account, staff=staff)
    with pytest.raises(DomainError) as err:
        credit_notes.credit_invoice(db, staff, inv.id, "   ")
    assert err.value.key == "billing.error.credit_reason"
    assert inv.status == "issued"


def test_partial_credits_cannot_exceed_what_remains(db):
    account, ctx = customer(db)
    staff = staff_context(db)
    inv = make_issued(db, account, TWO_LINES, staff=staff)
    line_a, line_b = [r.line for r in credit_notes.remaining_lines(db, inv)]
    first = credit_notes.credit_invoice(db, staff, inv.id, "Two units returned", {line_a.id: "2"})
    assert (first.subtotal_minor, first.tax_minor, first.total_minor) == (2000, 400, 2400)
    assert (inv.status, inv.credited_minor, amounts.amount_due(inv)) == ("issued", 2400, 7200)
    assert customer_views.amount_due_summary(db, ctx)[0].due == 7200
    # Line A has one unit left: two more are refused, and nothing changes.
    with pytest.raises(DomainError) as err:
        credit_notes.credit_invoice(db, staff, inv.id, "Too many", {line_a.id: "2"})
    assert err.value.key == "billing.error.credit_exceeds"
    with pytest.raises(DomainError) as err:
        credit_notes.credit_invoice(db, staff, inv.id, "Nothing", {line_a.id: "", line_b.id: " "})
    assert err.value.key == "billing.error.nothing_to_credit"
    for bad in ("0", "-1", "abc"):
        with pytest.raises(DomainError):
            credit_notes.credit_invoice(db, staff, inv.id, "Bad", {line_a.id: bad})
    assert inv.credited_minor == 2400 and len(db.exec(select(CreditNote)).all()) == 1
    # A line id of another invoice is nothing.
    other = make_issued(db, account, staff=staff)
    other_line = credit_notes.remaining_lines(db, other)[0].line
    with pytest.raises(NotFound):
        credit_notes.credit_invoice(db, staff, inv.id, "Wrong line", {other_line.id: "1"})
    # Half a unit of B, then everything left: the credit notes add up to the invoice to the cent.
    credit_notes.credit_invoice(db, staff, inv.id, "Half of B", {line_b.id: "0.5"})
    assert inv.credited_minor == 2400 + 3000
    last = credit_notes.credit_invoice(db, staff, inv.id, "The rest")
    assert last.total_minor == 9600 - 5400
    assert (inv.status, inv.credited_minor, amounts.amount_due(inv)) == ("void", 9600, 0)
    numbers = [n.number for n in credit_notes.credit_notes_of(db, inv.id)]
    assert numbers == ["CN-2026-00001", "CN-2026-00002", "CN-2026-00003"]


def test_rounding_leftovers_go_to_the_last_credit_note(db):
    account, _ = customer(db)
    staff = staff_context(db)
    # 3 × 0.33 at 20 %: net 0.99, tax 0.20 (0.198 rounded); a third each would be 0.33 + 0.07 tax
    inv = make_issued(db, account, (("Tiny", "3", "0.33", "20"),), staff=staff)
    line = credit_notes.remaining_lines(db, inv)[0].line
    totals = [credit_notes.credit_invoice(db, staff, inv.id, "one", {line.id: "1"}).total_minor for _ in range(2)]
    totals.append(credit_notes.credit_invoice(db, staff, inv.id, "last").total_minor)
    assert totals == [40, 40, 39] and sum(totals) == inv.total_minor == 119


def test_credit_on_a_paid_invoice_becomes_account_credit(db):
    account, ctx = customer(db)
    staff = staff_context(db)
    inv = make_issued(db, account, TWO_LINES, staff=staff)
    payments.record_manual_payment(db, staff, inv.id, amount="96", received_on="", reference="VIR")
    assert inv.status == "paid"
    line_b = credit_notes.remaining_lines(db, inv)[1].line
    note = credit_notes.credit_invoice(db, staff, inv.id, "Line B not delivered", {line_b.id: "1"})
    assert (note.total_minor, note.released_minor) == (6000, 6000)
    assert (inv.status, inv.paid_minor, amounts.amount_due(inv)) == ("paid", 3600, 0)
    assert payments.account_credit(db, account.id) == {"EUR": 6000}
    # The credit settles the next invoice, as any credit does.
    nxt = make_issued(db, account, (("Next", "1", "10", "0"),), staff=staff)
    assert nxt.status == "paid" and payments.account_credit(db, account.id) == {"EUR": 5000}


def test_credit_on_a_partly_paid_invoice_releases_only_the_excess(db):
    account, _ = customer(db)
    staff = staff_context(db)
    inv = make_issued(db, account, TWO_LINES, staff=staff)  # 96.00
    payments.record_manual_payment(db, staff, inv.id, amount="80", received_on="", reference="")
    line_b = credit_notes.remaining_lines(db, inv)[1].line
    note = credit_notes.credit_invoice(db, staff, inv.id, "B returned", {line_b.id: "1"})  # 60.00
    # Left owing: 96 − 60 = 36; paid 80, so 44 goes back as credit and the invoice is paid.
    assert (note.released_minor, inv.paid_minor, inv.status) == (4400, 3600, "paid")
    assert payments.account_credit(db, account.id) == {"EUR": 4400}


def test_the_chart_follows_credit_notes(db):
    account, ctx = customer(db)
    staff = staff_context(db)
    inv = make_issued(db, account, TWO_LINES, staff=staff)
    make_issued(db, account, (("Other", "1", "100", "0"),), staff=staff)
    _, months = customer_views.monthly_billed(db, ctx)
    assert months[-1]["billed"] == 19600
    line_a = credit_notes.remaining_lines(db, inv)[0].line
    credit_notes.credit_invoice(db, staff, inv.id, "A", {line_a.id: "1"})  # 12.00
    assert customer_views.monthly_billed(db, ctx)[1][-1]["billed"] == 19600 - 1200
    credit_notes.credit_invoice(db, staff, inv.id, "All")  # voided: left out whole
    assert customer_views.monthly_billed(db, ctx)[1][-1]["billed"] == 10000


def test_a_draft_is_not_credited(db):
    from tests.factories import make_draft

    account, _ = customer(db)
    staff = staff_context(db)
    draft = make_draft(db, account, staff=staff)
    with pytest.raises(DomainError):
        credit_notes.credit_invoice(db, staff, draft.id, "No")
    with pytest.raises(NotFound):
        credit_notes.credit_invoice(db, staff, 999999, "No")
