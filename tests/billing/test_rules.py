"""Billing rules: totals, taxes and rounding, numbering, status transitions, amount due with partial
and over-payments, credit, visibility (drafts, consumption flag, rights), files, PDFs and import."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.business import BusinessSettings
from portal_app.billing.models import InvoiceCounter, Payment
from portal_app.core.models.notify import OutboundMessage
from portal_app.billing.models import InvoiceLine
from portal_app.billing import (access, amounts, consumption, customer_views, imports as billing_import, payments,
                                rules, settings, storage)
from portal_app.core import clock
from portal_app.core.errors import DomainError, Forbidden, NotFound
from tests.factories import (make_account, make_contact, make_draft, make_issued, portal_context,
                             staff_context)

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(T0)


def pdf_strings(data: bytes) -> str:
    """The PDF's first page as text (the fonts are embedded subsets: the text is read through them)."""
    import io

    import pypdf

    return pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()


def customer(db, account=None, **kw):
    account = account or make_account(db)
    contact = make_contact(db, account, portal_role=kw.pop("portal_role", "admin"), **kw)
    return account, contact, portal_context(db, contact)


# ---- arithmetic -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,currency,minor", [("12", "EUR", 1200), ("12.5", "EUR", 1250), ("1 234,56", "EUR", 123456),
                                                  ("1,234.56", "USD", 123456), ("1.234,56", "EUR", 123456),
                                                  ("1234", "JPY", 1234), ("0.001", "KWD", 1)])
def test_money_is_parsed_to_minor_units(text, currency, minor):
    assert amounts.parse_money(text, currency) == minor


@pytest.mark.parametrize("text,currency", [("12.345", "EUR"), ("12.5", "JPY"), ("abc", "EUR"), ("", "EUR"),
                                           ("-3", "EUR"), ("1e5", "EUR")])
def test_bad_money_is_refused_not_rounded(text, currency):
    with pytest.raises(DomainError):
        amounts.parse_money(text, currency)


def test_quantities_and_rates():
    assert amounts.parse_quantity("1,5") == 1500 and amounts.parse_quantity("0.001") == 1
    assert amounts.parse_rate("5,5") == 550 and amounts.parse_rate("20") == 2000 and amounts.parse_rate("") == 0
    for bad in ("0", "-1", "0.0001"):
        with pytest.raises(DomainError):
            amounts.parse_quantity(bad)
    for bad in ("101", "5.555", "x"):
        with pytest.raises(DomainError):
            amounts.parse_rate(bad)


def test_line_net_rounds_half_up():
    assert amounts.line_net(1500, 333) == 500  # 499.5 → 500
    assert amounts.line_net(1000, 1999) == 1999
    assert amounts.line_net(333, 100) == 33  # 33.3
    assert amounts.line_net(1000, -500) == -500


def test_tax_is_computed_per_rate_on_the_sum_not_line_by_line():
    lines = [InvoiceLine(description="x", net_minor=5, tax_rate_bp=2000) for _ in range(3)]  # 3 × 0.05 €
    lines.append(InvoiceLine(description="y", net_minor=1000, tax_rate_bp=550, is_usage=True))
    t = amounts.compute_totals(lines)
    # per line: round(0.01) × 3 = 3 cents; on the sum: round(15 × 20 %) = 3 — and 1000 × 5.5 % = 55
    assert t.breakdown == [{"rate_bp": 550, "net": 1000, "tax": 55}, {"rate_bp": 2000, "net": 15, "tax": 3}]
    assert (t.subtotal, t.tax, t.total, t.usage) == (1015, 58, 1073, 1000)
    many = [InvoiceLine(description="x", net_minor=2, tax_rate_bp=2000) for _ in range(10)]  # 0.4 cent each
    assert amounts.compute_totals(many).tax == 4  # not 0 (rounding each line to 0)


def test_draft_totals_follow_its_lines(db):
    account = make_account(db)
    staff = staff_context(db)
    inv = make_draft(db, account, [("Fibre", "1", "59.90", "20"), ("Calls", "2,5", "0.10", "20", True)], staff=staff)
    assert (inv.subtotal_minor, inv.tax_minor, inv.total_minor, inv.usage_minor) == (6015, 1203, 7218, 25)
    line = access.lines_of(db, inv.id)[1]
    rules.save_line(db, staff, inv.id, line_id=line.id, description="Calls", quantity="3", unit_price="0.10",
                      tax_rate="20")
    assert inv.total_minor == 5990 + 30 + 1204 and inv.usage_minor == 0
    rules.delete_line(db, staff, inv.id, line.id)
    assert inv.total_minor == 7188


