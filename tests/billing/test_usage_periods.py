"""Usage received for a subscription's billing period: the CSV is checked whole when it arrives, counted by
the account's usage alerts at once (SMS to a billing contact with a mobile, email otherwise; once per month
and alert, shared with the invoice case), and its lines join that period's invoice when the recurring job
issues it, once, also after a downtime. A file for a period already invoiced is refused, naming the invoice
and the next period; other accounts' files and subscriptions are not reachable by id."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from portal_app.billing import alerts, consumption, rules, usage_files
from portal_app.billing import subscriptions as subs
from portal_app.billing.access import lines_of
from portal_app.billing.models import ConsumptionFile, Invoice
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.notify import outbox
from portal_app.core.i18n import t
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.notifications import Notification
from portal_app.core.models.notify import OutboundMessage
from tests.billing.test_rules import customer
from tests.billing.test_subscriptions import LINES, _issue_all, at
from tests.factories import make_contact, staff_context

CALLS = ("description;quantity;unit_price;tax_rate\n"
         "Calls to mobiles;300;0.10;20\n"  # 30.00
         "Data (GB);12;1.50;\n").encode()  # 18.00 at the default rate: 48.00 of usage
MORE = b"description,quantity,unit_price\nRoaming,1,5.00\n"


@pytest.fixture(autouse=True)
def frozen():
    at(date(2028, 3, 20))


def _setup(db, **contact):
    account, admin, ctx = customer(db, **contact)
    staff = staff_context(db)
    sub = subs.create_subscription(db, staff, account_id=account.id, name="Office fibre", period="monthly",
                                   currency="EUR", start_date="2028-03-31", lines=LINES)
    return account, ctx, staff, sub


def _receive(db, staff, sub, period="2028-03-31", data=CALLS, name="march.csv"):
    return usage_files.attach_period_file(db, staff, sub.id, period, name, data)


def _alert_messages(db, account_id):
    return db.exec(select(OutboundMessage).where(OutboundMessage.account_id == account_id,
                                                 OutboundMessage.template == "usage_alert")
                   .order_by(OutboundMessage.id)).all()


def test_a_period_file_joins_the_invoice_the_job_issues_for_that_period_once(db):
    account, _, staff, sub = _setup(db)
    row, _ = _receive(db, staff, sub)
    row2, _ = _receive(db, staff, sub, data=MORE, name="roaming.csv")
    assert (row.invoice_id, row.usage_minor, row2.usage_minor) == (None, 4800, 500)
    at(date(2028, 3, 31))
    assert _issue_all(db, date(2028, 3, 31)) == 1
    (inv,) = subs.invoices_of(db, sub.id)
    lines = lines_of(db, inv.id)
    assert [(x.description, x.net_minor, x.is_usage) for x in lines] == [
        ("Fibre 1 Gbit/s", 3000, False), ("Calls to mobiles", 3000, True), ("Data (GB)", 1800, True),
        ("Roaming", 500, True)]
    assert (inv.subtotal_minor, inv.usage_minor, inv.status) == (8300, 5300, "issued")
    for f in (row, row2):
        db.refresh(f)
        assert f.invoice_id == inv.id and f.lines_added_at is not None
    assert consumption.files_of(db, inv.id) == [row, row2]  # seen beside the invoice from now on
    # the next period's invoice does not take them again
    at(date(2028, 4, 30))
    assert _issue_all(db, date(2028, 4, 30)) == 1
    april = subs.invoices_of(db, sub.id)[1]
    assert [x.description for x in lines_of(db, april.id)] == ["Fibre 1 Gbit/s"]
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "consumption.lines_added")).all()) == 2


def test_after_a_downtime_each_missed_period_takes_its_own_files_in_order(db):
    _, _, staff, sub = _setup(db)
    _receive(db, staff, sub, "2028-03-31", MORE, "march.csv")
    _receive(db, staff, sub, "2028-04-30", CALLS, "april.csv")
    at(date(2028, 5, 15))  # down from March 20 to May 15
    assert _issue_all(db, date(2028, 5, 15)) == 2
    march, april = subs.invoices_of(db, sub.id)
    assert (march.subscription_period, march.usage_minor) == (date(2028, 3, 31), 500)
    assert (april.subscription_period, april.usage_minor) == (date(2028, 4, 30), 4800)


def test_a_file_for_a_period_already_invoiced_is_refused_naming_the_invoice_and_the_next_period(db):
    _, _, staff, sub = _setup(db)
    at(date(2028, 3, 31))
    _issue_all(db, date(2028, 3, 31))
    (inv,) = subs.invoices_of(db, sub.id)
    with pytest.raises(DomainError) as err:
        _receive(db, staff, sub, "2028-03-31")
    assert err.value.key == "billing.usage.period_issued"
    assert err.value.params == {"period": "2028-03-31", "number": inv.number, "next": "2028-04-30"}
    assert inv.number in t("en", err.value.key, **err.value.params)
    assert db.exec(select(ConsumptionFile)).all() == []
    row, _ = _receive(db, staff, sub, "2028-04-30")  # the next invoice takes it
    assert row.period == date(2028, 4, 30)


@pytest.mark.parametrize("period,data,key", [
    ("2028-04-15", CALLS, "billing.usage.not_a_period"),  # not one of the subscription's dates
    ("2028-02-29", CALLS, "billing.usage.not_a_period"),  # before its start
    ("31/03/2028", CALLS, "billing.error.date"),
    ("2028-03-31", b"%PDF-1.4 call records", "billing.usage.not_csv"),
    ("2028-03-31", b"name;amount\nx;1\n", "billing.usage.columns"),
    ("2028-03-31", b"description;quantity;unit_price\nCalls;lots;0.10\n", "billing.usage.bad_rows"),
])
def test_a_bad_period_or_file_is_refused_and_nothing_is_kept(db, period, data, key):
    _, _, staff, sub = _setup(db)
    with pytest.raises(DomainError) as err:
        _receive(db, staff, sub, period, data)
    assert err.value.key == key
    assert db.exec(select(ConsumptionFile)).all() == []


def test_an_ended_subscription_or_an_unknown_one_takes_no_file(db):
    _, _, staff, sub = _setup(db)
    subs.end_subscription(db, staff, sub.id)
    with pytest.raises(DomainError) as err:
        _receive(db, staff, sub)
    assert err.value.key == "billing.error.subscription_ended"
    for bad in (10**9, "1 OR 1=1", None, -1):
        with pytest.raises(NotFound):
            usage_files.attach_period_file(db, staff, bad, "2028-03-31", "x.csv", CALLS)


def test_a_period_file_is_not_a_draft_file_for_the_manual_action(db):
    _, _, staff, sub = _setup(db)
    row, _ = _receive(db, staff, sub)
    with pytest.raises(DomainError) as err:
        rules.add_usage_lines(db, staff, row.id)
    assert err.value.key == "billing.usage.for_period"


# ---- point 1: usage alerts fire when the file arrives -----------------------------------------------------


def test_a_file_crossing_a_usage_alert_fires_it_at_once_and_the_invoice_does_not_fire_it_again(db):
    account, ctx, staff, sub = _setup(db, language="fr", first_name="Léa")
    alerts.add_alert(db, ctx, "period_usage", "40", "EUR")
    alerts.add_alert(db, ctx, "invoice_total", "1000", "EUR")
    _, deliveries = _receive(db, staff, sub, data=MORE)  # 5.00: under
    assert deliveries == [] and _alert_messages(db, account.id) == []
    _, deliveries = _receive(db, staff, sub, data=CALLS, name="calls.csv")  # 5.00 + 48.00 = 53.00: over
    (mail,) = _alert_messages(db, account.id)
    assert len(deliveries) == 1 and mail.channel == "email" and mail.language == "fr"
    assert "53,00" in mail.body_text and "2028-03" in mail.body_text
    (notice,) = db.exec(select(Notification).where(Notification.account_id == account.id,
                                                   Notification.kind == "billing.alert")).all()
    assert notice.key == "billing.alert.fired_period_usage_file" and notice.link == "/invoices"
    fired = db.exec(select(AuditEvent).where(AuditEvent.action == "usage_alert.fired")).one()
    assert fired.detail["consumption_file_id"] and fired.detail["amount"] == 5300
    # the period's invoice carries the same usage (not counted twice) and does not fire it again this month
    at(date(2028, 3, 31))
    _issue_all(db, date(2028, 3, 31))
    assert alerts.period_usage(db, account.id, "EUR", "2028-03") == 5300
    assert len(_alert_messages(db, account.id)) == 1


def test_a_file_fires_only_usage_alerts_in_its_currency(db):
    account, ctx, staff, sub = _setup(db)
    alerts.add_alert(db, ctx, "invoice_total", "1", "EUR")  # an invoice's total: not a file's business
    alerts.add_alert(db, ctx, "period_usage", "1", "USD")
    _receive(db, staff, sub)
    assert _alert_messages(db, account.id) == []


def test_a_billing_contact_with_a_working_mobile_gets_an_sms_with_the_email_as_fallback(db):
    account, ctx, staff, sub = _setup(db, language="de", mobile="+33612345678")
    other = make_contact(db, account, portal_role="admin", language="en")
    failing = make_contact(db, account, portal_role="admin", language="en", mobile="+33698765432")
    failing.mobile_failing_at = failing.created_at
    db.add(failing)
    alerts.add_alert(db, ctx, "period_usage", "10", "EUR")
    _receive(db, staff, sub)
    sms, mail, mail2 = _alert_messages(db, account.id)
    assert (sms.channel, sms.recipient, sms.language) == ("sms", "+33612345678", "de")
    assert "48,00" in sms.body_text and "/invoices" in sms.body_text
    assert outbox.unseal(sms.sealed)["fallback"]["to"] == ctx_email(db, ctx)
    assert (mail.channel, mail.recipient) == ("email", other.email)
    assert (mail2.channel, mail2.recipient) == ("email", failing.email)  # its mobile fails: email


def ctx_email(db, ctx):
    from portal_app.core.models.accounts import Contact

    return db.get(Contact, ctx.contact_id).email


# ---- security ---------------------------------------------------------------------------------------------


def test_a_period_file_is_not_the_customers_until_invoiced_nor_another_accounts_ever(db):
    account, ctx, staff, sub = _setup(db)
    account.send_consumption_statements = True
    db.add(account)
    row, _ = _receive(db, staff, sub)
    with pytest.raises(NotFound):  # not invoiced yet
        consumption.consumption_file_for_customer(db, ctx, row.id)
    at(date(2028, 3, 31))
    _issue_all(db, date(2028, 3, 31))
    assert consumption.consumption_file_for_customer(db, ctx, row.id)[0].id == row.id
    stranger_account, stranger, stranger_ctx = customer(db)
    stranger_account.send_consumption_statements = True
    db.add(stranger_account)
    for bad in (row.id, str(row.id), f"{row.id} ", "-1", None):
        with pytest.raises(NotFound):
            consumption.consumption_file_for_customer(db, stranger_ctx, bad)
    # another account's alert never fires on this account's usage
    alerts.add_alert(db, stranger_ctx, "period_usage", "1", "EUR")
    at(date(2028, 4, 2))
    _receive(db, staff, sub, "2028-04-30")
    assert _alert_messages(db, stranger_account.id) == []
    assert db.exec(select(Invoice).where(Invoice.account_id == stranger_account.id)).all() == []
