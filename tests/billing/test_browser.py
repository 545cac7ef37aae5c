"""Billing in the browser: a customer sees the amount due, opens an invoice, downloads its PDF, sees
consumption files only when allowed, starts a payment; a member sees none of it; staff issue an
invoice and the customer sees it."""

from __future__ import annotations

import itertools
import re
import zlib

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Account
from portal_app.billing.models import Invoice
from portal_app.core.models.notify import OutboundMessage
from portal_app.billing import consumption as consumption_files, settings
from tests.support.browser import customer_login, fake_stripe_checkout
from tests.support.browser import SERIOUS
from tests.support.browser import PHONE, no_horizontal_overflow
from tests.support.browser import PASSWORD, staff_login
from tests.factories import make_account, make_contact, make_issued, make_staff, staff_context

_n = itertools.count(1)


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings, with the elements they are about."""
    from axe_playwright_python.sync_playwright import Axe

    page.mouse.move(0, 0)  # no link left in its hover state by the last click
    return [f"{v['id']}: {[(n['target'], (n.get('any') or [{}])[0].get('message', '')) for n in v['nodes']]}"
            for v in Axe().run(page).response["violations"] if v.get("impact") in SERIOUS]




def billed_customer(consumption: bool = True):
    """An account admin with one open invoice (two lines, one of usage) and a consumption file."""
    n = next(_n)
    with session_scope() as db:
        account = make_account(db, name=f"Billing E2E {n}", send_consumption_statements=consumption)
        contact = make_contact(db, account, first_name="Inès", email=f"billing.e2e{n}@example.com",
                               portal_role="admin", language="en")
        staff = staff_context(db)
        inv = make_issued(db, account, [("Fibre Pro 1 Gb/s", "1", "59.90", "20"),
                                        ("Calls outside the plan", "1", "40.10", "20", True)], staff=staff)
        consumption_files.attach_consumption_file(db, staff, inv.id, "calls-march.csv",
                                                  b"date;number;seconds\n2026-03-01;+33612345678;42\n")
        return contact.email, inv.id, inv.number, account.id


def page_text_of_pdf(data: bytes) -> bytes:
    out = []
    for m in re.finditer(rb"/Filter /FlateDecode\s*/Length (\d+)\s*>>\s*stream\r?\n", data):
        out.append(zlib.decompress(data[m.end():m.end() + int(m.group(1))]))
    return b"\n".join(out)


def test_customer_sees_due_opens_invoice_downloads_and_pays(page: Page, app_url, shots, monkeypatch):
    email, inv_id, number, _ = billed_customer()
    customer_login(page, app_url, email)
    card = page.locator("#amount-due-card")
    expect(card).to_contain_text("Amount due")
    expect(card.locator(".amount-due")).to_have_text("€120.00")
    expect(card).to_contain_text("Next due date")
    expect(page.locator("#billed-chart")).to_be_visible()
    shots(page, "billing-home")
    assert serious_violations(page) == []

    page.get_by_role("navigation").get_by_role("link", name="Invoices").click()
    expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("€120.00")
    expect(row).to_contain_text("To pay")
    shots(page, "billing-invoices")
    assert serious_violations(page) == []
    page.get_by_label("Status").select_option("paid")
    expect(page.get_by_text("No invoice matches these filters.")).to_be_visible()
    page.get_by_label("Status").select_option("")
    row.get_by_role("link", name=number).click()

    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    expect(page.get_by_text("Fibre Pro 1 Gb/s")).to_be_visible()
    files = page.locator("#consumption-files")
    expect(files).to_contain_text("calls-march.csv")
    shots(page, "billing-invoice")
    assert serious_violations(page) == []
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download PDF").click()
    pdf = open(dl.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF-") and number.encode() in page_text_of_pdf(pdf)
    assert dl.value.suggested_filename == f"{number}.pdf"
    with page.expect_download() as dl:
        files.get_by_role("link").click()
    assert open(dl.value.path(), "rb").read().startswith(b"date;number;seconds")

    # paying: Stripe Checkout through the SDK, pointed at a local server standing in for Stripe
    with fake_stripe_checkout(monkeypatch, f"cs_test_e2e_{inv_id}") as (stripe_api, checkout_page):
        page.get_by_role("link", name="Pay now").click()
        expect(page.get_by_role("heading", name="Pay")).to_be_visible()
        shots(page, "billing-pay")
        assert serious_violations(page) == []
        page.get_by_role("button", name="Pay €120.00 by card").click()
        page.wait_for_url(checkout_page)
        (req,) = stripe_api.requests_to("/v1/checkout/sessions")
        assert req.form["line_items[0][price_data][unit_amount]"] == "12000"
    with session_scope() as db:
        assert db.get(Invoice, inv_id).paid_minor == 0  # only the webhook records money


def test_invoice_reads_well_on_a_phone_and_hides_consumption_when_off(browser: Browser, app_url, shots,
                                                                     monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    email, inv_id, number, account_id = billed_customer(consumption=False)
    with session_scope() as db:
        s = settings.get_settings_row(db)
        s.bank_iban, s.bank_bic, s.bank_beneficiary = "FR7630006000011234567890189", "AGRIFRPP", "Demo Télécom"
        db.add(s)
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    customer_login(page, app_url, email)
    assert no_horizontal_overflow(page)
    shots(page, "billing-phone-home")
    page.goto(f"{app_url}/invoices")
    expect(page.get_by_role("link", name=number)).to_be_visible()
    assert no_horizontal_overflow(page)
    shots(page, "billing-phone-invoices")
    page.goto(f"{app_url}/invoice?id={inv_id}")
    expect(page.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    expect(page.get_by_text("Calls outside the plan")).to_be_visible()
    expect(page.locator("#consumption-files")).to_have_count(0)
    expect(page.get_by_text("Consumption details")).to_have_count(0)
    assert no_horizontal_overflow(page)
    shots(page, "billing-phone-invoice")
    # without Stripe keys: the bank transfer details and the reference
    page.get_by_role("link", name="Pay now").click()
    details = page.locator(".bank-details")
    expect(details).to_contain_text("FR76 3000 6000 0112 3456 7890 189")
    expect(details).to_contain_text(number)
    expect(page.get_by_role("button", name=re.compile("by card"))).to_have_count(0)
    assert no_horizontal_overflow(page)
    shots(page, "billing-phone-pay-transfer")
    context.close()


def test_member_without_invoice_rights_sees_none_of_it(page: Page, app_url):
    _, inv_id, _, account_id = billed_customer()
    n = next(_n)
    with session_scope() as db:
        member = make_contact(db, db.get(Account, account_id), first_name="Marc", email=f"member.e2e{n}@example.com",
                              portal_role="member", language="en")
    customer_login(page, app_url, member.email)
    expect(page.locator("#greeting")).to_have_text("Hello Marc")
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    expect(nav.get_by_role("link", name="Invoices")).to_have_count(0)
    expect(nav.get_by_role("link", name="Payments")).to_have_count(0)
    expect(page.locator("#amount-due-card")).to_have_count(0)
    page.goto(f"{app_url}/invoice?id={inv_id}")
    expect(page.get_by_role("alert")).to_contain_text("You are not allowed to do this.")
    expect(page.get_by_text("Fibre Pro 1 Gb/s")).to_have_count(0)
    page.goto(f"{app_url}/invoices")
    expect(page.get_by_role("alert")).to_contain_text("You are not allowed to do this.")


def test_staff_issue_an_invoice_and_the_customer_sees_it(browser: Browser, app_url, shots):
    n = next(_n)
    with session_scope() as db:
        staff_email = make_staff(db, email=f"biller{n}@guichet.example", password=PASSWORD, name=f"Biller {n}").email
        account = make_account(db, name=f"Issued Live {n}", number=f"LIVE-{n:03d}")
        customer = make_contact(db, account, first_name="Zoé", email=f"live{n}@example.com", portal_role="admin",
                                language="en")
    staff_page = browser.new_context().new_page()
    staff_login(staff_page, app_url, staff_email)
    staff_page.get_by_role("link", name="Invoices").click()
    expect(staff_page.get_by_role("heading", name="Invoices")).to_be_visible()
    staff_page.get_by_label("Customer number").fill(f"LIVE-{n:03d}")
    staff_page.get_by_role("button", name="New draft invoice").click()
    expect(staff_page.get_by_role("heading", name="Draft invoice")).to_be_visible()
    staff_page.get_by_label("Description").fill("Maintenance contract, March")
    staff_page.get_by_label("Quantity").fill("2")
    staff_page.get_by_label("Unit price (excl. tax)").fill("45.50")
    staff_page.locator("#save-line").click()
    expect(staff_page.get_by_role("table")).to_contain_text("Maintenance contract, March")
    expect(staff_page.get_by_text("€109.20")).to_be_visible()
    shots(staff_page, "billing-staff-draft")
    # the customer does not see a draft
    cust_page = browser.new_context().new_page()
    customer_login(cust_page, app_url, customer.email)
    cust_page.goto(f"{app_url}/invoices")
    expect(cust_page.get_by_text("No invoice yet.")).to_be_visible()

    staff_page.locator("#open-issue").click()
    expect(staff_page.get_by_role("alertdialog")).to_contain_text("Issue this invoice?")
    staff_page.locator("#confirm-issue").click()
    expect(staff_page.get_by_role("heading", name=re.compile(r"^INV-\d{4}-\d{5}$"))).to_be_visible()
    number = staff_page.get_by_role("heading", level=1).inner_text()
    expect(staff_page.get_by_text(f"Invoice {number} issued")).to_be_visible()
    shots(staff_page, "billing-staff-issued")
    with session_scope() as db:
        mails = db.exec(select(OutboundMessage).where(OutboundMessage.template == "new_invoice",
                                                      OutboundMessage.recipient == customer.email)).all()
        assert len(mails) == 1 and mails[0].subject.startswith(f"New invoice {number} from ")

    cust_page.goto(f"{app_url}/invoices")
    expect(cust_page.get_by_role("link", name=number)).to_be_visible()
    cust_page.goto(f"{app_url}/")
    expect(cust_page.locator("#amount-due-card .amount-due")).to_have_text("€109.20")

    # a bank transfer recorded by staff shows on the customer's side with its receipt
    staff_page.get_by_label("Amount", exact=True).fill("109.20")
    staff_page.get_by_label("Reference").fill("VIR ZOE")
    staff_page.locator("#record-payment").click()
    expect(staff_page.get_by_role("table").filter(has_text="VIR ZOE")).to_be_visible()
    cust_page.goto(f"{app_url}/payments")
    expect(cust_page.get_by_role("row").filter(has_text=number)).to_contain_text("€109.20")
    with cust_page.expect_download() as dl:
        cust_page.get_by_role("link", name=re.compile(r"^R-\d{6}$")).click()
    assert open(dl.value.path(), "rb").read().startswith(b"%PDF-")
    shots(cust_page, "billing-payments")