# ---- numbering and issuing ----------------------------------------------------------------------------


def test_issuing_numbers_in_sequence_and_per_year(db):
    account = make_account(db)
    staff = staff_context(db)
    first = make_issued(db, account, staff=staff)
    second = make_issued(db, account, staff=staff)
    assert (first.number, second.number) == ("INV-2026-00001", "INV-2026-00002")
    assert first.issue_date == date(2026, 3, 10) and first.due_date == date(2026, 4, 9)  # 30 days' terms
    clock.freeze(datetime(2027, 1, 2, tzinfo=timezone.utc))
    assert make_issued(db, account, staff=staff).number == "INV-2027-00001"
    s = settings.get_settings_row(db)
    s.number_yearly, s.number_prefix, s.number_digits = False, "F", 6
    assert make_issued(db, account, staff=staff).number == "F000001"
    assert db.get(InvoiceCounter, "all").last_value == 1


def test_a_failed_issue_takes_no_number(db):
    account = make_account(db)
    staff = staff_context(db)
    empty = rules.create_draft(db, staff, account.id)
    db.commit()
    with pytest.raises(DomainError) as err:
        rules.issue_invoice(db, staff, empty.id)
    assert err.value.key == "billing.error.no_lines"
    db.rollback()  # what session_scope does on an error
    assert make_issued(db, account, staff=staff).number == "INV-2026-00001"


def test_issued_invoices_cannot_be_edited_or_issued_again(db):
    account = make_account(db)
    staff = staff_context(db)
    inv = make_issued(db, account, staff=staff)
    for act in (lambda: rules.issue_invoice(db, staff, inv.id),
                lambda: rules.save_line(db, staff, inv.id, line_id=None, description="x", quantity="1",
                                          unit_price="1", tax_rate="0"),
                lambda: rules.update_draft(db, staff, inv.id, currency="EUR", due_date="", notes=""),
                lambda: rules.delete_draft(db, staff, inv.id)):
        with pytest.raises(DomainError) as err:
            act()
        assert err.value.key == "billing.error.not_draft"


def test_issue_keeps_a_later_due_date_and_writes_the_pdf_once(db):
    account = make_account(db, name="Café Müller")
    inv = make_issued(db, account, [("Abonnement été", "1", "1234.50", "20")], due_date="2026-06-01")
    assert inv.due_date == date(2026, 6, 1)
    path = storage.invoices_dir() / inv.pdf_file
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    text = pdf_strings(data)
    assert inv.number in text
    # "€", "é", "ü" inside the page text, and the account's name
    assert "€1,481.40" in text
    assert "Café Müller" in text and "été" in text


def test_issue_sends_the_new_invoice_email_to_billing_contacts_in_their_language(db):
    account = make_account(db, billing_email="compta@example.com")
    fr = make_contact(db, account, portal_role="admin", language="fr")
    de = make_contact(db, account, portal_role="admin", language="de")
    make_contact(db, account, portal_role="admin", language="en", rights=["tickets"])  # no invoices right
    make_contact(db, account, portal_role="member", language="en")  # members never get billing
    make_contact(db, account, portal_role="admin", language="en", active=False)
    staff = staff_context(db)
    inv = make_draft(db, account, staff=staff)
    issued = rules.issue_invoice(db, staff, inv.id)
    assert len(issued.deliveries) == 3
    rows = db.exec(select(OutboundMessage).where(OutboundMessage.template == "new_invoice")).all()
    by_to = {r.recipient: r for r in rows}
    assert set(by_to) == {fr.email, de.email, "compta@example.com"}
    assert by_to[fr.email].language == "fr" and "Nouvelle facture INV-2026-00001" in by_to[fr.email].subject
    assert "120,00\u00a0€" in by_to[fr.email].body_text
    assert by_to[de.email].subject.startswith("Neue Rechnung") and "120,00\u00a0€" in by_to[de.email].body_text
    assert f"/invoice?id={inv.id}" in by_to[fr.email].body_text
    assert by_to["compta@example.com"].language == "en"
    # the PDF is in the first billing contact's language
    assert issued.invoice.language == "fr"


def test_no_email_when_the_business_does_not_offer_billing(db):
    from portal_app.core.business import forget_cached_business, get_business

    row = get_business(db)
    row.modules = ["tickets"]
    forget_cached_business()
    try:
        account = make_account(db)
        make_contact(db, account, portal_role="admin")
        assert make_issued(db, account) is not None
        assert db.exec(select(OutboundMessage).where(OutboundMessage.template == "new_invoice")).all() == []
    finally:
        db.delete(db.get(BusinessSettings, 1))
        forget_cached_business()


