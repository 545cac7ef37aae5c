"""What billing pages show: small typed rows of display values, and the formatting (money, dates,
quantities, rates, sizes) in the reader's language that fills them. Customer and console alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal

from portal_app.core import i18n


@dataclass(frozen=True)
class Formats:
    """Display values in one language."""

    lang: str

    def money(self, minor: int, currency: str) -> str:
        return i18n.format_money(minor, currency, self.lang)

    def date(self, value: date | None) -> str:
        return i18n.format_date(value, self.lang) if value else ""

    def rate(self, bp: int) -> str:
        return f"{format_decimal(bp / 100, format='#,##0.##', locale=self.lang)} %"

    def quantity(self, milli: int) -> str:
        return format_decimal(Decimal(milli) / 1000, format="#,##0.###", locale=self.lang)

    def size(self, n: int) -> str:
        if n < 1024:
            return f"{n} B"
        if n < 1024 * 1024:
            return f"{format_decimal(n / 1024, format='#,##0', locale=self.lang)} KB"
        return f"{format_decimal(n / 1024 / 1024, format='#,##0.#', locale=self.lang)} MB"


@dataclass(frozen=True)
class InvoiceRow:
    """A line of the customer's invoices list."""

    id: int
    number: str
    issue_date: str
    due_date: str
    total: str
    due: str
    status: str
    pdf: bool
    files: int
    credit_notes: str = ""  # the numbers of the credit notes against it, comma separated


@dataclass(frozen=True)
class AdminInvoiceRow:
    """A line of the console's invoices list."""

    id: int
    number: str
    account: str
    account_number: str
    status: str
    issue_date: str
    due_date: str
    total: str
    due: str


@dataclass(frozen=True)
class LineRow:
    """One invoice line."""

    id: int
    description: str
    quantity: str
    unit_price: str
    rate: str
    amount: str
    usage: bool


@dataclass(frozen=True)
class TaxRow:
    label: str
    net: str
    tax: str


@dataclass(frozen=True)
class FileRow:
    """A consumption file of an invoice."""

    id: int
    name: str
    size: str
    can_add_lines: bool = False  # a CSV whose rows are not yet usage lines of its draft invoice


@dataclass(frozen=True)
class SettlementRow:
    """A payment as one invoice saw it: the part of it that settled this invoice."""

    id: int
    date: str
    amount: str
    method: str
    reference: str


@dataclass(frozen=True)
class PaymentRow:
    """A line of the customer's payments list."""

    id: int
    date: str
    amount: str
    method: str
    invoices: str
    reference: str
    receipt: str
    refunds: str = ""


@dataclass(frozen=True)
class AdminPaymentRow:
    """A line of the console's payments list."""

    id: int
    account: str
    status: str
    method: str
    date: str
    amount: str
    credit: str
    invoices: str
    reference: str
    refunds: str = ""  # "€20.00 refunded, €100.00 refund pending"
    can_refund: bool = False


@dataclass(frozen=True)
class PlanRow:
    """Something the customer can pay now: one invoice, or everything due in one currency."""

    target: str
    amount: str
    currency: str
    count: int
    numbers: str
    reference: str


@dataclass(frozen=True)
class DueRow:
    """The home card's amount due in one currency."""

    currency: str
    due: str
    overdue: str
    overdue_count: int
    open_count: int
    next_due: str


def line_rows(f: Formats, lines, currency: str) -> list[LineRow]:
    return [LineRow(li.id, li.description, f.quantity(li.quantity_milli), f.money(li.unit_price_minor, currency),
                    f.rate(li.tax_rate_bp), f.money(li.net_minor, currency), li.is_usage) for li in lines]


def file_rows(f: Formats, files, draft: bool = False) -> list[FileRow]:
    return [FileRow(x.id, x.filename, f.size(x.size_bytes),
                    draft and x.content_type == "text/csv" and x.lines_added_at is None) for x in files]


def settlement_rows(f: Formats, payments, currency: str) -> list[SettlementRow]:
    """`payments`: (payment, amount allocated to the invoice) pairs."""
    return [SettlementRow(p.id, f.date((p.received_at or p.created_at).date()), f.money(a, currency), p.method,
                          p.reference) for p, a in payments]


@dataclass(frozen=True)
class InvoiceView:
    """One invoice's display values: the customer's invoice page and the console's editor alike."""

    id: int = 0
    number: str = ""
    status: str = ""
    issue_date: str = ""
    due_date: str = ""
    subtotal: str = ""
    tax: str = ""
    total: str = ""
    paid: str = ""
    due: str = ""
    has_pdf: bool = False
    notes: str = ""
    void_reason: str = ""
    credited: str = ""  # the credit notes' total, "" when none


@dataclass(frozen=True)
class CreditNoteRow:
    """A credit note beside its invoice (customer and console)."""

    id: int
    number: str
    date: str
    total: str
    reason: str


