"""Recurring bills: the schedule across month ends and leap years, each period invoiced once and in order
(also after a downtime), proration when the lines change within a period, a refused period given back,
and the email of each invoice."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from portal_app.billing import subscriptions as subs
from portal_app.billing.models import Invoice, InvoiceLine
from portal_app.core import clock
from portal_app.core.errors import DomainError
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.notify import OutboundMessage
from tests.factories import make_account, make_contact, staff_context

LINES = [{"description": "Fibre 1 Gbit/s", "quantity": "1", "unit_price": "30", "tax_rate": "20"}]


def at(day: date) -> None:
    clock.freeze(datetime(day.year, day.month, day.day, 6, 0, tzinfo=timezone.utc))


@pytest.fixture(autouse=True)
def frozen():
    at(date(2027, 12, 1))


@pytest.mark.parametrize("start,period,dates", [
    (date(2028, 1, 31), "monthly", ["2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31"]),
    (date(2027, 1, 31), "monthly", ["2027-01-31", "2027-02-28", "2027-03-31"]),
    (date(2028, 2, 29), "yearly", ["2028-02-29", "2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"]),
    (date(2027, 11, 30), "quarterly", ["2027-11-30", "2028-02-29", "2028-05-30", "2028-08-30", "2028-11-30"]),
    (date(2027, 12, 15), "monthly", ["2027-12-15", "2028-01-15"]),
])
def test_period_dates_keep_the_day_or_take_the_months_last(start, period, dates):
    assert [subs.period_date(start, period, n).isoformat() for n in range(len(dates))] == dates


def _sub(db, start: date, period: str = "monthly", lines=LINES, account=None):
    staff = staff_context(db)
    account = account or make_account(db)
    return subs.create_subscription(db, staff, account_id=account.id, name="Office fibre", period=period,
                                    currency="EUR", start_date=start.isoformat(), lines=lines), staff


def _issue_all(db, on: date) -> int:
    n = 0
    while (claimed := subs.issue_next_due(db, on)) is not None:
        n += claimed.issued
    return n


def test_each_period_is_invoiced_once_in_order_after_a_downtime(db):
    sub, _ = _sub(db, date(2028, 1, 31))
    at(date(2028, 1, 31))
    assert _issue_all(db, date(2028, 1, 31)) == 1
    assert _issue_all(db, date(2028, 1, 31)) == 0  # again the same day: nothing
    # down from February to mid-May: Feb 29, Mar 31 and Apr 30 are missed, then caught up in order
    at(date(2028, 5, 15))
    assert _issue_all(db, date(2028, 5, 15)) == 3
    invoices = subs.invoices_of(db, sub.id)
    assert [i.subscription_period.isoformat() for i in invoices] == ["2028-01-31", "2028-02-29", "2028-03-31",
                                                                     "2028-04-30"]
    assert [i.number for i in invoices] == [f"INV-2028-0000{n}" for n in range(1, 5)]
    assert {i.status for i in invoices} == {"issued"} and {i.total_minor for i in invoices} == {3600}
    assert (sub.next_date, sub.periods_billed) == (date(2028, 5, 31), 4)
    assert "29 Feb 2028" in invoices[1].notes or "Feb 29, 2028" in invoices[1].notes
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "subscription.invoice")).all()) == 4


def test_nothing_before_the_start_and_nothing_after_the_end(db):
    sub, staff = _sub(db, date(2027, 12, 20))
    assert _issue_all(db, date(2027, 12, 19)) == 0
    assert _issue_all(db, date(2027, 12, 20)) == 1
    subs.end_subscription(db, staff, sub.id)
    assert _issue_all(db, date(2028, 6, 1)) == 0


def test_a_change_within_a_period_is_prorated_on_the_next_invoice(db):
    sub, staff = _sub(db, date(2028, 1, 1))
    at(date(2028, 1, 1))
    _issue_all(db, date(2028, 1, 1))
    # Jan 11: 30.00 → 61.00 a month; 21 of January's 31 days are left: (61 − 30) × 21 / 31 = 21.00
    at(date(2028, 1, 11))
    subs.change_lines(db, staff, sub.id, [{**LINES[0], "unit_price": "61"}])
    assert [(p["net_minor"], p["tax_rate_bp"]) for p in sub.pending] == [(2100, 2000)]
    at(date(2028, 2, 1))
    _issue_all(db, date(2028, 2, 1))
    feb = subs.invoices_of(db, sub.id)[-1]
    lines = db.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == feb.id).order_by(InvoiceLine.position)).all()
    assert [ln.net_minor for ln in lines] == [6100, 2100] and feb.subtotal_minor == 8200
    assert "21/31" in lines[1].description
    assert sub.pending == []
    # a decrease is a credit line, on the next invoice only
    at(date(2028, 2, 15))  # 15 of February's 29 days left: (30 − 61) × 15 / 29 = −16.03
    subs.change_lines(db, staff, sub.id, LINES)
    assert [p["net_minor"] for p in sub.pending] == [-1603]
    at(date(2028, 3, 1))
    _issue_all(db, date(2028, 3, 1))
    assert subs.invoices_of(db, sub.id)[-1].subtotal_minor == 3000 - 1603


def test_a_change_before_the_first_invoice_is_not_prorated(db):
    sub, staff = _sub(db, date(2028, 1, 1))
    subs.change_lines(db, staff, sub.id, [{**LINES[0], "unit_price": "50"}])
    assert sub.pending == []


def test_a_refused_period_is_given_back_and_the_others_go_on(db):
    bad, staff = _sub(db, date(2027, 12, 5))
    good, _ = _sub(db, date(2027, 12, 6))
    at(date(2027, 12, 6))
    assert _issue_all(db, date(2027, 12, 6)) == 2
    at(date(2027, 12, 10))
    # a big decrease: the adjustment makes January's invoice negative
    subs.change_lines(db, staff, bad.id, [{**LINES[0], "unit_price": "0.01"}])
    at(date(2028, 1, 10))
    claimed = subs.issue_next_due(db, date(2028, 1, 10), frozenset())
    assert claimed.failed == bad.id and not claimed.issued
    db.refresh(bad)
    assert (bad.next_date, bad.periods_billed) == (date(2028, 1, 5), 1)  # given back
    assert subs.issue_next_due(db, date(2028, 1, 10), frozenset({bad.id})).issued  # good's Jan 6
    assert [i.subscription_period for i in subs.invoices_of(db, bad.id)] == [date(2027, 12, 5)]
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "subscription.invoice_refused")).all()
    assert [(e.target_id, e.detail["reason"]) for e in refused] == [(bad.id, "billing.error.negative_total")]


def test_the_usual_email_goes_to_billing_contacts(db):
    account = make_account(db)
    make_contact(db, account, email="books@example.com", portal_role="admin")
    _sub(db, date(2027, 12, 1), account=account)
    _issue_all(db, date(2027, 12, 1))
    mails = db.exec(select(OutboundMessage).where(OutboundMessage.template == "new_invoice")).all()
    assert [m.recipient for m in mails] == ["books@example.com"]


@pytest.mark.parametrize("change,key", [
    ({"name": " "}, "billing.error.subscription_name"),
    ({"period": "weekly"}, "billing.error.period"),
    ({"start_date": "2027-11-30"}, "billing.error.start_past"),
    ({"start_date": "31/12/2027"}, "billing.error.date"),
    ({"currency": "EURO"}, "billing.error.currency"),
    ({"lines": []}, "billing.error.no_lines"),
    ({"lines": [{**LINES[0], "unit_price": "-5"}]}, "billing.error.negative_total"),
    ({"lines": [{**LINES[0], "quantity": "0"}]}, "billing.error.quantity"),
])
def test_bad_subscriptions_are_refused(db, change, key):
    account = make_account(db)
    args = dict(account_id=account.id, name="X", period="monthly", currency="EUR", start_date="2027-12-01",
                lines=LINES) | change
    with pytest.raises(DomainError) as err:
        subs.create_subscription(db, staff_context(db), **args)
    assert err.value.key == key
    assert db.exec(select(Invoice)).all() == []