# ---- payments, statuses, amount due ---------------------------------------------------------------------


def test_partial_then_full_payment_then_overpayment_becomes_credit(db):
    account, _, ctx = customer(db)
    staff = staff_context(db)
    inv = make_issued(db, account, staff=staff)  # 120.00
    payments.record_manual_payment(db, staff, inv.id, amount="50", received_on="2026-03-10", reference="VIR 1")
    assert (inv.status, inv.paid_minor, amounts.amount_due(inv)) == ("partially_paid", 5000, 7000)
    p = payments.record_manual_payment(db, staff, inv.id, amount="100", received_on="", reference="VIR 2")
    assert (inv.status, inv.paid_minor, amounts.amount_due(inv)) == ("paid", 12000, 0)
    assert p.unallocated_minor == 3000 and payments.account_credit(db, account.id) == {"EUR": 3000}
    # the credit settles the next invoice at issue
    nxt = make_issued(db, account, [("Small", "1", "10", "0")], staff=staff)
    assert (nxt.status, nxt.paid_minor) == ("paid", 1000)
    assert payments.account_credit(db, account.id) == {"EUR": 2000}
    third = make_issued(db, account, [("Big", "1", "50", "0")], staff=staff)
    assert (third.status, amounts.amount_due(third)) == ("partially_paid", 3000)
    assert payments.account_credit(db, account.id) == {}
    summary = customer_views.amount_due_summary(db, ctx)
    assert [(s.currency, s.due, s.overdue, s.open_count) for s in summary] == [("EUR", 3000, 0, 1)]


def test_payment_guards(db):
    account = make_account(db)
    staff = staff_context(db)
    inv = make_issued(db, account, staff=staff)
    for amount, day, key in (("0", "", "billing.error.amount"), ("1.234", "", "billing.error.amount_decimals"),
                             ("10", "2026-03-11", "billing.error.future_date"), ("10", "tomorrow", "billing.error.date")):
        with pytest.raises(DomainError) as err:
            payments.record_manual_payment(db, staff, inv.id, amount=amount, received_on=day, reference="")
        assert err.value.key == key
    draft = make_draft(db, account, staff=staff)
    with pytest.raises(DomainError):
        payments.record_manual_payment(db, staff, draft.id, amount="10", received_on="", reference="")


def test_overdue_is_computed_from_the_due_date(db):
    account, _, ctx = customer(db)
    staff = staff_context(db)
    late = make_issued(db, account, staff=staff, due_date="2026-03-20")
    on_time = make_issued(db, account, [("x", "1", "10", "0")], staff=staff, due_date="2026-05-01")
    assert amounts.display_status(late) == "issued"
    clock.freeze(datetime(2026, 3, 21, tzinfo=timezone.utc))
    assert amounts.display_status(late) == "overdue" and amounts.display_status(on_time) == "issued"
    summary = customer_views.amount_due_summary(db, ctx)[0]
    assert (summary.due, summary.overdue, summary.overdue_count, summary.next_due) == (13000, 12000, 1, date(2026, 5, 1))
    rows, total = customer_views.list_invoices(db, ctx, status="overdue")
    assert [r.id for r in rows] == [late.id] and total == 1
    assert [r.id for r in customer_views.list_invoices(db, ctx, status="issued")[0]] == [on_time.id]
    payments.record_manual_payment(db, staff, late.id, amount="120", received_on="", reference="")
    assert amounts.display_status(late) == "paid"
    assert customer_views.list_invoices(db, ctx, status="overdue")[1] == 0


def test_void_keeps_the_number_and_turns_payments_into_credit(db):
    account, _, ctx = customer(db)
    staff = staff_context(db)
    inv = make_issued(db, account, staff=staff)
    payments.record_manual_payment(db, staff, inv.id, amount="20", received_on="", reference="")
    with pytest.raises(DomainError):
        rules.void_invoice(db, staff, inv.id, "  ")
    rules.void_invoice(db, staff, inv.id, "Wrong customer")
    assert (inv.status, inv.number, inv.paid_minor, amounts.amount_due(inv)) == ("void", "INV-2026-00001", 0, 0)
    assert payments.account_credit(db, account.id) == {"EUR": 2000}
    assert customer_views.amount_due_summary(db, ctx) == []
    assert amounts.display_status(inv) == "void"
    with pytest.raises(DomainError):
        rules.void_invoice(db, staff, inv.id, "again")
    assert make_issued(db, account, staff=staff).number == "INV-2026-00002"  # no gap, no reuse


