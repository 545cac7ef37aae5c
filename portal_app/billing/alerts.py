"""Usage alerts: thresholds a customer administrator sets on an invoice's total or on the usage billed in a
month; when an issued invoice or a consumption file received for a billing period crosses one, the
account's billing contacts get an SMS (when they have a working mobile; the email if it fails) or an email
in their language, and the account a notice on the home page, once per month and alert."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, func, select

from portal_app.billing.access import denied, require_billing
from portal_app.billing.amounts import as_id, parse_money
from portal_app.billing.models import (ALERT_KINDS, ConsumptionFile, INVOICE_TOTAL, Invoice, ISSUED, PAID,
                                       PARTIALLY_PAID, PERIOD_USAGE, Subscription, UsageAlert)
from portal_app.billing.settings import check_currency
from portal_app.core import audit, notifications, notify
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.business import branding, business_view
from portal_app.core.config import get_settings
from portal_app.core.errors import DomainError, Forbidden
from portal_app.core.i18n import format_money
from portal_app.core.models.accounts import ROLE_ADMIN

MAX_ALERTS = 10  # per account
COUNTED = (ISSUED, PARTIALLY_PAID, PAID)  # a void invoice's usage no longer counts


def _admin(db: Session, ctx: PortalContext, client_ip: str = "") -> None:
    require_billing(db, ctx, client_ip)
    if ctx.role != ROLE_ADMIN:
        audit.record(db, audit.portal_actor(ctx, client_ip), "billing.forbidden", account_id=ctx.account_id,
                     detail="usage_alert")
        raise Forbidden()


def list_alerts(db: Session, ctx: PortalContext) -> list[UsageAlert]:
    require_billing(db, ctx)
    return list(db.exec(select(UsageAlert).where(UsageAlert.account_id == ctx.account_id)
                        .order_by(UsageAlert.id)).all())


def add_alert(db: Session, ctx: PortalContext, kind: str, amount: str, currency: str,
              client_ip: str = "") -> UsageAlert:
    _admin(db, ctx, client_ip)
    if kind not in ALERT_KINDS:
        raise DomainError("billing.alert.kind")
    currency = check_currency(currency)
    minor = parse_money(amount, currency)
    if minor <= 0:
        raise DomainError("billing.error.amount")
    count = db.exec(select(func.count()).select_from(UsageAlert).where(UsageAlert.account_id == ctx.account_id)).one()
    if count >= MAX_ALERTS:
        raise DomainError("billing.alert.too_many", max=MAX_ALERTS)
    row = UsageAlert(account_id=ctx.account_id, kind=kind, currency=currency, threshold_minor=minor,
                     created_by_contact_id=ctx.contact_id)
    db.add(row)
    db.flush()
    audit.record(db, audit.portal_actor(ctx, client_ip), "usage_alert.add", target_type="usage_alert",
                 target_id=row.id, account_id=ctx.account_id, kind=kind, amount=minor, currency=currency)
    return row


def delete_alert(db: Session, ctx: PortalContext, alert_id, client_ip: str = "") -> None:
    _admin(db, ctx, client_ip)
    row = db.get(UsageAlert, as_id(alert_id) or 0)
    if row is None or row.account_id != ctx.account_id:
        raise denied(db, ctx, "usage_alert", alert_id, client_ip)
    db.delete(row)
    db.flush()
    audit.record(db, audit.portal_actor(ctx, client_ip), "usage_alert.delete", target_type="usage_alert",
                 target_id=as_id(alert_id), account_id=ctx.account_id)


def period_of(inv: Invoice) -> str:
    return inv.issue_date.strftime("%Y-%m")


def month_bounds(period: str) -> tuple[date, date]:
    """The first day of a "YYYY-MM" month and of the next one."""
    year, month = (int(x) for x in period.split("-"))
    return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)


def period_usage(db: Session, account_id: int, currency: str, period: str) -> int:
    """Usage of the account in that month: the usage lines billed on its invoices (void ones left out),
    plus the consumption files received for a billing period starting that month and not invoiced yet."""
    start, end = month_bounds(period)
    billed = db.exec(select(func.coalesce(func.sum(Invoice.usage_minor), 0)).where(
        Invoice.account_id == account_id, Invoice.currency == currency, Invoice.status.in_(COUNTED),
        Invoice.issue_date >= start, Invoice.issue_date < end)).one()
    waiting = db.exec(select(func.coalesce(func.sum(ConsumptionFile.usage_minor), 0))
                      .join(Subscription, Subscription.id == ConsumptionFile.subscription_id)
                      .where(ConsumptionFile.account_id == account_id, ConsumptionFile.lines_added_at.is_(None),
                             Subscription.currency == currency, ConsumptionFile.period >= start,
                             ConsumptionFile.period < end)).one()
    return int(billed) + int(waiting)


@dataclass(frozen=True)
class Crossing:
    """What may cross an alert: an issued invoice (its total and the month's usage) or a consumption
    file received for a billing period (the month's usage only)."""

    account_id: int
    currency: str
    period: str  # "2026-03"
    link: str  # the portal path the notice and the message open
    number: str = ""  # the invoice's number
    invoice_total: int | None = None  # None: no invoice, only the usage alerts are looked at
    source: dict = field(default_factory=dict)  # for the audit line: {"invoice_id": …} or {"consumption_file_id": …}


def check_invoice(db: Session, inv: Invoice) -> list[notify.Delivery]:
    """After an invoice is issued (same transaction): fire the account's alerts it crosses, each once a month."""
    return fire(db, Crossing(inv.account_id, inv.currency, period_of(inv), f"/invoice?id={inv.id}",
                             number=inv.number or "", invoice_total=inv.total_minor, source={"invoice_id": inv.id}))


def check_consumption(db: Session, row: ConsumptionFile, currency: str) -> list[notify.Delivery]:
    """After a consumption file is accepted for a billing period (same transaction): fire the account's
    usage alerts of that period's month that its usage makes crossed, each once a month."""
    return fire(db, Crossing(row.account_id, currency, row.period.strftime("%Y-%m"), "/invoices",
                             source={"consumption_file_id": row.id}))


def fire(db: Session, what: Crossing) -> list[notify.Delivery]:
    """Fire the alerts `what` crosses. Each alert fires once per month: claimed by a conditional UPDATE of
    its `fired_period`, so two invoices or files at once never send it twice."""
    query = select(UsageAlert).where(UsageAlert.account_id == what.account_id, UsageAlert.currency == what.currency,
                                     UsageAlert.fired_period != what.period)
    if what.invoice_total is None:
        query = query.where(UsageAlert.kind == PERIOD_USAGE)
    out: list[notify.Delivery] = []
    usage = None
    for alert in db.exec(query).all():
        if alert.kind == INVOICE_TOTAL:
            value = what.invoice_total
        else:
            usage = period_usage(db, what.account_id, what.currency, what.period) if usage is None else usage
            value = usage
        if value < alert.threshold_minor:
            continue
        took = db.exec(sa.update(UsageAlert).where(UsageAlert.id == alert.id, UsageAlert.fired_period != what.period)
                       .values(fired_period=what.period).execution_options(synchronize_session=False))
        if took.rowcount != 1:
            continue  # another worker fired it this month
        out += _notify(db, what, alert, value)
    return out


def _notify(db: Session, what: Crossing, alert: UsageAlert, value: int) -> list[notify.Delivery]:
    key = f"billing.alert.fired_{alert.kind}" + ("" if what.invoice_total is not None else "_file")
    params = {"number": what.number, "period": what.period}
    lang = business_view(db).default_language  # the notice's amounts; its words follow the reader
    notifications.post(db, account_id=what.account_id, kind="billing.alert", key=key,
                       params={**params, "threshold": format_money(alert.threshold_minor, alert.currency, lang),
                               "amount": format_money(value, alert.currency, lang)},
                       link=what.link, module="invoices", ref=f"usage_alert:{alert.id}")
    from portal_app.billing.rules import billing_contacts  # rules call this module when they issue

    brand = branding(db)
    link = notify.portal_url(what.link)
    sms_on = get_settings().sms_provider != "none"
    out = []
    for c in billing_contacts(db, what.account_id):
        lang = c.language
        said = notify_what(lang, key, alert, value, params)
        mail = notify.render_email("usage_alert", lang, brand, link=link, name=c.first_name or c.full_name, what=said)
        common = dict(template="usage_alert", language=lang, sender_name=brand.sender_name, contact_id=c.id,
                      account_id=what.account_id)
        if sms_on and c.mobile and c.mobile_failing_at is None:
            # Before it hurts: by SMS when the contact has a working mobile, the email if the SMS fails.
            text = notify.render_sms("usage_alert", lang, brand, what=said, link=link)
            out.append(notify.queue_sms(db, to=c.mobile, text=text, fallback_email=(c.email, mail), **common))
        else:
            out.append(notify.queue_email(db, to=c.email, rendered=mail, **common))
    audit.record(db, audit.SYSTEM, "usage_alert.fired", target_type="usage_alert", target_id=alert.id,
                 account_id=what.account_id, amount=value, sent=len(out), **what.source)
    return out


def notify_what(lang: str, key: str, alert: UsageAlert, value: int, params: dict) -> str:
    from portal_app.core.i18n import t

    return t(lang, key, threshold=format_money(alert.threshold_minor, alert.currency, lang),
             amount=format_money(value, alert.currency, lang), **params)
