"""The console's "usage file" dialog of a recurring bill, through its handlers: the next periods offered,
a CSV received for one of them (a bad one is a clear message and keeps nothing), the list showing it
waiting then on its invoice once the job issued the period; an agent (billing read only) and a forged
subscription id or period change nothing. Runs on PostgreSQL too (a test_states* file)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

from sqlmodel import select

from portal_app.billing import subscriptions as subs
from portal_app.billing.admin_state import AdminSubscriptionsState
from portal_app.billing.models import ConsumptionFile
from portal_app.core import clock
from portal_app.core.db import session_scope
from tests.factories import make_account, staff_context, staff_session_at_clock
from tests.support.states import _router, sub
from tests.support.uploads import FakeUpload, run_files

_n = itertools.count(1)
CALLS = b"description;quantity;unit_price;tax_rate\nCalls;100;0.10;20\n"
LINES = [{"description": "Fibre", "quantity": "1", "unit_price": "20", "tax_rate": "20"}]


def _setup(role: str = "owner"):
    clock.freeze(datetime(2033, 1, 10, 9, tzinfo=timezone.utc))
    with session_scope() as db:
        sub_row = subs.create_subscription(db, staff_context(db), account_id=make_account(db, name=f"Usage {next(_n)}").id,
                                           name=f"Fibre {next(_n)}", period="monthly", currency="EUR",
                                           start_date="2033-01-31", lines=LINES)
        return sub_row.id, staff_session_at_clock(db, role=role)


def _page(root, token):
    page = sub(root, AdminSubscriptionsState)
    page.staff_sid = token
    page.router = _router("/admin/subscriptions", {})
    page.load_list()
    return page


def _files(sub_id):
    with session_scope() as db:
        return db.exec(select(ConsumptionFile).where(ConsumptionFile.subscription_id == sub_id)).all()


def test_staff_receive_a_file_for_a_period_and_see_it_join_its_invoice(root):
    sub_id, token = _setup()
    try:
        page = _page(root, token)
        page.open_usage(str(sub_id))
        assert page.dialog == "usage"
        assert [p.value for p in page.usage_periods] == ["2033-01-31", "2033-02-28", "2033-03-31"]
        assert page.usage_period == "2033-01-31" and page.usage_files == []
        page.choose_usage_period("2099-01-01")  # not offered: ignored
        assert page.usage_period == "2033-01-31"
        page.choose_usage_period("2033-02-28")
        run_files(page, "upload_usage", [FakeUpload(b"name;amount\nx;1\n", "bad.csv")])
        assert page.flash_kind == "error" and page.flash_key == "billing.usage.columns" and _files(sub_id) == []
        run_files(page, "upload_usage", [FakeUpload(CALLS, "../../feb.csv")])
        assert page.flash_key == "admin.subscriptions.usage_received" and page.flash_params["name"] == "feb.csv"
        (row,) = page.usage_files
        assert (row.name, row.usage, row.invoice) == ("feb.csv", "€10.00", "")
        clock.freeze(datetime(2033, 3, 1, 6, tzinfo=timezone.utc))
        subs.run_due(date(2033, 3, 1))  # January and February
        clock.freeze(datetime(2033, 1, 10, 9, 5, tzinfo=timezone.utc))  # the console session's time again
        page.open_usage(str(sub_id))
        assert page.usage_files[0].invoice.startswith("INV-")
        assert [p.value for p in page.usage_periods] == ["2033-03-31", "2033-04-30", "2033-05-31"]
        page.open_usage("999999999")
        assert page.flash_key == "error.not_found"
    finally:
        clock.freeze(None)


def test_an_agent_cannot_receive_a_file_and_a_stale_period_is_refused(root):
    sub_id, agent = _setup(role="agent")
    try:
        page = _page(root, agent)
        page.open_usage(str(sub_id))  # reading is allowed
        run_files(page, "upload_usage", [FakeUpload(CALLS, "calls.csv")])
        assert page.flash_key == "error.role_forbidden" and _files(sub_id) == []
        _, owner = _setup()
        page = _page(root, owner)
        page.open_usage(str(sub_id))
        clock.freeze(datetime(2033, 1, 31, 6, tzinfo=timezone.utc))
        subs.run_due(date(2033, 1, 31))  # the period offered is issued while the dialog is open
        clock.freeze(datetime(2033, 1, 10, 9, 5, tzinfo=timezone.utc))
        run_files(page, "upload_usage", [FakeUpload(CALLS, "calls.csv")])
        assert page.flash_key == "billing.usage.period_issued" and page.flash_params["next"] == "2033-02-28"
        assert _files(sub_id) == []
    finally:
        clock.freeze(None)
