"""Payments and credit: settling invoices, manual payments, account credit, the payment lists, and what a
customer is about to pay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, func, select

from portal_app.billing.access import get_invoice, invoice_row, require_billing
from portal_app.billing.amounts import PAGE_SIZE, amount_due, parse_money, today
from portal_app.billing.models import (ISSUED, Invoice, OPEN_STATUSES, PAID, PARTIALLY_PAID, Payment,
                                       PaymentAllocation, VOID)
from portal_app.core import audit, clock
from portal_app.core.auth.sessions import PortalContext, refuse_when_impersonating
from portal_app.core.auth.staff import StaffContext
from portal_app.core.errors import DomainError
from portal_app.core.models.accounts import Account


def refresh_paid(db: Session, inv: Invoice) -> None:
    paid = db.exec(select(func.coalesce(func.sum(PaymentAllocation.amount_minor), 0))
                   .where(PaymentAllocation.invoice_id == inv.id)).one()
    inv.paid_minor = int(paid)
    if inv.status != VOID:
        owed = inv.total_minor - (inv.credited_minor or 0)
        inv.status = PAID if inv.paid_minor >= owed else PARTIALLY_PAID if inv.paid_minor > 0 else ISSUED
    db.add(inv)


def allocate(db: Session, payment: Payment, invoices: list[Invoice], amount: int) -> int:
    """Settle `invoices` in order from `amount` of `payment`, each up to what it still owes; returns
    the rest (credit). Invoices in another currency or void are skipped."""
    left = amount
    for inv in invoices:
        if left <= 0:
            break
        if inv.currency != payment.currency or inv.account_id != payment.account_id:
            continue
        owed = amount_due(inv)
        if owed <= 0:
            continue
        part = min(owed, left)
        db.add(PaymentAllocation(payment_id=payment.id, invoice_id=inv.id, amount_minor=part, created_at=clock.now()))
        db.flush()
        refresh_paid(db, inv)
        left -= part
    return left


def take_back(db: Session, allocations: list[PaymentAllocation], amount: int) -> list[tuple[PaymentAllocation, int]]:
    """Undo up to `amount` of these allocations in their order (each shrunk, or deleted when taken whole);
    returns (allocation, part taken). The caller says where the money goes."""
    taken = []
    for alloc in allocations:
        if amount <= 0:
            break
        part = min(alloc.amount_minor, amount)
        taken.append((alloc, part))
        if part == alloc.amount_minor:
            db.delete(alloc)
        else:
            alloc.amount_minor -= part
            db.add(alloc)
        amount -= part
    db.flush()
    return taken


def apply_credit(db: Session, inv: Invoice) -> None:
    """Credit left from earlier over-payments settles a new invoice of the same currency."""
    payments = db.exec(select(Payment).where(Payment.account_id == inv.account_id, Payment.unallocated_minor > 0,
                                             Payment.status == "succeeded", Payment.currency == inv.currency)
                       .order_by(Payment.id)).all()
    for p in payments:
        if amount_due(inv) <= 0:
            break
        p.unallocated_minor = allocate(db, p, [inv], p.unallocated_minor)
        db.add(p)
    db.flush()


def record_manual_payment(db: Session, staff: StaffContext, invoice_id: int, *, amount: str, received_on: str,
                          reference: str) -> Payment:
    """A bank transfer seen on the statement: settles this invoice; anything above what it owes is credit."""
    inv = invoice_row(db, invoice_id)
    if inv.status not in OPEN_STATUSES and inv.status != PAID:
        raise DomainError("billing.error.not_payable")
    minor = parse_money(amount, inv.currency)
    if minor <= 0:
        raise DomainError("billing.error.amount")
    try:
        day = date.fromisoformat(received_on.strip()) if received_on.strip() else today()
    except ValueError:
        raise DomainError("billing.error.date") from None
    if day > today():
        raise DomainError("billing.error.future_date")
    received = datetime(day.year, day.month, day.day, 12, tzinfo=clock.now().tzinfo)
    p = Payment(account_id=inv.account_id, currency=inv.currency, amount_minor=minor, method="bank_transfer",
                status="succeeded", provider="manual", reference=reference.strip()[:200], invoice_ids=[inv.id],
                created_at=clock.now(), received_at=received, recorded_by_staff_id=staff.staff_id)
    db.add(p)
    db.flush()
    p.unallocated_minor = allocate(db, p, [inv], minor)
    db.add(p)
    db.flush()
    audit.record(db, staff.actor, "payment.manual", target_type="payment", target_id=p.id, account_id=inv.account_id,
                 invoice_id=inv.id, amount=minor, currency=inv.currency)
    return p


@lru_cache(maxsize=1)
def _credit_statement():
    return (select(Payment.currency, func.sum(Payment.unallocated_minor))
            .where(Payment.account_id == sa.bindparam("account_id"), Payment.unallocated_minor > 0,
                   Payment.status == "succeeded")
            .group_by(Payment.currency))


def account_credit(db: Session, account_id: int) -> dict[str, int]:
    rows = db.exec(_credit_statement(), params={"account_id": account_id}).all()
    return {cur: int(total) for cur, total in rows if total}


def payments_of(db: Session, invoice_id: int) -> list[tuple[Payment, int]]:
    """(payment, amount allocated to this invoice), oldest first."""
    rows = db.exec(select(Payment, PaymentAllocation.amount_minor)
                   .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
                   .where(PaymentAllocation.invoice_id == invoice_id).order_by(Payment.id)).all()
    return [(p, int(a)) for p, a in rows]


def list_payments(db: Session, ctx: PortalContext, *, page: int = 1, page_size: int = PAGE_SIZE):
    """A page of the account's received payments, newest first, with the invoice numbers each settled."""
    require_billing(db, ctx)
    conds = (Payment.account_id == ctx.account_id, Payment.status == "succeeded")
    total = db.exec(select(func.count()).select_from(Payment).where(*conds)).one()
    rows = list(db.exec(select(Payment).where(*conds).order_by(Payment.received_at.desc(), Payment.id.desc())
                        .offset((max(page, 1) - 1) * page_size).limit(page_size)).all())
    numbers: dict[int, list[str]] = {}
    if rows:
        for pid, number in db.exec(select(PaymentAllocation.payment_id, Invoice.number)
                                   .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
                                   .where(PaymentAllocation.payment_id.in_([p.id for p in rows]))
                                   .order_by(PaymentAllocation.id)).all():
            numbers.setdefault(pid, []).append(number or "")
    return rows, int(total), numbers


