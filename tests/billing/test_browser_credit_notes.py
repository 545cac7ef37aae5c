"""Credit notes in the browser: staff cancel an issued invoice with a credit note from the console, and the
customer sees the credit note beside the invoice (its page and the list), with nothing left to pay."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import Browser, expect

from portal_app.core.db import session_scope
from tests.factories import make_account, make_contact, make_issued, make_staff, staff_context
from tests.support.browser import PASSWORD, PHONE, customer_login, no_horizontal_overflow, staff_login

_n = itertools.count(1)


def test_staff_cancel_an_invoice_and_the_customer_sees_the_credit_note(browser: Browser, app_url, shots):
    n = next(_n)
    with session_scope() as db:
        staff_email = make_staff(db, email=f"canceller{n}@guichet.example", password=PASSWORD).email
        account = make_account(db, name=f"Credited Live {n}")
        customer = make_contact(db, account, first_name="Jonas", email=f"credited{n}@example.com",
                                portal_role="admin", language="en")
        inv = make_issued(db, account, [("Router rental", "2", "5.00", "20")], staff=staff_context(db))
        inv_id, number = inv.id, inv.number
    staff_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff_login(staff_page, app_url, staff_email)
    staff_page.goto(f"{app_url}/admin/invoice?id={inv_id}")
    expect(staff_page.get_by_role("heading", name=number)).to_be_visible()
    staff_page.locator("#open-cancel").click()
    dialog = staff_page.get_by_role("dialog")
    expect(dialog).to_contain_text("Cancel this invoice")
    dialog.get_by_label("Reason").fill("Router returned")
    staff_page.locator("#confirm-cancel").click()
    expect(staff_page.get_by_text(re.compile(r"Credit note CN-\d{4}-\d{5} issued"))).to_be_visible()
    expect(staff_page.locator("#admin-credit-notes")).to_contain_text("Router returned")
    shots(staff_page, "credit-note-staff-1280")

    cust_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    customer_login(cust_page, app_url, customer.email)
    cust_page.goto(f"{app_url}/invoice?id={inv_id}")
    expect(cust_page.get_by_role("heading", name="Credit notes")).to_be_visible()
    expect(cust_page.get_by_text(re.compile(r"^CN-\d{4}-\d{5}$"))).to_be_visible()
    expect(cust_page.get_by_text("This invoice has been cancelled", exact=False)).to_be_visible()
    shots(cust_page, "credit-note-customer-invoice-1280")
    cust_page.goto(f"{app_url}/invoices")
    row = cust_page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("CN-")
    shots(cust_page, "credit-note-customer-list-1280")
    cust_page.set_viewport_size(PHONE)
    cust_page.goto(f"{app_url}/invoice?id={inv_id}")
    expect(cust_page.get_by_role("heading", name="Credit notes")).to_be_visible()
    assert no_horizontal_overflow(cust_page)
    shots(cust_page, "credit-note-customer-invoice-390")
