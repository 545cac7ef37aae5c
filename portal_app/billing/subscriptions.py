"""Recurring bills: subscriptions per account, their schedule, proration when their lines change
within a period, and issuing each period's invoice exactly once.

Each period is invoiced in advance on its date. The job claims a period with a conditional UPDATE of
`next_date` (…WHERE next_date = <the date it read>): of several workers, exactly one moves it, and
only that one writes the invoice, in the same transaction, so a failure gives the period back. After a
downtime every missed period is issued, once each and oldest first (`run_due`). The consumption files
received for the period join its invoice (`usage_files.join_period_files`)."""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, ROUND_HALF_UP

import sqlalchemy as sa
from sqlmodel import Session, func, select

from portal_app.billing import usage_files
from portal_app.billing.access import require_billing
from portal_app.billing.amounts import MODULE, as_id, line_net, parse_money, parse_quantity, parse_rate, today
from portal_app.billing.models import (Invoice, InvoiceLine, PERIOD_MONTHS, Subscription, SubscriptionLine)
from portal_app.billing.settings import check_currency
from portal_app.core import audit, clock, notify
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.auth.staff import StaffContext
from portal_app.core.business import business_view
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.i18n import format_date, t
from portal_app.core.models.accounts import Account

log = logging.getLogger("guichet.billing")
MAX_LINES = 50
MAX_PER_PASS = 500  # periods one job pass issues at most (a long downtime is caught up over passes)


@dataclass(frozen=True)
class JobIssuer:
    """Who issues recurring invoices: the system (audited as such), no staff member."""

    staff_id: None = None

    @property
    def actor(self) -> audit.Actor:
        return audit.SYSTEM


def period_date(start: date, period: str, n: int) -> date:
    """The date of period `n` (0 = the start): `n` periods of months later, on the start's day of month
    or the month's last day when it is shorter."""
    months = start.month - 1 + PERIOD_MONTHS[period] * n
    year, month = start.year + months // 12, months % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _parse_lines(raw_lines: list[dict], currency: str) -> list[SubscriptionLine]:
    out = []
    for i, raw in enumerate(raw_lines[:MAX_LINES + 1], 1):
        description = str(raw.get("description", "")).strip()[:500]
        if not description and not str(raw.get("unit_price", "")).strip():
            continue  # an empty row of the editor
        if not description:
            raise DomainError("billing.error.description")
        qty = parse_quantity(str(raw.get("quantity", "1"))[:20])
        price = parse_money(str(raw.get("unit_price", ""))[:20], currency, allow_negative=True)
        out.append(SubscriptionLine(subscription_id=0, position=i, description=description, quantity_milli=qty,
                                    unit_price_minor=price, tax_rate_bp=parse_rate(str(raw.get("tax_rate", ""))[:10]),
                                    net_minor=line_net(qty, price)))
    if len(out) > MAX_LINES:
        raise DomainError("billing.error.too_many_lines", max=MAX_LINES)
    if not out:
        raise DomainError("billing.error.no_lines")
    if sum(li.net_minor for li in out) < 0:
        raise DomainError("billing.error.negative_total")
    return out


def lines_of_subscription(db: Session, subscription_id: int) -> list[SubscriptionLine]:
    return list(db.exec(select(SubscriptionLine).where(SubscriptionLine.subscription_id == subscription_id)
                        .order_by(SubscriptionLine.position, SubscriptionLine.id)).all())


def subscription_row(db: Session, subscription_id) -> Subscription:
    key = as_id(subscription_id)
    row = db.get(Subscription, key) if key else None
    if row is None:
        raise NotFound()
    return row


def create_subscription(db: Session, staff: StaffContext, *, account_id, name: str, period: str, currency: str,
                        start_date: str, lines: list[dict]) -> Subscription:
    key = as_id(account_id)
    account = db.get(Account, key) if key else None
    if account is None:
        raise NotFound()
    name = (name or "").strip()[:200]
    if not name:
        raise DomainError("billing.error.subscription_name")
    if period not in PERIOD_MONTHS:
        raise DomainError("billing.error.period")
    currency = check_currency(currency)
    try:
        start = date.fromisoformat(str(start_date).strip())
    except ValueError:
        raise DomainError("billing.error.date") from None
    if start < today():
        raise DomainError("billing.error.start_past")
    parsed = _parse_lines(lines, currency)
    sub = Subscription(account_id=account.id, name=name, period=period, currency=currency, start_date=start,
                       next_date=start, created_at=clock.now())
    db.add(sub)
    db.flush()
    for line in parsed:
        line.subscription_id = sub.id
        db.add(line)
    db.flush()
    audit.record(db, staff.actor, "subscription.create", target_type="subscription", target_id=sub.id,
                 account_id=account.id, period=period, start=start.isoformat())
    return sub