def test_amount_due_is_per_currency_and_never_negative(db):
    account, _, ctx = customer(db)
    staff = staff_context(db)
    make_issued(db, account, staff=staff)
    usd = make_issued(db, account, [("x", "1", "30", "0")], staff=staff, currency="USD")
    payments.record_manual_payment(db, staff, usd.id, amount="45", received_on="", reference="")
    summary = {s.currency: s.due for s in customer_views.amount_due_summary(db, ctx)}
    assert summary == {"EUR": 12000}  # the USD invoice is paid; its extra is credit, not a negative due
    assert payments.account_credit(db, account.id) == {"USD": 1500}
    plans = payments.pay_plans(db, ctx)
    assert [(p.currency, p.amount) for p in plans] == [("EUR", 12000)]


# ---- what customers see -------------------------------------------------------------------------------


def test_drafts_are_never_visible(db):
    account, _, ctx = customer(db)
    draft = make_draft(db, account)
    assert customer_views.list_invoices(db, ctx) == ([], 0)
    with pytest.raises(NotFound):
        access.get_invoice(db, ctx, draft.id)
    with pytest.raises(NotFound):
        payments.pay_plans(db, ctx, invoice_id=draft.id)
    assert customer_views.amount_due_summary(db, ctx) == [] and customer_views.invoice_years(db, ctx) == []


def test_another_accounts_invoice_is_not_found_and_audited(db):
    account, _, ctx = customer(db)
    other = make_issued(db, make_account(db))
    for call in (lambda: access.get_invoice(db, ctx, other.id), lambda: customer_views.invoice_detail(db, ctx, other.id),
                 lambda: customer_views.invoice_pdf_for_customer(db, ctx, other.id)):
        with pytest.raises(NotFound):
            call()
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "billing.denied")).all()
    assert len(events) == 3 and {e.target_id for e in events} == {other.id}
    assert {e.account_id for e in events} == {account.id}


def test_rights_are_required(db):
    account = make_account(db)
    member = portal_context(db, make_contact(db, account, portal_role="member", rights=["tickets", "invoices"]))
    no_right = portal_context(db, make_contact(db, account, portal_role="admin", rights=["tickets"]))
    make_issued(db, account)
    for ctx in (member, no_right):
        assert not ctx.can("invoices")
        for call in (lambda: customer_views.list_invoices(db, ctx), lambda: customer_views.amount_due_summary(db, ctx),
                     lambda: payments.list_payments(db, ctx), lambda: payments.pay_plans(db, ctx)):
            with pytest.raises(Forbidden):
                call()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "billing.forbidden")).first() is not None


def test_list_filters_pages_and_years_in_the_database(db):
    account, _, ctx = customer(db)
    staff = staff_context(db)
    for day in ("2025-02-01", "2025-06-01", "2026-01-15"):
        clock.freeze(datetime.fromisoformat(day).replace(tzinfo=timezone.utc))
        make_issued(db, account, staff=staff)
    clock.freeze(T0)
    for _ in range(22):
        make_issued(db, account, [("x", "1", "1", "0")], staff=staff)
    rows, total = customer_views.list_invoices(db, ctx)
    assert total == 25 and len(rows) == 20 and rows[0].issue_date == date(2026, 3, 10)
    assert [r.issue_date for r in rows] == sorted((r.issue_date for r in rows), reverse=True)
    assert len(customer_views.list_invoices(db, ctx, page=2)[0]) == 5
    assert customer_views.list_invoices(db, ctx, year=2025)[1] == 2
    assert customer_views.invoice_years(db, ctx) == [2026, 2025]
    assert customer_views.list_invoices(db, ctx, status="paid")[1] == 0
    assert customer_views.list_invoices(db, ctx, status="no-such-status")[1] == 25  # unknown filters filter nothing


