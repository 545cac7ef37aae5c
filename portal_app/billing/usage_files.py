"""Usage from files: consumption CSVs (`description, quantity, unit_price[, tax_rate]`) become usage lines.

Two ways in. A CSV attached to a draft invoice becomes its lines when staff say so (`rules.add_usage_lines`).
A CSV received for a subscription's billing period (`attach_period_file`) is checked whole when it arrives
and joins that period's invoice when the recurring job issues it (`join_period_files`), once.

Usage is known after the fact, and recurring invoices are issued in advance on their period's date, so a
file is received for a period whose invoice is not issued yet: by default the subscription's next one
(usage of March goes on the invoice of April). A file for a period already invoiced is refused, naming
that invoice and the next period. The file and the job take the same lock, the subscription's row (its
first write; SQLite's write lock): a file either lands before the period is claimed and joins its invoice,
or after, and is refused; never both, never twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from portal_app.billing import alerts
from portal_app.billing.amounts import line_net, parse_money, parse_quantity, parse_rate
from portal_app.billing.models import ConsumptionFile, Invoice, InvoiceLine, PERIOD_MONTHS, Subscription
from portal_app.billing.settings import get_settings_row
from portal_app.billing.storage import CONSUMPTION_MAX_BYTES, consumption_dir, sniff_upload, stored_path
from portal_app.core import audit, clock, notify
from portal_app.core.auth.staff import StaffContext
from portal_app.core.errors import DomainError

USAGE_COLUMNS = ("description", "quantity", "unit_price")  # and tax_rate (%), the default rate when absent
USAGE_CELLS = (*USAGE_COLUMNS, "tax_rate")
USAGE_ERRORS_SHOWN = 20
MAX_ROWS = 200  # an invoice's lines at most (rules.MAX_LINES)
_FINE = ("-", "1", "0", "0")  # a cell that passes, in each column

Values = tuple[str, int, int, int]  # description, quantity in thousandths, unit price in minor units, rate bp


def line_values(currency: str, description: str, quantity: str, unit_price: str, tax_rate: str) -> Values:
    """A line's fields checked."""
    description = description.strip()
    if not description:
        raise DomainError("billing.error.description")
    return (description[:500], parse_quantity(quantity), parse_money(unit_price, currency, allow_negative=True),
            parse_rate(tax_rate))


def csv_values(db: Session, currency: str, data: bytes, room: int = MAX_ROWS) -> list[Values]:
    """Every row of a consumption CSV checked, or a refusal naming each bad row by CSV line and column."""
    from portal_app.billing.imports import read_csv

    rows = read_csv(data)
    if not rows or any(col not in rows[0] for col in USAGE_COLUMNS):
        raise DomainError("billing.usage.columns", columns=", ".join(USAGE_CELLS))
    if len(rows) > room:
        raise DomainError("billing.error.too_many_lines", max=MAX_ROWS)
    default_rate = str(Decimal(get_settings_row(db).default_tax_rate_bp) / 100)
    values, bad = [], []
    for line_no, r in enumerate(rows, start=2):  # line 1 is the header
        cells = [r.get(c, "") for c in USAGE_COLUMNS] + [r.get("tax_rate", "") or default_rate]
        try:
            values.append(line_values(currency, *cells))
        except DomainError:
            column = _first_bad_column(currency, cells)
            bad.append(f"{line_no}: {column} “{cells[USAGE_CELLS.index(column)][:30]}”")
    if bad:
        more = len(bad) - USAGE_ERRORS_SHOWN
        raise DomainError("billing.usage.bad_rows", count=len(bad),
                          rows="; ".join(bad[:USAGE_ERRORS_SHOWN]) + (f"; … (+{more})" if more > 0 else ""))
    return values


def _first_bad_column(currency: str, cells: list[str]) -> str:
    """The first column whose cell alone makes the row wrong."""
    for i, column in enumerate(USAGE_CELLS):
        try:
            line_values(currency, *(cells[j] if j == i else _FINE[j] for j in range(len(USAGE_CELLS))))
        except DomainError:
            return column
    return USAGE_CELLS[0]


def add_lines(db: Session, invoice_id: int, values: list[Values], first_position: int) -> None:
    for i, (description, qty, price, rate) in enumerate(values, start=first_position):
        db.add(InvoiceLine(invoice_id=invoice_id, position=i, description=description, quantity_milli=qty,
                           unit_price_minor=price, tax_rate_bp=rate, net_minor=line_net(qty, price), is_usage=True))
    db.flush()


def file_data(row: ConsumptionFile) -> bytes:
    path = stored_path(consumption_dir(), row.stored_name)
    if path is None or not path.is_file():
        raise DomainError("billing.usage.file_missing", name=row.filename)
    return path.read_bytes()


# ---- files for a subscription's billing period -----------------------------------------------------------