def _net_by_rate(lines) -> dict[int, int]:
    out: dict[int, int] = {}
    for line in lines:
        out[line.tax_rate_bp] = out.get(line.tax_rate_bp, 0) + line.net_minor
    return out


def change_lines(db: Session, staff: StaffContext, subscription_id, lines: list[dict]) -> Subscription:
    """New lines from the next period on; for the period already invoiced and under way, the difference
    for the days left (per tax rate, rounded half up) is added to the next invoice."""
    # First write: locks the row against the job claiming a period meanwhile.
    sub = usage_files.lock_subscription(db, subscription_id)
    if not sub.active:
        raise DomainError("billing.error.subscription_ended")
    old = lines_of_subscription(db, sub.id)
    new = _parse_lines(lines, sub.currency)
    on = today()
    pending = list(sub.pending or [])
    if sub.periods_billed > 0:
        began = period_date(sub.start_date, sub.period, sub.periods_billed - 1)
        ends = sub.next_date
        left, length = (ends - on).days, (ends - began).days
        if 0 < left and length > 0:
            from portal_app.billing.rules import document_language

            lang = document_language(db, sub.account_id)
            before, after = _net_by_rate(old), _net_by_rate(new)
            for rate in sorted(set(before) | set(after)):
                diff = Decimal(after.get(rate, 0) - before.get(rate, 0)) * left / length
                amount = int(diff.quantize(Decimal(1), rounding=ROUND_HALF_UP))
                if amount:
                    pending.append({"description": t(lang, "billing.subscription.proration", name=sub.name,
                                                     start=format_date(on, lang), end=format_date(ends, lang),
                                                     days=left, length=length),
                                    "net_minor": amount, "tax_rate_bp": rate})
    for line in old:
        db.delete(line)
    db.flush()
    for line in new:
        line.subscription_id = sub.id
        db.add(line)
    sub.pending = pending
    db.add(sub)
    db.flush()
    audit.record(db, staff.actor, "subscription.change", target_type="subscription", target_id=sub.id,
                 account_id=sub.account_id, adjustments=len(pending))
    return sub


def end_subscription(db: Session, staff: StaffContext, subscription_id) -> Subscription:
    sub = subscription_row(db, subscription_id)
    sub.active, sub.updated_at = False, clock.now()
    db.add(sub)
    db.flush()
    audit.record(db, staff.actor, "subscription.end", target_type="subscription", target_id=sub.id,
                 account_id=sub.account_id)
    return sub


