"""Billing states: handlers called directly on a real state tree, and nothing secret in public vars."""

from __future__ import annotations

import itertools
import json

from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.billing.models import Invoice, Payment
from portal_app.core.models.notify import OutboundMessage
from portal_app.billing import consumption, payments, settings
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.security import hmac_hash
from portal_app.billing.admin_state import (AdminBillingSettingsState, AdminInvoiceImportState, AdminInvoicesState,
                                            AdminInvoiceState, AdminPaymentsState)
from portal_app.billing.rows import PlanRow, TaxRow
from portal_app.billing.state import BillingSummaryState, InvoicesState, InvoiceState, PaymentsState, PayState
from tests.factories import make_account, make_contact, make_issued, staff_context, staff_session
from tests.support.states import _router, run_background, public_json, sub
from tests.support.uploads import FakeUpload, run_files

_n = itertools.count(1)


def customer(role: str = "admin", **kw):
    with session_scope() as db:
        account = make_account(db, name=f"State Co {next(_n)}", **kw)
        contact = make_contact(db, account, email=f"bill.state{next(_n)}@example.com", portal_role=role,
                               language="en")
        token = portal_sessions.open_session(db, contact.id)
        return account.id, contact.id, token


def issue(account_id: int, *lines, **kw):
    with session_scope() as db:
        from portal_app.core.models.accounts import Account

        inv = make_issued(db, db.get(Account, account_id), lines or (("Service", "1", "100.00", "20"),), **kw)
        return inv.id, inv.number


def test_invoices_list_filters_and_pages(root):
    account_id, _, token = customer()
    ids = [issue(account_id)[0] for _ in range(22)]
    page = sub(root, InvoicesState)
    page.portal_sid = token
    page.router = _router("/invoices", {})
    page.load_list()
    page.load_years()
    assert page.error_key == "" and page.total == 22 and len(page.rows) == 20 and page.pages == 2
    assert page.rows[0].id == ids[-1] and page.rows[0].status == "issued"
    assert page.rows[0].total == "€120.00" and page.years
    page.next_page()
    assert page.page == 2 and len(page.rows) == 2
    page.set_filter("status", "paid")
    assert page.page == 1 and page.total == 0 and page.rows == []
    page.set_filter("status", "'; DROP TABLE invoice; --")
    assert page.filter_values["status"] == "" and page.total == 22
    page.set_filter("year", "1999")
    assert page.total == 0
    page.router = _router("/invoices", {"status": "overdue"})
    page.load_list()
    assert page.filter_values["status"] == "overdue"


def test_invoice_view_lines_totals_and_files(root):
    account_id, _, token = customer()
    inv_id, number = issue(account_id, ("Fibre", "1", "59.90", "20"), ("Calls", "2", "1.50", "20", True))
    with session_scope() as db:
        staff = staff_context(db)
        consumption.attach_consumption_file(db, staff, inv_id, "calls.csv", b"a;b\n1;2\n")
    page = sub(root, InvoiceState)
    page.portal_sid = token
    page.lang = "fr"
    page.router = _router("/invoice", {"id": inv_id})
    page.load_invoice()
    assert page.error_key == "" and page.view.number == number and page.can_pay and page.view.has_pdf
    assert page.view.total == "75,48\u00a0€" and page.view.due == page.view.total
    assert [li.description for li in page.lines] == ["Fibre", "Calls"] and page.lines[1].quantity == "2"
    assert page.tax_rows == [TaxRow(label="VAT 20 %", net="62,90\u00a0€", tax="12,58\u00a0€")]
    assert [f.name for f in page.files] == ["calls.csv"]
    page.router = _router("/invoice", {"id": "abc"})
    page.load_invoice()
    assert page.error_key == "error.not_found" and page.invoice_id == 0


def test_members_get_nothing_and_the_home_card_stays_hidden(root):
    account_id, _, token = customer(role="member")
    issue(account_id)
    page = sub(root, InvoicesState)
    page.portal_sid = token
    page.router = _router("/invoices", {})
    page.load_list()
    assert page.error_key == "error.forbidden" and page.rows == []
    summary = sub(root, BillingSummaryState)
    summary.portal_sid = token
    summary.load_summary()
    assert summary.visible is False and summary.due_rows == []
    pay = sub(root, PayState)
    pay.portal_sid = token
    pay.router = _router("/pay", {"all": 1})
    pay.load_pay()
    assert pay.error_key == "error.forbidden" and pay.plans == []


def test_home_summary_and_chart(root):
    account_id, _, token = customer()
    issue(account_id)
    issue(account_id, ("x", "1", "30", "0"))
    summary = sub(root, BillingSummaryState)
    summary.portal_sid = token
    summary.load_summary()
    assert summary.visible and summary.has_due and not summary.has_overdue
    assert summary.due_rows[0].due == "€150.00" and summary.due_rows[0].open_count == 2
    assert summary.chart_currency == "EUR" and len(summary.chart) == 12 and summary.chart[-1]["billed"] == 150
    assert all(isinstance(m["billed"], int) for m in summary.chart)


