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


def file_rows(f: Formats, files) -> list[FileRow]:
    return [FileRow(x.id, x.filename, f.size(x.size_bytes)) for x in files]


def settlement_rows(f: Formats, payments, currency: str) -> list[SettlementRow]:
    """`payments`: (payment, amount allocated to the invoice) pairs."""
    return [SettlementRow(p.id, f.date((p.received_at or p.created_at).date()), f.money(a, currency), p.method,
                          p.reference) for p, a in payments]