def list_subscriptions_admin(db: Session, *, page: int = 1, page_size: int = 20):
    total = db.exec(select(func.count()).select_from(Subscription)).one()
    rows = db.exec(select(Subscription, Account).join(Account, Account.id == Subscription.account_id)
                   .order_by(Subscription.active.desc(), Subscription.next_date, Subscription.id)
                   .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return rows, int(total)


def period_amounts(db: Session, subscription_ids: list[int]) -> dict[int, int]:
    """{subscription id: net of its lines per period} in one query."""
    if not subscription_ids:
        return {}
    return {sid: int(net or 0) for sid, net in db.exec(
        select(SubscriptionLine.subscription_id, func.sum(SubscriptionLine.net_minor))
        .where(SubscriptionLine.subscription_id.in_(subscription_ids))
        .group_by(SubscriptionLine.subscription_id)).all()}


def subscriptions_of_account(db: Session, ctx: PortalContext) -> list[Subscription]:
    """The customer's own active subscriptions."""
    require_billing(db, ctx)
    return list(db.exec(select(Subscription).where(Subscription.account_id == ctx.account_id,
                                                   Subscription.active.is_(True))
                        .order_by(Subscription.next_date, Subscription.id)).all())


# ---- the job -------------------------------------------------------------------------------------------


@dataclass
class Claimed:
    """What one look at the due periods did: `issued` False when another worker claimed the period first,
    or when its invoice was refused (`failed`: the subscription's id, skipped for the rest of the pass)."""

    issued: bool
    deliveries: list
    failed: int | None = None


def issue_next_due(db: Session, on: date, skip: frozenset[int] = frozenset()) -> Claimed | None:
    """Claim the oldest period due on `on` (of any subscription but `skip`) and issue its invoice in
    this transaction. None when nothing is due.

    The claim and the invoice share one SAVEPOINT: a refused invoice (say the lines now total less than
    zero) gives the period back, and the refusal is audited."""
    query = select(Subscription).where(Subscription.active.is_(True), Subscription.next_date <= on)
    if skip:
        query = query.where(Subscription.id.not_in(skip))
    row = db.exec(query.order_by(Subscription.next_date, Subscription.id).limit(1)).first()
    if row is None:
        return None
    try:
        with db.begin_nested():
            return _claim_and_issue(db, row)
    except DomainError as exc:
        log.error("recurring invoice of subscription %s refused: %s", row.id, exc.key)
        audit.record(db, audit.SYSTEM, "subscription.invoice_refused", target_type="subscription",
                     target_id=row.id, account_id=row.account_id, reason=exc.key, period=row.next_date.isoformat())
        return Claimed(False, [], failed=row.id)


def _claim_and_issue(db: Session, row: Subscription) -> Claimed:
    n, claimed_date = row.periods_billed, row.next_date
    following = period_date(row.start_date, row.period, n + 1)
    took = db.exec(sa.update(Subscription)
                   .where(Subscription.id == row.id, Subscription.next_date == claimed_date,
                          Subscription.periods_billed == n, Subscription.active.is_(True))
                   .values(next_date=following, periods_billed=n + 1)
                   .execution_options(synchronize_session=False))
    if took.rowcount != 1:
        return Claimed(False, [])
    db.refresh(row)  # under the claim's lock: the pending adjustments as they are now
    from portal_app.billing import rules

    issuer = JobIssuer()
    inv = rules.create_draft(db, issuer, row.account_id)
    lang = inv.language
    inv.currency = row.currency
    # Unique (subscription, period): the database itself refuses a second invoice for one period.
    inv.subscription_id, inv.subscription_period = row.id, claimed_date
    inv.notes = t(lang, "billing.subscription.period_note", name=row.name, start=format_date(claimed_date, lang),
                  end=format_date(following - timedelta(days=1), lang))
    db.add(inv)
    position = 0
    for position, line in enumerate(lines_of_subscription(db, row.id), 1):
        db.add(InvoiceLine(invoice_id=inv.id, position=position, description=line.description,
                           quantity_milli=line.quantity_milli, unit_price_minor=line.unit_price_minor,
                           tax_rate_bp=line.tax_rate_bp, net_minor=line.net_minor))
    for extra in row.pending or []:
        position += 1
        db.add(InvoiceLine(invoice_id=inv.id, position=position, description=extra["description"][:500],
                           quantity_milli=1000, unit_price_minor=int(extra["net_minor"]),
                           tax_rate_bp=int(extra["tax_rate_bp"]), net_minor=int(extra["net_minor"])))
    db.flush()
    # The consumption files received for this period, under the claim's lock: each joins this invoice once.
    usage_files.join_period_files(db, row, claimed_date, inv, position)
    issued = rules.issue_invoice(db, issuer, inv.id)
    row.pending = []
    db.add(row)
    db.flush()
    audit.record(db, audit.SYSTEM, "subscription.invoice", target_type="subscription", target_id=row.id,
                 account_id=row.account_id, invoice_id=inv.id, number=issued.invoice.number,
                 period=claimed_date.isoformat())
    return Claimed(True, issued.deliveries)


def run_due(on: date | None = None) -> int:
    """One pass of the job: every due period, oldest first, each in its own transaction, each email
    sent after its commit. Returns the number of invoices this worker issued."""
    from portal_app.core.db import session_scope

    on = on or today()
    issued, skip = 0, set()
    for _ in range(MAX_PER_PASS):
        with session_scope() as db:
            if MODULE not in business_view(db).modules:
                return issued
            claimed = issue_next_due(db, on, frozenset(skip))
        if claimed is None:
            break
        if claimed.failed:
            skip.add(claimed.failed)
        notify.dispatch(claimed.deliveries)
        issued += claimed.issued
    return issued


def invoices_of(db: Session, subscription_id: int) -> list[Invoice]:
    """The invoices a subscription issued, by period."""
    return list(db.exec(select(Invoice).where(Invoice.subscription_id == subscription_id)
                        .order_by(Invoice.subscription_period)).all())
