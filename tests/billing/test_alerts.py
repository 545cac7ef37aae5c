"""Usage alerts: a customer administrator's thresholds (an invoice's total, the usage billed in a month)
fire when an issued invoice crosses them: an email to each billing contact in their language and a notice
on the home page, once per month and alert; other accounts' alerts are refused by id."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import select

from portal_app.billing import alerts
from portal_app.billing.models import UsageAlert
from portal_app.billing.state import UsageAlertsState
from portal_app.core import clock, notifications
from portal_app.core.errors import DomainError, Forbidden, NotFound
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.notifications import Notification
from portal_app.core.models.notify import OutboundMessage
from tests.billing.test_rules import customer
from tests.factories import make_contact, make_issued, portal_context

MARCH = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(MARCH)


def _mails(db, account_id):
    return db.exec(select(OutboundMessage).where(OutboundMessage.account_id == account_id,
                                                 OutboundMessage.template == "usage_alert")
                   .order_by(OutboundMessage.id)).all()


def test_an_invoice_over_its_threshold_fires_once_a_month_in_each_contacts_language(db):
    account, admin, ctx = customer(db, language="fr", first_name="Léa")
    make_contact(db, account, portal_role="admin", language="de", first_name="Jonas")
    alerts.add_alert(db, ctx, "invoice_total", "100", "EUR")
    make_issued(db, account, (("Fibre", "1", "80.00", "20"),))  # 96.00: under
    assert _mails(db, account.id) == []
    inv = make_issued(db, account, (("Fibre", "1", "90.00", "20"),))  # 108.00: over
    mails = _mails(db, account.id)
    assert [m.language for m in mails] == ["fr", "de"]
    assert f"La facture {inv.number} s’élève à 108,00" in mails[0].body_text
    assert "Die Rechnung" in mails[1].body_text
    (notice,) = db.exec(select(Notification).where(Notification.account_id == account.id,
                                                   Notification.kind == "billing.alert")).all()
    assert notice.link == f"/invoice?id={inv.id}"
    assert [n.text for n in notifications.recent(db, ctx, "en") if n.kind == "billing.alert"] == \
        [f"Invoice {inv.number} is €108.00, at or above your alert of €100.00."]
    make_issued(db, account, (("Fibre", "1", "200.00", "20"),))  # same month: not again
    assert len(_mails(db, account.id)) == 2
    clock.freeze(datetime(2026, 4, 2, 9, 0, tzinfo=timezone.utc))
    make_issued(db, account, (("Fibre", "1", "200.00", "20"),))  # next month: again
    assert len(_mails(db, account.id)) == 4


def test_usage_in_a_month_adds_up_across_invoices_and_skips_other_currencies(db):
    account, _, ctx = customer(db)
    alerts.add_alert(db, ctx, "period_usage", "50", "EUR")
    make_issued(db, account, (("Fibre", "1", "500.00", "20"), ("Calls", "300", "0.10", "20", True)))  # usage 30
    make_issued(db, account, (("Calls", "300", "0.10", "20", True),), currency="USD")  # other currency
    assert _mails(db, account.id) == []
    make_issued(db, account, (("Data", "20", "1.00", "20", True),))  # usage 30 + 20 = 50: reached
    (mail,) = _mails(db, account.id)
    assert "2026-03" in mail.body_text and "€50.00" in mail.body_text
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "usage_alert.fired",
                                            AuditEvent.account_id == account.id)).one()


def test_only_an_administrator_sets_alerts_and_bad_input_is_refused(db):
    account, _, admin_ctx = customer(db)
    member = make_contact(db, account, portal_role="member")
    with pytest.raises(Forbidden):
        alerts.add_alert(db, portal_context(db, member), "invoice_total", "100", "EUR")
    for kind, amount, currency, key in (("whatever", "1", "EUR", "billing.alert.kind"),
                                        ("invoice_total", "-1", "EUR", "billing.error.amount"),
                                        ("invoice_total", "0", "EUR", "billing.error.amount"),
                                        ("invoice_total", "ten", "EUR", "billing.error.amount"),
                                        ("invoice_total", "10", "EURO", "billing.error.currency")):
        with pytest.raises(DomainError) as err:
            alerts.add_alert(db, admin_ctx, kind, amount, currency)
        assert err.value.key == key
    for _ in range(alerts.MAX_ALERTS):
        alerts.add_alert(db, admin_ctx, "invoice_total", "10", "EUR")
    with pytest.raises(DomainError) as err:
        alerts.add_alert(db, admin_ctx, "invoice_total", "10", "EUR")
    assert err.value.key == "billing.alert.too_many"


def test_another_accounts_alert_is_refused_by_id_and_not_listed(db):
    mine, _, my_ctx = customer(db)
    other, _, other_ctx = customer(db)
    theirs = alerts.add_alert(db, other_ctx, "invoice_total", "100", "EUR")
    assert alerts.list_alerts(db, my_ctx) == []
    for bad in (theirs.id, 10**9, "x"):
        with pytest.raises(NotFound):
            alerts.delete_alert(db, my_ctx, bad)
    assert db.get(UsageAlert, theirs.id) is not None
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "billing.denied", AuditEvent.account_id == mine.id,
                                            AuditEvent.target_type == "usage_alert")).first()
    alerts.delete_alert(db, other_ctx, theirs.id)
    assert db.get(UsageAlert, theirs.id) is None


def test_the_alerts_card_handlers(root):
    from portal_app.core.auth import sessions as portal_sessions
    from portal_app.core.db import session_scope
    from tests.support.states import router_data, sub

    with session_scope() as db:
        account, admin, _ = customer(db)
        member = make_contact(db, account, portal_role="member", rights=["invoices"])
        _, _, other_ctx = customer(db)
        theirs = alerts.add_alert(db, other_ctx, "invoice_total", "5", "EUR").id
        admin_token = portal_sessions.open_session(db, admin.id)
        member_token = portal_sessions.open_session(db, member.id)
    page = sub(root, UsageAlertsState)
    page.router = router_data("/invoices", {})
    page.portal_sid = admin_token
    page.load_alerts()
    assert page.can_edit and page.alert_rows == []
    page.add_alert({"kind": "period_usage", "amount": "75.5", "currency": "eur"})
    assert [(r.kind, r.amount) for r in page.alert_rows] == [("period_usage", "€75.50")]
    page.delete_alert(str(theirs))  # another account's alert, by handler argument
    assert page.error_key == "error.not_found" or page.flash_key == "error.not_found"
    with session_scope() as db:
        assert db.get(UsageAlert, theirs) is not None
    page.portal_sid = member_token
    page.load_alerts()
    assert not page.can_edit
    page.add_alert({"kind": "invoice_total", "amount": "1", "currency": "EUR"})
    with session_scope() as db:
        assert len(db.exec(select(UsageAlert).where(UsageAlert.account_id == account.id)).all()) == 1
    page.portal_sid = ""
    page.add_alert({"kind": "invoice_total", "amount": "1", "currency": "EUR"})
    with session_scope() as db:
        assert len(db.exec(select(UsageAlert).where(UsageAlert.account_id == account.id)).all()) == 1


def test_a_refused_amount_keeps_the_alerts_card_and_its_form(root):
    """Found by the browser journey: a bad amount hid the card's form and list until the page reloaded."""
    from portal_app.core.auth import sessions as portal_sessions
    from portal_app.core.db import session_scope
    from tests.support.states import router_data, sub

    with session_scope() as db:
        account, admin, _ = customer(db)
        admin_token = portal_sessions.open_session(db, admin.id)
    page = sub(root, UsageAlertsState)
    page.router = router_data("/invoices", {})
    page.portal_sid = admin_token
    page.load_alerts()
    page.add_alert({"kind": "invoice_total", "amount": "10", "currency": "EUR"})
    page.add_alert({"kind": "invoice_total", "amount": "abc", "currency": "EUR"})
    assert (page.error_key or page.flash_key).startswith("billing.")
    assert page.can_edit and [r.amount for r in page.alert_rows] == ["€10.00"]
    page.portal_sid = ""  # no session: the card goes
    page.add_alert({"kind": "invoice_total", "amount": "20", "currency": "EUR"})
    assert not page.can_edit and page.alert_rows == []