def lock_subscription(db: Session, subscription_id) -> Subscription:
    """The subscription, its row locked for this transaction (the first write: PostgreSQL's row lock,
    SQLite's write lock), read again under the lock. The recurring job's claim takes the same lock."""
    from portal_app.billing.subscriptions import subscription_row

    sub = subscription_row(db, subscription_id)
    db.exec(sa.update(Subscription).where(Subscription.id == sub.id).values(updated_at=clock.now())
            .execution_options(synchronize_session=False))
    db.refresh(sub)
    return sub


def period_index(sub: Subscription, on: date) -> int | None:
    """n when `on` is the date of the subscription's period n, else None."""
    from portal_app.billing.subscriptions import period_date

    months = (on.year - sub.start_date.year) * 12 + on.month - sub.start_date.month
    n, rest = divmod(months, PERIOD_MONTHS[sub.period])
    return n if n >= 0 and not rest and period_date(sub.start_date, sub.period, n) == on else None


def attach_period_file(db: Session, staff: StaffContext, subscription_id, period: str, filename: str,
                       data: bytes) -> tuple[ConsumptionFile, list[notify.Delivery]]:
    """Receive a consumption CSV for the subscription's billing period starting on `period` (ISO date).

    Checked whole now (every row or none), kept, and counted by the account's usage alerts at once (the
    deliveries are the alerts it fired, to dispatch after the commit). Its lines join the period's invoice
    when the recurring job issues it."""
    from portal_app.billing.consumption import store_file

    try:
        on = date.fromisoformat(str(period).strip())
    except ValueError:
        raise DomainError("billing.error.date") from None
    sub = lock_subscription(db, subscription_id)
    n = period_index(sub, on)
    if n is None:
        raise DomainError("billing.usage.not_a_period", next=sub.next_date.isoformat())
    if n < sub.periods_billed:
        inv = db.exec(select(Invoice).where(Invoice.subscription_id == sub.id, Invoice.subscription_period == on)).first()
        raise DomainError("billing.usage.period_issued", period=on.isoformat(), number=inv.number if inv else "-",
                          next=sub.next_date.isoformat())
    if not sub.active:
        raise DomainError("billing.error.subscription_ended")
    if len(data) > CONSUMPTION_MAX_BYTES:
        raise DomainError("billing.error.file_too_large", max_mb=CONSUMPTION_MAX_BYTES // (1024 * 1024))
    if sniff_upload(data)[1] != "text/csv":
        raise DomainError("billing.usage.not_csv")
    values = csv_values(db, sub.currency, data)  # refused whole before anything is stored
    row = store_file(db, staff, filename, data, account_id=sub.account_id, subscription_id=sub.id, period=on,
                     usage_minor=sum(line_net(q, p) for _, q, p, _ in values))
    audit.record(db, staff.actor, "consumption.receive", target_type="consumption_file", target_id=row.id,
                 account_id=sub.account_id, subscription_id=sub.id, period=on.isoformat(), lines=len(values),
                 usage=row.usage_minor)
    return row, alerts.check_consumption(db, row, sub.currency)


def waiting_files(db: Session, subscription_id: int, period: date) -> list[ConsumptionFile]:
    return list(db.exec(select(ConsumptionFile).where(ConsumptionFile.subscription_id == subscription_id,
                                                      ConsumptionFile.period == period,
                                                      ConsumptionFile.lines_added_at.is_(None))
                        .order_by(ConsumptionFile.id)).all())


def join_period_files(db: Session, sub: Subscription, period: date, inv: Invoice, position: int) -> int:
    """Under the job's claim of the period: the period's waiting files become usage lines of its (draft)
    invoice and are attached to it, each once (a conditional UPDATE marks it). Returns the last position."""
    for row in waiting_files(db, sub.id, period):
        values = csv_values(db, sub.currency, file_data(row))
        took = db.exec(sa.update(ConsumptionFile).where(ConsumptionFile.id == row.id,
                                                        ConsumptionFile.lines_added_at.is_(None))
                       .values(lines_added_at=clock.now(), invoice_id=inv.id)
                       .execution_options(synchronize_session=False))
        if took.rowcount != 1:
            continue
        db.refresh(row)
        add_lines(db, inv.id, values, position + 1)
        position += len(values)
        audit.record(db, audit.SYSTEM, "consumption.lines_added", target_type="consumption_file", target_id=row.id,
                     account_id=inv.account_id, invoice_id=inv.id, lines=len(values))
    return position


def period_files(db: Session, subscription_id) -> list[ConsumptionFile]:
    """The files received for a subscription's periods, newest period first (the console's list)."""
    return list(db.exec(select(ConsumptionFile).where(ConsumptionFile.subscription_id == subscription_id)
                        .order_by(ConsumptionFile.period.desc(), ConsumptionFile.id)).all())
