"""What a customer sees of their invoices: the list and its years, one invoice, its PDF, the home page's
amount due and 12 months billed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, func, select

from portal_app.billing.access import get_invoice, lines_of, require_billing
from portal_app.billing.amounts import (CUSTOMER_STATUS_FILTERS, PAGE_SIZE, amount_due, display_status, due_expr,
                                        status_condition, today)
from portal_app.billing.consumption import consumption_allowed, files_of
from portal_app.billing.models import (ConsumptionFile, CreditNote, DRAFT, ISSUED, Invoice, InvoiceLine, OPEN_STATUSES,
                                       PAID, PARTIALLY_PAID, Payment, VOID)
from portal_app.billing.payments import payments_of
from portal_app.billing.storage import invoices_dir, stored_path
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.errors import NotFound

# What a list row shows: plain rows (attribute access like an Invoice), no ORM objects to build.
_LIST_COLUMNS = (Invoice.id, Invoice.number, Invoice.status, Invoice.currency, Invoice.issue_date, Invoice.due_date,
                 Invoice.subtotal_minor, Invoice.tax_minor, Invoice.total_minor, Invoice.paid_minor, Invoice.credited_minor,
                 Invoice.pdf_file,
                 Invoice.source)


def list_invoices(db: Session, ctx: PortalContext, *, status: str = "", year: int | None = None, page: int = 1,
                  page_size: int = PAGE_SIZE) -> tuple[list, int]:
    """A page of the account's issued invoices (rows with the list's columns), newest first, filtered
    in the database."""
    require_billing(db, ctx)
    status = status if status in CUSTOMER_STATUS_FILTERS else ""
    count, rows = _list_statements(status, bool(year))
    params = {"account_id": ctx.account_id, "today": today(), "offset": (max(page, 1) - 1) * page_size,
              "limit": page_size}
    if year:
        params.update(year_start=date(year, 1, 1), year_end=date(year + 1, 1, 1))
    total = db.exec(count, params=params).one()
    return list(db.exec(rows, params=params).all()), int(total)


@lru_cache(maxsize=32)
def _list_statements(status: str, by_year: bool):
    """The list's count and page statements for one filter combination, built once (building a
    statement costs about as much as SQLite takes to run it)."""
    conds = [Invoice.account_id == sa.bindparam("account_id"), Invoice.issue_date.is_not(None),
             Invoice.status != DRAFT]
    if status:
        conds.append(status_condition(status, sa.bindparam("today", type_=sa.Date)))
    if by_year:
        conds += [Invoice.issue_date >= sa.bindparam("year_start", type_=sa.Date),
                  Invoice.issue_date < sa.bindparam("year_end", type_=sa.Date)]
    count = select(func.count()).select_from(Invoice).where(*conds)
    rows = (select(*_LIST_COLUMNS).where(*conds).order_by(Invoice.issue_date.desc(), Invoice.id.desc())
            .offset(sa.bindparam("offset")).limit(sa.bindparam("limit")))
    return count, rows


def invoice_years(db: Session, ctx: PortalContext) -> list[int]:
    """Years from the newest to the oldest invoice (index look-ups at both ends, whatever the volume)."""
    require_billing(db, ctx)
    first_q, last_q = _years_statements()
    first = db.exec(first_q, params={"account_id": ctx.account_id}).one()
    last = db.exec(last_q, params={"account_id": ctx.account_id}).one()
    if isinstance(first, str):
        first, last = date.fromisoformat(first), date.fromisoformat(last)
    if first is None or last is None:
        return []
    return list(range(last.year, first.year - 1, -1))


@lru_cache(maxsize=1)
def _years_statements():
    # Two statements: SQLite answers a lone min() or max() from the index's ends, but not both at once.
    account = Invoice.account_id == sa.bindparam("account_id")
    return select(func.min(Invoice.issue_date)).where(account), select(func.max(Invoice.issue_date)).where(account)


@dataclass
class InvoiceDetail:
    invoice: Invoice
    lines: list[InvoiceLine]
    files: list[ConsumptionFile]
    payments: list[tuple[Payment, int]]
    status: str
    due: int
    credit_notes: list[CreditNote]


def invoice_detail(db: Session, ctx: PortalContext, invoice_id) -> InvoiceDetail:
    inv = get_invoice(db, ctx, invoice_id)
    files = files_of(db, inv.id) if consumption_allowed(db, ctx) else []
    payments = [(p, a) for p, a in payments_of(db, inv.id) if p.status == "succeeded"]
    notes = list(db.exec(select(CreditNote).where(CreditNote.invoice_id == inv.id,
                                                  CreditNote.account_id == ctx.account_id)
                         .order_by(CreditNote.id)).all())
    return InvoiceDetail(inv, lines_of(db, inv.id), files, payments, display_status(inv), amount_due(inv), notes)


def invoice_pdf_for_customer(db: Session, ctx: PortalContext, invoice_id, client_ip: str = "") -> tuple[Invoice, Path]:
    inv = get_invoice(db, ctx, invoice_id, client_ip)
    path = stored_path(invoices_dir(), inv.pdf_file)
    if path is None:
        raise NotFound()
    return inv, path


@dataclass(frozen=True)
class DueSummary:
    currency: str
    due: int
    overdue: int
    open_count: int
    overdue_count: int
    next_due: date | None


@lru_cache(maxsize=1)
def _due_statement():
    on = sa.bindparam("today", type_=sa.Date)
    due = due_expr()
    late = Invoice.due_date < on
    return (select(Invoice.currency, func.sum(due), func.sum(sa.case((late, due), else_=0)), func.count(),
                   func.sum(sa.case((late, 1), else_=0)),
                   func.min(sa.case((Invoice.due_date >= on, Invoice.due_date))))
            .where(Invoice.account_id == sa.bindparam("account_id"), Invoice.status.in_(OPEN_STATUSES))
            .group_by(Invoice.currency))


def amount_due_summary(db: Session, ctx: PortalContext) -> list[DueSummary]:
    """Total still owed, overdue part and next due date, per currency: one aggregate query over the
    account's open invoices (index on account, status, due date), no rows loaded."""
    require_billing(db, ctx)
    rows = db.exec(_due_statement(), params={"account_id": ctx.account_id, "today": today()}).all()
    out = []
    for cur, total, overdue, n, n_late, next_due in rows:
        if isinstance(next_due, str):  # SQLite hands a CASE'd date back as text
            next_due = date.fromisoformat(next_due)
        out.append(DueSummary(cur, int(total or 0), int(overdue or 0), int(n), int(n_late or 0), next_due))
    return sorted(out, key=lambda s: -s.due)


