"""Billing's vocabulary: ids from outside, today, amounts and numbers typed by people, an invoice's
totals, what is still due and the status it shows.

Money is integer minor units of the invoice's currency. Status "overdue" is never stored: an open
invoice (issued or partially paid) whose due date has passed is overdue, computed in SQL from the
due date when read. Storing it would need a job to flip rows at midnight and would be wrong
between runs; computing it is one indexed comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation, ROUND_HALF_UP

import sqlalchemy as sa

from portal_app.billing.models import DRAFT, ISSUED, Invoice, InvoiceLine, OPEN_STATUSES, PAID, PARTIALLY_PAID, VOID
from portal_app.core import clock
from portal_app.core.errors import DomainError
from portal_app.core.i18n import currency_precision

MODULE = "invoices"
PAGE_SIZE = 20
CUSTOMER_STATUS_FILTERS = ("", "unpaid", ISSUED, PARTIALLY_PAID, "overdue", PAID, VOID)
STAFF_STATUS_FILTERS = ("", DRAFT, "unpaid", ISSUED, PARTIALLY_PAID, "overdue", PAID, VOID)


def today() -> date:
    """The billing calendar's today (UTC): due dates are compared with it."""
    return clock.now().date()


MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL: anything larger is nothing, not an error


def as_id(value) -> int | None:
    """An id from the outside world (URL, handler argument), or None when it cannot be one."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _decimal(text: str, key: str) -> Decimal:
    """A number typed by a person: "1 234,56", "1,234.56", "1234.56" or "-12"."""
    raw = re.sub(r"[\s\u00a0\u202f']", "", str(text or ""))
    if not raw:
        raise DomainError(key)
    if "," in raw and "." in raw:  # the last separator is the decimal one
        if raw.rfind(",") > raw.rfind("."):
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
    else:
        raw = raw.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", raw):
        raise DomainError(key)
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise DomainError(key) from None


def parse_money(text: str, currency: str, *, allow_negative: bool = False) -> int:
    """Minor units of `currency`; more decimals than the currency has is an error, not a rounding."""
    value = _decimal(text, "billing.error.amount")
    places = currency_precision(currency)
    minor = value.scaleb(places)
    if minor != minor.to_integral_value():
        raise DomainError("billing.error.amount_decimals", places=places)
    if (minor < 0 and not allow_negative) or abs(minor) >= 10**13:
        raise DomainError("billing.error.amount")
    return int(minor)


def parse_quantity(text: str) -> int:
    value = _decimal(text, "billing.error.quantity")
    milli = value * 1000
    if milli != milli.to_integral_value() or milli <= 0 or milli >= 10**9:
        raise DomainError("billing.error.quantity")
    return int(milli)


def parse_rate(text: str) -> int:
    """A percentage with at most two decimals, as basis points (5.5 → 550)."""
    value = _decimal(text if str(text).strip() else "0", "billing.error.tax_rate")
    bp = value * 100
    if bp != bp.to_integral_value() or not 0 <= bp <= 10000:
        raise DomainError("billing.error.tax_rate")
    return int(bp)


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_net(quantity_milli: int, unit_price_minor: int) -> int:
    return _round_half_up(Decimal(quantity_milli) * Decimal(unit_price_minor) / 1000)


@dataclass(frozen=True)
class Totals:
    subtotal: int
    tax: int
    total: int
    usage: int
    breakdown: list[dict]


def compute_totals(lines: list[InvoiceLine]) -> Totals:
    """Tax is computed once per rate on the sum of that rate's lines, rounded half up: rounding
    line by line would let a long invoice drift by a cent per line."""
    by_rate: dict[int, int] = {}
    usage = 0
    for line in lines:
        by_rate[line.tax_rate_bp] = by_rate.get(line.tax_rate_bp, 0) + line.net_minor
        if line.is_usage:
            usage += line.net_minor
    breakdown = [{"rate_bp": rate, "net": net, "tax": _round_half_up(Decimal(net) * rate / 10000)}
                 for rate, net in sorted(by_rate.items())]
    subtotal = sum(b["net"] for b in breakdown)
    tax = sum(b["tax"] for b in breakdown)
    return Totals(subtotal, tax, subtotal + tax, usage, breakdown)


def amount_due(inv: Invoice) -> int:
    """What is still owed on an invoice: total less payments and credit notes; never negative
    (over-payments are credit), nothing on void."""
    if inv.status in (DRAFT, VOID):
        return 0
    return max(inv.total_minor - inv.paid_minor - (inv.credited_minor or 0), 0)


def display_status(inv: Invoice, on: date | None = None) -> str:
    if inv.status in OPEN_STATUSES and inv.due_date is not None and inv.due_date < (on or today()) \
            and amount_due(inv) > 0:
        return "overdue"
    return inv.status


def due_expr():
    owed = Invoice.total_minor - Invoice.paid_minor - Invoice.credited_minor
    return sa.case((owed > 0, owed), else_=0)


def status_condition(status: str, on: date):
    not_late = sa.or_(Invoice.due_date.is_(None), Invoice.due_date >= on)
    return {
        "unpaid": Invoice.status.in_(OPEN_STATUSES),
        "overdue": sa.and_(Invoice.status.in_(OPEN_STATUSES), Invoice.due_date < on),
        ISSUED: sa.and_(Invoice.status == ISSUED, not_late),
        PARTIALLY_PAID: sa.and_(Invoice.status == PARTIALLY_PAID, not_late),
        PAID: Invoice.status == PAID,
        VOID: Invoice.status == VOID,
        DRAFT: Invoice.status == DRAFT,
    }.get(status)