def test_pay_page_without_stripe_shows_bank_details(root, monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    account_id, _, token = customer()
    inv_id, number = issue(account_id)
    with session_scope() as db:
        s = settings.get_settings_row(db)
        s.bank_iban, s.bank_bic, s.bank_beneficiary = "FR7630006000011234567890189", "AGRIFRPP", "Demo SAS"
        db.add(s)
    pay = sub(root, PayState)
    pay.portal_sid = token
    pay.router = _router("/pay", {"invoice": inv_id})
    pay.load_pay()
    assert not pay.online and pay.bank.iban == "FR76 3000 6000 0112 3456 7890 189"
    assert pay.plans == [PlanRow(target=str(inv_id), amount="€120.00", currency="EUR", count=1, numbers=number,
                                 reference=number)]
    run_background(pay, "start_checkout", str(inv_id))
    assert pay.error_key == "billing.error.online_off"


def test_payments_page(root):
    account_id, _, token = customer()
    inv_id, number = issue(account_id)
    with session_scope() as db:
        payments.record_manual_payment(db, staff_context(db), inv_id, amount="150", received_on="", reference="VIR")
    page = sub(root, PaymentsState)
    page.portal_sid = token
    page.router = _router("/payments", {"checkout": "done"})
    page.load_list()
    assert page.returned_from_checkout and page.total == 1 and page.rows[0].invoices == number
    assert page.credit == ["€30.00"]


def test_staff_edit_issue_pay_and_void_through_the_handlers(root):
    account_id, contact_id, token = customer(billing_email="books@example.com")
    with session_scope() as db:
        staff_token = staff_session(db)
        from portal_app.core.models.accounts import Account

        account_number = db.get(Account, account_id).number
    lst = sub(root, AdminInvoicesState)
    lst.staff_sid = staff_token
    lst.create_draft({"account_number": "NO-SUCH"})
    assert lst.flash_key == "billing.error.account_unknown"
    redirect = lst.create_draft({"account_number": account_number})
    with session_scope() as db:
        draft = db.exec(select(Invoice).where(Invoice.account_id == account_id).order_by(Invoice.id.desc())).first()
    assert redirect is not None and draft.status == "draft"
    # the customer does not see the draft
    cust = sub(root, InvoicesState)
    cust.portal_sid = token
    cust.router = _router("/invoices", {})
    cust.load_list()
    assert cust.total == 0
    ed = sub(root, AdminInvoiceState)
    ed.staff_sid = staff_token
    ed.router = _router("/admin/invoice", {"id": draft.id})
    ed.load_invoice()
    assert ed.is_draft and ed.line.rate == "20"
    run_background(ed, "issue")
    assert ed.flash_key == "billing.error.no_lines"
    ed.save_line({"description": "Hosting", "quantity": "2", "unit_price": "12,50", "tax_rate": "20"})
    ed.save_line({"description": "", "quantity": "1", "unit_price": "1", "tax_rate": "0"})
    assert ed.flash_key == "billing.error.description" and len(ed.lines) == 1
    ed.edit_line(ed.lines[0].id)
    assert (ed.line.description, ed.line.quantity, ed.line.price) == ("Hosting", "2", "12.50")
    ed.save_line({"description": "Hosting plus", "quantity": "3", "unit_price": "12.50", "tax_rate": "20"})
    assert ed.lines[0].description == "Hosting plus" and ed.view.total == "€45.00" and ed.line.id == 0
    ed.save_header({"currency": "EUR", "due_date": "2099-01-31", "notes": "Thanks"})
    ed.open_dialog("issue")
    assert ed.dialog == "issue"
    run_background(ed, "issue")
    assert ed.flash_key == "admin.invoice.issued" and ed.view.number.startswith("INV-") and not ed.is_draft
    assert ed.dialog == "" and ed.emails_sent == 2  # the account admin and the billing address
    with session_scope() as db:
        sent = db.exec(select(OutboundMessage).where(OutboundMessage.template == "new_invoice",
                                                     OutboundMessage.account_id == account_id)).all()
        assert {m.status for m in sent} == {"sent"} and len(sent) == 2
    cust.load_list()
    assert cust.total == 1 and cust.rows[0].number == ed.view.number
    ed.record_payment({"amount": "20", "received_on": "", "reference": "VIR 42"})
    assert ed.payment_saved and ed.view.status == "partially_paid" and ed.view.due == "€25.00"
    ed.open_dialog("void")
    ed.void({"reason": ""})
    assert ed.flash_key == "billing.error.void_reason" and ed.dialog == "void"
    ed.void({"reason": "Duplicate"})
    assert ed.view.status == "void" and ed.dialog == ""
    pays = sub(root, AdminPaymentsState)
    pays.staff_sid = staff_token
    pays.load_list()
    assert any(r.reference == "VIR 42" and r.credit == "€20.00" for r in pays.rows)


def test_billing_settings_page(root):
    with session_scope() as db:
        staff_token = staff_session(db)
    page = sub(root, AdminBillingSettingsState)
    page.staff_sid = staff_token
    page.load_settings()
    form = {"default_currency": page.form.default_currency, "default_tax_rate": page.form.default_tax_rate,
            "tax_label": "TVA", "number_prefix": page.form.number_prefix, "number_digits": page.form.number_digits,
            "number_yearly": "on" if page.form.number_yearly else "",
            "payment_terms_days": page.form.payment_terms_days,
            "issuer_details": "", "bank_beneficiary": "", "bank_iban": "DE89 3704 0044 0532 0130 01",
            "bank_bic": "", "bank_name": ""}
    page.save_settings(form)
    assert page.flash_key == "billing.error.iban" and not page.saved
    page.save_settings({**form, "bank_iban": "DE89 3704 0044 0532 0130 00"})
    assert page.saved and page.form.bank_iban == "DE89 3704 0044 0532 0130 00" and page.form.tax_label == "TVA"
    page.save_settings({**form, "bank_iban": "", "tax_label": "VAT"})
    assert page.saved


def test_console_handlers_need_a_staff_session(root):
    account_id, _, token = customer()
    inv_id, _ = issue(account_id)
    ed = sub(root, AdminInvoiceState)
    for sid in ("", "forged", token):  # a customer's token is not a console token
        ed.staff_sid = sid
        ed.invoice_id = inv_id
        ed.record_payment({"amount": "10", "received_on": "", "reference": ""})
        assert ed.flash_key == "error.session_over"
        ed.void({"reason": "x"})
        assert ed.flash_key == "error.session_over"
    with session_scope() as db:
        assert db.get(Invoice, inv_id).status == "issued"
        assert db.exec(select(Payment).where(Payment.account_id == account_id)).all() == []


def test_no_secret_in_public_vars(root):
    account_id, _, token = customer()
    inv_id, _ = issue(account_id)
    for cls, route, query in ((InvoicesState, "/invoices", {}), (InvoiceState, "/invoice", {"id": inv_id}),
                              (PaymentsState, "/payments", {}), (PayState, "/pay", {"all": 1})):
        state = sub(root, cls)
        state.portal_sid = token
        state.router = _router(route, query)
        getattr(state, {"InvoicesState": "load_list", "InvoiceState": "load_invoice",
                        "PaymentsState": "load_list", "PayState": "load_pay"}[cls.__name__])()
    sub(root, BillingSummaryState).load_summary()
    blob = public_json(root)
    with session_scope() as db:
        inv = db.get(Invoice, inv_id)
    assert inv.pdf_file not in blob  # stored names never leave the server
    assert hmac_hash(token, portal_sessions.TOKEN_PURPOSE) not in blob
    assert blob.count(token) == 1
    json.loads(blob)


def test_import_page_and_consumption_upload(root):
    account_id, _, token = customer()
    inv_id, _ = issue(account_id)
    with session_scope() as db:
        from portal_app.core.models.accounts import Account

        number = db.get(Account, account_id).number
        staff_token = staff_session(db)
    page = sub(root, AdminInvoiceImportState)
    page.staff_sid = staff_token
    page.load_import()
    csv_data = (f"account_number,number,issue_date,currency,total,pdf\n{number},IMP-{account_id}-1,2025-01-31,EUR,"
                f"99.90,imp.pdf\n{number},IMP-{account_id}-2,2025-02-31,EUR,10,\n").encode()
    run_files(page, "import_files", [FakeUpload(csv_data, "invoices.csv"), FakeUpload(b"%PDF-1.4 x", "imp.pdf")])
    assert page.done and page.created == 1 and page.skipped == 0
    assert page.errors == ["Line 3: dates are written YYYY-MM-DD."]
    ed = sub(root, AdminInvoiceState)
    ed.staff_sid = staff_token
    ed.router = _router("/admin/invoice", {"id": inv_id})
    ed.load_invoice()
    run_files(ed, "upload_consumption", [FakeUpload(b"\x89PNG\r\n\x1a\n....", "calls.csv")])
    assert ed.flash_kind == "error" and ed.flash_key == "billing.error.file_type" and ed.files == []
    run_files(ed, "upload_consumption", [FakeUpload(b"date;secs\n2026-01-01;60\n", "../../etc/calls.csv")])
    assert ed.flash_key == "admin.invoice.files_attached" and [f.name for f in ed.files] == ["calls.csv"]
    ed.delete_file(ed.files[0].id)
    assert ed.files == []