def test_consumption_files_follow_the_account_flag(db):
    from portal_app.core.accounts import save_account

    account, _, ctx = customer(db)
    staff = staff_context(db)
    inv = make_issued(db, account, staff=staff)
    f = consumption.attach_consumption_file(db, staff, inv.id, "../../calls march.csv", b"date;number;seconds\n2026-03-01;+33612345678;42\n")
    assert f.filename == "calls march.csv" and f.stored_name.endswith(".csv") and ".." not in f.stored_name
    assert (storage.consumption_dir() / f.stored_name).is_file()
    assert [x.id for x in customer_views.invoice_detail(db, ctx, inv.id).files] == [f.id]
    assert consumption.consumption_counts(db, ctx, [inv.id]) == {inv.id: 1}
    row, path = consumption.consumption_file_for_customer(db, ctx, f.id)
    assert path.read_bytes().startswith(b"date;number")
    save_account(db, staff.actor, account_id=account.id, name=account.name, number=account.number,
                 send_consumption_statements=False)
    assert customer_views.invoice_detail(db, ctx, inv.id).files == []
    assert consumption.consumption_counts(db, ctx, [inv.id]) == {}
    with pytest.raises(NotFound):
        consumption.consumption_file_for_customer(db, ctx, f.id)
    assert consumption.consumption_file_for_staff(db, staff, f.id)[0].id == f.id  # staff still see it


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n" + b"\0" * 20, b"MZ\x90\x00\x03", b"<html><script>alert(1)</script>",
                                  b"PK\x03\x04zip", b"", b"text with a \x00 nul"])
def test_consumption_files_are_checked_by_content(db, data):
    account = make_account(db)
    staff = staff_context(db)
    inv = make_issued(db, account, staff=staff)
    with pytest.raises(DomainError) as err:
        consumption.attach_consumption_file(db, staff, inv.id, "calls.csv", data)
    assert err.value.key == "billing.error.file_type"


def test_pdf_consumption_file_keeps_pdf_type_whatever_its_name(db):
    account = make_account(db)
    staff = staff_context(db)
    inv = make_issued(db, account, staff=staff)
    f = consumption.attach_consumption_file(db, staff, inv.id, "detail.csv", b"%PDF-1.4 fake")
    assert f.content_type == "application/pdf" and f.filename == "detail.pdf"


def test_chart_sums_the_last_twelve_months_in_sql(db):
    account, _, ctx = customer(db)
    staff = staff_context(db)
    for day, price in (("2025-03-05", "999"), ("2025-04-05", "10"), ("2026-02-01", "20"), ("2026-02-20", "5")):
        clock.freeze(datetime.fromisoformat(day).replace(tzinfo=timezone.utc))
        make_issued(db, account, [("x", "1", price, "0"), ("calls", "1", "1", "0", True)], staff=staff)
    clock.freeze(T0)
    currency, months = customer_views.monthly_billed(db, ctx)
    assert currency == "EUR" and len(months) == 12
    assert months[0]["month"] == date(2025, 4, 1) and months[-1]["month"] == date(2026, 3, 1)
    by_month = {m["month"]: (m["billed"], m["usage"]) for m in months}
    assert by_month[date(2025, 4, 1)] == (1100, 100)
    assert by_month[date(2026, 2, 1)] == (2700, 200)
    assert by_month[date(2026, 3, 1)] == (0, 0)


def test_payments_list_and_receipt_access(db):
    account, _, ctx = customer(db)
    staff = staff_context(db)
    inv = make_issued(db, account, staff=staff)
    p = payments.record_manual_payment(db, staff, inv.id, amount="120", received_on="", reference="VIR")
    rows, total, numbers = payments.list_payments(db, ctx)
    assert total == 1 and rows[0].id == p.id and numbers[p.id] == [inv.number]
    assert access.get_payment(db, ctx, p.id).id == p.id
    _, _, other_ctx = customer(db)
    with pytest.raises(NotFound):
        access.get_payment(db, other_ctx, p.id)
    from portal_app.billing.pdf import render_receipt_pdf

    pdf = render_receipt_pdf(db, p, account, payments.payment_lines(db, p.id), "de")
    assert f"R-{p.id:06d}" in pdf_strings(pdf) and inv.number in pdf_strings(pdf)


def test_impersonating_staff_cannot_pay(db):
    from portal_app.core.auth import impersonation, sessions as portal_sessions

    account, contact, _ = customer(db)
    make_issued(db, account)
    from portal_app.core.auth import staff as staff_service
    from tests.factories import staff_session_at_clock

    console = staff_service.resolve(db, staff_session_at_clock(db))  # impersonation needs a live console session
    token = impersonation.start(db, console, contact.id)
    ctx = portal_sessions.resolve_session(db, token)
    assert ctx.impersonating and customer_views.list_invoices(db, ctx)[1] == 1  # staff see what the customer sees
    with pytest.raises(Forbidden) as err:
        payments.check_can_pay(db, ctx)
    assert err.value.key == "impersonation.error.refused"
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "payment.refused_impersonating")).first()


