"""Recurring bills through the handlers: staff create, change and end them; a customer sees only their own
account's; an agent (billing read only) changes nothing; bad input is a clear message."""

from __future__ import annotations

import itertools

from sqlmodel import select

from portal_app.billing.admin_state import AdminSubscriptionsState
from portal_app.billing.models import Subscription
from portal_app.billing.state import InvoicesState
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from tests.factories import make_account, make_contact, staff_session
from tests.support.states import _router, sub

_n = itertools.count(1)
FORM = {"name": "Office fibre", "period": "monthly", "currency": "EUR", "start_date": "2099-01-31",
        "desc-1": "Fibre", "qty-1": "1", "price-1": "30", "rate-1": "20", "desc-2": "", "price-2": ""}


def test_staff_create_change_end_and_customers_see_only_their_own(root):
    with session_scope() as db:
        mine, theirs = make_account(db, name=f"Sub A {next(_n)}"), make_account(db, name=f"Sub B {next(_n)}")
        contact = make_contact(db, mine, email=f"subs{next(_n)}@example.com", portal_role="admin")
        token = portal_sessions.open_session(db, contact.id)
        owner = staff_session(db)
        numbers = (mine.number, theirs.number)
    page = sub(root, AdminSubscriptionsState)
    page.staff_sid = owner
    page.router = _router("/admin/subscriptions", {})
    page.load_list()
    page.create_subscription({**FORM, "account_number": "NO-SUCH"})
    assert page.flash_key == "billing.error.account_unknown"
    page.create_subscription({**FORM, "account_number": numbers[0], "price-1": "abc"})
    assert page.flash_key == "billing.error.amount"
    page.create_subscription({**FORM, "account_number": numbers[0]})
    page.create_subscription({**FORM, "account_number": numbers[1], "name": "Their line"})
    assert page.flash_key == "admin.subscriptions.created"
    with session_scope() as db:
        ids = {s.name: s.id for s in db.exec(select(Subscription)).all()}
    page.open_change(str(ids["Office fibre"]))
    assert page.dialog == "change" and page.edit_lines[0].price == "30.00"
    page.change_subscription({"desc-1": "Fibre 2 Gbit/s", "qty-1": "1", "price-1": "45", "rate-1": "20"})
    assert page.dialog == "" and any(r.name == "Office fibre" and r.amount == "€45.00" for r in page.rows)
    page.open_change("999999")
    assert page.flash_key == "error.not_found"
    # the customer's invoices page lists their own recurring bill, not the other account's
    cust = sub(root, InvoicesState)
    cust.portal_sid = token
    cust.router = _router("/invoices", {})
    cust.load_years()
    assert [(x.name, x.amount) for x in cust.subscriptions] == [("Office fibre", "€45.00")]
    page.end_subscription(str(ids["Their line"]))
    assert any(r.name == "Their line" and not r.active for r in page.rows)
    with session_scope() as db:
        assert db.get(Subscription, ids["Their line"]).active is False
        assert db.get(Subscription, ids["Office fibre"]).active is True


def test_an_agent_reads_but_changes_no_recurring_bill(root):
    with session_scope() as db:
        account = make_account(db, name=f"Sub C {next(_n)}")
        agent = staff_session(db, role="agent")
        number = account.number
    page = sub(root, AdminSubscriptionsState)
    page.staff_sid = agent
    page.router = _router("/admin/subscriptions", {})
    page.load_list()
    assert page.flash_key == ""
    page.create_subscription({**FORM, "account_number": number})
    assert page.flash_key == "error.role_forbidden"
    with session_scope() as db:
        assert db.exec(select(Subscription).where(Subscription.account_id == account.id)).all() == []