def payment_lines(db: Session, payment_id: int) -> list[tuple[str, int, str]]:
    """(invoice number, amount, currency) a payment settled."""
    rows = db.exec(select(Invoice.number, PaymentAllocation.amount_minor, Invoice.currency)
                   .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
                   .where(PaymentAllocation.payment_id == payment_id).order_by(PaymentAllocation.id)).all()
    return [(n or "", int(a), c) for n, a, c in rows]


def list_payments_admin(db: Session, *, page: int = 1, page_size: int = PAGE_SIZE):
    query = select(Payment, Account).join(Account, Account.id == Payment.account_id).where(
        Payment.status != "pending")
    total = db.exec(select(func.count()).select_from(Payment).where(Payment.status != "pending")).one()
    rows = db.exec(query.order_by(Payment.id.desc()).offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return rows, total


@dataclass
class PayPlan:
    """What a customer is about to pay: open invoices of one currency and their total due."""

    currency: str
    invoices: list[Invoice]
    amount: int


def pay_plans(db: Session, ctx: PortalContext, *, invoice_id=None) -> list[PayPlan]:
    """One invoice, or everything due (one plan per currency: a card payment has one currency)."""
    require_billing(db, ctx)
    if invoice_id is not None:
        inv = get_invoice(db, ctx, invoice_id)
        if inv.status not in OPEN_STATUSES or amount_due(inv) <= 0:
            return []
        return [PayPlan(inv.currency, [inv], amount_due(inv))]
    rows = db.exec(select(Invoice).where(Invoice.account_id == ctx.account_id, Invoice.status.in_(OPEN_STATUSES))
                   .order_by(Invoice.due_date, Invoice.id).limit(500)).all()
    plans: dict[str, PayPlan] = {}
    for inv in rows:
        owed = amount_due(inv)
        if owed <= 0:
            continue
        plan = plans.setdefault(inv.currency, PayPlan(inv.currency, [], 0))
        plan.invoices.append(inv)
        plan.amount += owed
    return sorted(plans.values(), key=lambda p: -p.amount)


def check_can_pay(db: Session, ctx: PortalContext, client_ip: str = "") -> None:
    """Paying is the customer's own act: refused (and audited) while staff impersonate them."""
    require_billing(db, ctx, client_ip)
    if ctx.impersonating:
        audit.record(db, audit.portal_actor(ctx, client_ip), "payment.refused_impersonating",
                     account_id=ctx.account_id)
        refuse_when_impersonating(ctx, "pay")


def transfer_reference(db: Session, ctx: PortalContext, plan: PayPlan) -> str:
    """What the customer writes on a bank transfer so staff can match it."""
    if len(plan.invoices) == 1:
        return plan.invoices[0].number or ""
    account = db.get(Account, ctx.account_id)
    return account.number if account else ""