def test_settings_are_validated(db):
    staff = staff_context(db)
    good = dict(default_currency="chf", default_tax_rate="7,7", tax_label="MWST", number_prefix="RE-",
                number_digits="4", number_yearly=False, payment_terms_days="10", issuer_details="Bahnhofstr. 1",
                bank_beneficiary="Acme", bank_iban="CH93 0076 2011 6238 5295 7", bank_bic="ubswchzh80a", bank_name="UBS")
    row = settings.update_settings(db, staff, **good)
    assert (row.default_currency, row.default_tax_rate_bp, row.bank_iban, row.bank_bic) == \
        ("CHF", 770, "CH9300762011623852957", "UBSWCHZH80A")
    for field_, value, key in (("bank_iban", "CH93 0076 2011 6238 5295 8", "billing.error.iban"),
                               ("default_currency", "EURO", "billing.error.currency"),
                               ("number_prefix", "<b>", "billing.error.prefix"),
                               ("number_digits", "12", "billing.error.digits"),
                               ("bank_bic", "XX", "billing.error.bic")):
        with pytest.raises(DomainError) as err:
            settings.update_settings(db, staff, **{**good, field_: value})
        assert err.value.key == key


# ---- import ---------------------------------------------------------------------------------------------


def test_import_creates_issued_invoices_with_their_pdfs_and_is_rerunnable(db):
    account, _, ctx = customer(db)
    staff = staff_context(db)
    csv_data = (f"account_number;number;issue_date;due_date;currency;total;tax;paid;pdf\n"
                f"{account.number};EXT-1;2025-11-30;2025-12-30;EUR;120,00;20,00;120;ext-1.pdf\n"
                f"{account.number};EXT-2;2025-12-31;;EUR;60;10;;\n"
                f"NOPE;EXT-3;2025-12-31;;EUR;60;10;;\n"
                f"{account.number};INV-2026-00009;2025-12-31;;EUR;60;10;;\n"
                f"{account.number};EXT-4;31/12/2025;;EUR;60;10;;\n"
                f"{account.number};EXT-5;2025-12-31;;EUR;60;10;;missing.pdf\n").encode()
    report = billing_import.import_invoices(db, staff, csv_data, {"EXT-1.pdf": b"%PDF-1.4 imported"})
    assert report.created == ["EXT-1", "EXT-2"] and report.skipped == []
    assert [(line, key) for line, key, _ in report.errors] == [
        (4, "billing.import.no_account"), (5, "billing.import.own_prefix"), (6, "billing.import.bad_date"),
        (7, "billing.import.pdf_missing")]
    rows, total = customer_views.list_invoices(db, ctx)
    assert total == 2
    ext1 = next(r for r in rows if r.number == "EXT-1")
    assert (ext1.status, ext1.total_minor, ext1.tax_minor, ext1.source) == ("paid", 12000, 2000, "import")
    assert customer_views.invoice_pdf_for_customer(db, ctx, ext1.id)[1].read_bytes() == b"%PDF-1.4 imported"
    again = billing_import.import_invoices(db, staff, csv_data, {"EXT-1.pdf": b"%PDF-1.4 imported"})
    assert again.created == [] and set(again.skipped) == {"EXT-1", "EXT-2"}
    assert db.exec(select(InvoiceCounter)).all() == []  # imports never touch the sequence
    with pytest.raises(DomainError):
        billing_import.import_invoices(db, staff, b"a,b\n1,2\n", {})


def test_import_from_a_folder(db, tmp_path):
    account = make_account(db)
    staff = staff_context(db)
    (tmp_path / "invoices.csv").write_text(f"account_number,number,issue_date,currency,total,pdf\n"
                                           f"{account.number},OLD-7,2024-05-01,EUR,10,OLD-7.pdf\n")
    (tmp_path / "OLD-7.pdf").write_bytes(b"%PDF-1.7 old")
    report = billing_import.import_folder(db, staff, tmp_path)
    assert report.created == ["OLD-7"] and report.errors == []


def test_new_payment_rows_start_without_credit(db):
    assert Payment(account_id=1, currency="EUR", amount_minor=1, method="card").unallocated_minor == 0


def test_due_date_before_issue_is_replaced_by_the_terms(db):
    account = make_account(db)
    inv = make_issued(db, account, due_date="2026-01-01")
    assert inv.due_date == date(2026, 3, 10) + timedelta(days=30)
