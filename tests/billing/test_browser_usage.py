"""Usage from files in the browser: staff receive a consumption CSV for a recurring bill's next period from
the console's "Usage file" dialog (a bad file is a clear message), the file waits for its invoice, and the
customer whose usage alert it crosses sees the notice on the home page at once; desktop and phone."""

from __future__ import annotations

import itertools
from datetime import timedelta

from playwright.sync_api import Browser, expect

from portal_app.billing import alerts
from portal_app.billing import subscriptions as subs
from portal_app.core import clock
from portal_app.core.db import session_scope
from tests.factories import make_account, make_contact, portal_context, staff_context
from tests.support.browser import PHONE, customer_login, no_horizontal_overflow, staff_page

_n = itertools.count(1)
CALLS = b"description;quantity;unit_price;tax_rate\nCalls to mobiles;300;0.05;20\n"  # 15.00 of usage


def test_staff_receive_a_usage_file_and_the_customer_sees_the_alert_it_fires(browser: Browser, app_url, shots, tmp_path):
    n = next(_n)
    start = (clock.now() + timedelta(days=10)).date()
    with session_scope() as db:
        account = make_account(db, name=f"Usage Live {n}")
        contact = make_contact(db, account, first_name="Noor", email=f"usage{n}@example.com", portal_role="admin",
                               language="en")
        alerts.add_alert(db, portal_context(db, contact), "period_usage", "10", "EUR")
        sub = subs.create_subscription(db, staff_context(db), account_id=account.id, name=f"Office line {n}",
                                       period="monthly", currency="EUR", start_date=start.isoformat(),
                                       lines=[{"description": "Fibre", "quantity": "1", "unit_price": "30",
                                               "tax_rate": "20"}])
        email, name = contact.email, sub.name
    bad, good = tmp_path / "bad.csv", tmp_path / "calls.csv"
    bad.write_bytes(b"number;seconds\n0612;60\n")
    good.write_bytes(CALLS)

    page = staff_page(browser, app_url, viewport={"width": 1280, "height": 900})
    page.goto(f"{app_url}/admin/subscriptions")
    row = page.get_by_role("row").filter(has_text=name)
    row.get_by_role("button", name="Usage file").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Consumption files")).to_be_visible()
    expect(dialog.get_by_label("Billing period starting")).to_be_visible()
    expect(dialog).to_contain_text("No consumption file received yet.")
    dialog.locator("#usage-upload input[type=file]").set_input_files(str(bad))
    dialog.get_by_role("button", name="Receive the file").click()
    expect(page.get_by_text("The CSV needs a header with these columns", exact=False).first).to_be_visible()
    dialog.locator("#usage-upload input[type=file]").set_input_files(str(good))
    dialog.get_by_role("button", name="Receive the file").click()
    expect(dialog.get_by_role("row").filter(has_text="calls.csv")).to_contain_text("Waiting for the invoice")
    expect(dialog.get_by_role("row").filter(has_text="calls.csv")).to_contain_text("€15.00")
    shots(page, "usage-file-received-1280")
    page.set_viewport_size(PHONE)
    box = dialog.get_by_role("heading", name="Consumption files").locator("xpath=..").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # the dialog fits the phone
    assert no_horizontal_overflow(page)
    shots(page, "usage-file-received-390")

    cust = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    customer_login(cust, app_url, email)
    notice = cust.get_by_text(f"Your usage for {start:%Y-%m} has reached €15.00", exact=False)
    expect(notice.first).to_be_visible()
    shots(cust, "usage-file-alert-home-1280")
    cust.set_viewport_size(PHONE)
    expect(notice.first).to_be_visible()
    assert no_horizontal_overflow(cust)
    shots(cust, "usage-file-alert-home-390")