def credit_note_rows(f: Formats, notes) -> list[CreditNoteRow]:
    return [CreditNoteRow(n.id, n.number, f.date(n.issue_date), f.money(n.total_minor, n.currency), n.reason)
            for n in notes]


@dataclass(frozen=True)
class CreditLineRow:
    """An invoice line in the console's credit-note dialog: what remains creditable of it."""

    id: int
    description: str
    remaining: str  # for reading
    max_quantity: str  # as staff type it


def invoice_view(f: Formats, inv, status: str, due: int) -> InvoiceView:
    """`status`: the status the reader sees (overdue included); `due`: what is left to pay, minor units."""
    cur = inv.currency
    return InvoiceView(inv.id, inv.number or "", status, f.date(inv.issue_date), f.date(inv.due_date),
                       f.money(inv.subtotal_minor, cur), f.money(inv.tax_minor, cur), f.money(inv.total_minor, cur),
                       f.money(inv.paid_minor, cur), f.money(due, cur), bool(inv.pdf_file), inv.notes,
                       inv.void_reason, f.money(inv.credited_minor, cur) if inv.credited_minor else "")


@dataclass(frozen=True)
class LineForm:
    """The console's line form: a new line (`id` 0), or the values of the one being edited as staff type them."""

    id: int = 0
    description: str = ""
    quantity: str = "1"
    price: str = ""
    rate: str = ""
    usage: bool = False


@dataclass(frozen=True)
class BankDetails:
    """Where customers pay by transfer (the IBAN grouped by four)."""

    beneficiary: str = ""
    iban: str = ""
    bic: str = ""
    bank: str = ""


@dataclass(frozen=True)
class SettingsForm:
    """The billing settings form's values, as staff type them."""

    default_currency: str = "EUR"
    default_tax_rate: str = ""
    tax_label: str = ""
    number_prefix: str = ""
    credit_note_prefix: str = "CN-"
    number_digits: str = "5"
    number_yearly: bool = True
    payment_terms_days: str = "30"
    issuer_details: str = ""
    bank_beneficiary: str = ""
    bank_iban: str = ""
    bank_bic: str = ""
    bank_name: str = ""
    seller_legal_id: str = ""
    seller_legal_scheme: str = ""
    seller_vat_number: str = ""
    seller_street: str = ""
    seller_postcode: str = ""
    seller_city: str = ""
    seller_country: str = ""
    payment_means_code: str = "58"


def plain_rate(bp: int) -> str:
    """A tax rate as staff type it ("20", "5.5")."""
    return str(bp / 100).rstrip("0").rstrip(".")


def settings_form(s, iban: str) -> SettingsForm:
    """`s`: the settings row; `iban`: its IBAN as shown (grouped)."""
    return SettingsForm(s.default_currency, plain_rate(s.default_tax_rate_bp), s.tax_label, s.number_prefix,
                        s.credit_note_prefix, str(s.number_digits), s.number_yearly, str(s.payment_terms_days), s.issuer_details,
                        s.bank_beneficiary, iban, s.bank_bic, s.bank_name, s.seller_legal_id, s.seller_legal_scheme,
                        s.seller_vat_number, s.seller_street, s.seller_postcode, s.seller_city, s.seller_country,
                        s.payment_means_code)


@dataclass(frozen=True)
class PeriodOption:
    """A billing period a consumption file can be received for: its start date (ISO) and its label."""

    value: str
    label: str


@dataclass(frozen=True)
class UsageFileRow:
    """A consumption file received for a subscription's period: waiting, or on its invoice."""

    id: int
    name: str
    period: str
    usage: str
    invoice: str  # the invoice's number once issued with it, "" while it waits


@dataclass(frozen=True)
class SubscriptionRow:
    """A recurring bill in the console's list, or on the customer's invoices page."""

    id: int
    account: str
    name: str
    period: str
    next_date: str
    amount: str  # net per period
    active: bool


@dataclass(frozen=True)
class SubscriptionLineForm:
    """One line of the subscription editor, as staff type it (blank rows are ignored)."""

    index: int
    description: str = ""
    quantity: str = "1"
    price: str = ""
    rate: str = ""


def refund_summary(made, f: "Formats", lang: str) -> str:
    """A payment's refunds in one line: what was refunded, what is pending (failed ones are left out)."""
    parts = []
    for status, key in (("succeeded", "billing.refunded_amount"), ("pending", "billing.refund_pending_amount")):
        total = sum(r.amount_minor for r in made if r.status == status)
        if total:
            parts.append(i18n.t(lang, key, amount=f.money(total, made[0].currency)))
    return ", ".join(parts)


@dataclass(frozen=True)
class AlertRow:
    """One of the account's usage alerts."""

    id: int
    kind: str  # invoice_total | period_usage
    amount: str
    fired_period: str
