"""Usage alerts: thresholds a customer administrator sets on an invoice's total or on the usage billed in a
month; when an issued invoice crosses one, the account's billing contacts get an email in their language
and the account a notice on the home page, once per month and alert."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, func, select

from portal_app.billing.access import denied, require_billing
from portal_app.billing.amounts import as_id, parse_money
from portal_app.billing.models import ALERT_KINDS, INVOICE_TOTAL, Invoice, PAID, PARTIALLY_PAID, ISSUED, UsageAlert
from portal_app.billing.settings import check_currency
from portal_app.core import audit, notifications, notify
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.business import branding, business_view
from portal_app.core.errors import DomainError, Forbidden
from portal_app.core.i18n import format_money
from portal_app.core.models.accounts import ROLE_ADMIN, Account

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


def period_usage(db: Session, account_id: int, currency: str, period: str) -> int:
    """Usage (net of usage lines) billed to the account in that month, void invoices left out."""
    year, month = (int(x) for x in period.split("-"))
    from datetime import date

    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return int(db.exec(select(func.coalesce(func.sum(Invoice.usage_minor), 0)).where(
        Invoice.account_id == account_id, Invoice.currency == currency, Invoice.status.in_(COUNTED),
        Invoice.issue_date >= start, Invoice.issue_date < end)).one())


def check_invoice(db: Session, inv: Invoice) -> list[notify.Delivery]:
    """After an invoice is issued (same transaction): fire the account's alerts it crosses, each once a month."""
    period = period_of(inv)
    alerts = db.exec(select(UsageAlert).where(UsageAlert.account_id == inv.account_id,
                                              UsageAlert.currency == inv.currency,
                                              UsageAlert.fired_period != period)).all()
    out: list[notify.Delivery] = []
    usage = None
    for alert in alerts:
        if alert.kind == INVOICE_TOTAL:
            value = inv.total_minor
        else:
            usage = period_usage(db, inv.account_id, inv.currency, period) if usage is None else usage
            value = usage
        if value < alert.threshold_minor:
            continue
        took = db.exec(sa.update(UsageAlert).where(UsageAlert.id == alert.id, UsageAlert.fired_period != period)
                       .values(fired_period=period).execution_options(synchronize_session=False))
        if took.rowcount != 1:
            continue  # another worker fired it this month
        out += _notify(db, inv, alert, value)
    return out


def _notify(db: Session, inv: Invoice, alert: UsageAlert, value: int) -> list[notify.Delivery]:
    key = f"billing.alert.fired_{alert.kind}"
    params = {"number": inv.number or "", "period": period_of(inv)}
    lang = business_view(db).default_language  # the notice's amounts; its words follow the reader
    notifications.post(db, account_id=inv.account_id, kind="billing.alert", key=key,
                       params={**params, "threshold": format_money(alert.threshold_minor, alert.currency, lang),
                               "amount": format_money(value, alert.currency, lang)},
                       link=f"/invoice?id={inv.id}", module="invoices", ref=f"usage_alert:{alert.id}")
    from portal_app.billing.rules import billing_contacts  # rules call this module when they issue

    brand = branding(db)
    link = notify.portal_url(f"/invoice?id={inv.id}")
    account = db.get(Account, inv.account_id)
    out = []
    for c in billing_contacts(db, inv.account_id):
        lang = c.language
        mail = notify.render_email("usage_alert", lang, brand, link=link, name=c.first_name or c.full_name,
                                   what=notify_what(lang, key, alert, value, params))
        out.append(notify.queue_email(db, to=c.email, template="usage_alert", language=lang, rendered=mail,
                                      sender_name=brand.sender_name, contact_id=c.id, account_id=account.id))
    audit.record(db, audit.SYSTEM, "usage_alert.fired", target_type="usage_alert", target_id=alert.id,
                 account_id=inv.account_id, invoice_id=inv.id, amount=value, sent=len(out))
    return out


def notify_what(lang: str, key: str, alert: UsageAlert, value: int, params: dict) -> str:
    from portal_app.core.i18n import t

    return t(lang, key, threshold=format_money(alert.threshold_minor, alert.currency, lang),
             amount=format_money(value, alert.currency, lang), **params)