@lru_cache(maxsize=1)
def _monthly_statement():
    return (select(Invoice.issue_date, Invoice.currency, func.sum(Invoice.total_minor), func.sum(Invoice.usage_minor))
            .where(Invoice.account_id == sa.bindparam("account_id"),
                   Invoice.issue_date >= sa.bindparam("start", type_=sa.Date),
                   Invoice.status.in_((ISSUED, PARTIALLY_PAID, PAID)))
            .group_by(Invoice.issue_date, Invoice.currency))


@lru_cache(maxsize=1)
def _monthly_credit_statement():
    """The credit notes of invoices still counted (not void: a void invoice is left out whole) count
    against the month they were issued in, as negative billed and usage."""
    return (select(CreditNote.issue_date, CreditNote.currency, -func.sum(CreditNote.total_minor),
                   -func.sum(CreditNote.usage_minor))
            .join(Invoice, Invoice.id == CreditNote.invoice_id)
            .where(CreditNote.account_id == sa.bindparam("account_id"),
                   CreditNote.issue_date >= sa.bindparam("start", type_=sa.Date), Invoice.status != VOID)
            .group_by(CreditNote.issue_date, CreditNote.currency))


def monthly_billed(db: Session, ctx: PortalContext, months: int = 12) -> tuple[str, list[dict]]:
    """(currency, [{month: date, billed: minor, usage: minor}]) for the last `months` months, oldest
    first, in the currency the account is mostly billed in. Summed in SQL per day and currency (at
    most a few hundred rows, read in index order), then per month here."""
    require_billing(db, ctx)
    on = today()
    y, m = on.year, on.month - (months - 1)
    while m <= 0:
        y, m = y - 1, m + 12
    start = date(y, m, 1)
    params = {"account_id": ctx.account_id, "start": start}
    rows = list(db.exec(_monthly_statement(), params=params).all())
    rows += list(db.exec(_monthly_credit_statement(), params=params).all())
    if not rows:
        return "", []
    per_currency: dict[str, int] = {}
    found: dict[tuple[str, int, int], list[int]] = {}
    for day, cur, total, usage in rows:
        if isinstance(day, str):
            day = date.fromisoformat(day)
        per_currency[cur] = per_currency.get(cur, 0) + int(total or 0)
        slot = found.setdefault((cur, day.year, day.month), [0, 0])
        slot[0] += int(total or 0)
        slot[1] += int(usage or 0)
    currency = max(per_currency, key=per_currency.get)
    out = []
    yy, mm = start.year, start.month
    for _ in range(months):
        billed, usage = found.get((currency, yy, mm), (0, 0))
        out.append({"month": date(yy, mm, 1), "billed": billed, "usage": usage})
        yy, mm = (yy + 1, 1) if mm == 12 else (yy, mm + 1)
    return currency, out
