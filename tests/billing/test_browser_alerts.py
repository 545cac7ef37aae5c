"""Usage alerts in the browser: a customer administrator sets an alert on /invoices, the next issued
invoice crosses it, and the customer sees it fire (a notice on the home page, the alert marked for the
month) on a desktop and on a phone."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import Browser, expect

from portal_app.core.db import session_scope
from tests.factories import make_account, make_contact, make_issued, staff_context
from tests.support.browser import PHONE, customer_login, no_horizontal_overflow

_n = itertools.count(1)


def test_a_customer_sets_an_alert_and_sees_it_fire_after_the_next_invoice(browser: Browser, app_url, shots):
    n = next(_n)
    with session_scope() as db:
        account = make_account(db, name=f"Alerted Live {n}")
        customer = make_contact(db, account, first_name="Lea", email=f"alerted{n}@example.com",
                                portal_role="admin", language="en")
        account_id, email = account.id, customer.email
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    customer_login(page, app_url, email)
    page.goto(f"{app_url}/invoices")
    card = page.locator("#usage-alerts")
    expect(card).to_contain_text("No alert yet.")
    card.get_by_label("Alert me when").select_option("invoice_total")
    card.get_by_label("Amount").fill("abc")
    card.get_by_role("button", name="Add").click()
    expect(card).to_contain_text("No alert yet.")  # bad amount: nothing stored
    card.get_by_label("Amount").fill("50")
    card.get_by_role("button", name="Add").click()
    expect(card).to_contain_text(re.compile(r"an invoice's total reaches\s*€50\.00"))
    shots(page, "usage-alert-set-1280")

    with session_scope() as db:  # staff issue the next invoice: €100 + 20 % VAT
        from portal_app.core.models.accounts import Account

        number = make_issued(db, db.get(Account, account_id), (("Fibre", "1", "100.00", "20"),),
                             staff=staff_context(db)).number
    page.goto(f"{app_url}/")
    fired = page.get_by_text(f"Invoice {number} is €120.00, at or above your alert of €50.00.")
    expect(fired.first).to_be_visible()
    shots(page, "usage-alert-fired-home-1280")
    page.goto(f"{app_url}/invoices")
    expect(page.get_by_role("row").filter(has_text=number)).to_be_visible()
    expect(card.locator(".rt-Badge")).to_contain_text(re.compile(r"\d{4}-\d{2}"))  # fired this month

    page.set_viewport_size(PHONE)
    page.goto(f"{app_url}/")
    expect(page.get_by_text(f"Invoice {number} is €120.00", exact=False).first).to_be_visible()
    assert no_horizontal_overflow(page)
    shots(page, "usage-alert-fired-home-390")
    page.goto(f"{app_url}/invoices")
    expect(page.locator("#usage-alerts")).to_contain_text("€50.00")
    assert no_horizontal_overflow(page)
    shots(page, "usage-alert-invoices-390")
