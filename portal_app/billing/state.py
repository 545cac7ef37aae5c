"""Customer billing states: invoices list and one invoice, payments, paying, and the home summary."""

from __future__ import annotations

import asyncio
from typing import ClassVar

import reflex as rx

from portal_app.billing import (alerts, card_payments, consumption, credit_notes, customer_views, payments, refunds,
                                settings, subscriptions)
from portal_app.billing.amounts import CUSTOMER_STATUS_FILTERS, MODULE, PAGE_SIZE, amount_due, display_status, today
from portal_app.billing.models import OPEN_STATUSES
from portal_app.billing.rows import (AlertRow, BankDetails, CreditNoteRow, DueRow, FileRow, Formats, InvoiceRow, InvoiceView, LineRow,
                                     PaymentRow, PlanRow, SettlementRow, SubscriptionRow, TaxRow, credit_note_rows, file_rows,
                                     invoice_view, line_rows, refund_summary, settlement_rows)
from portal_app.core import i18n
from portal_app.core.errors import DomainError, Forbidden, NotFound
from portal_app.core.states.handlers import portal_event
from portal_app.core.states.paging import PagedList
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import PageMessage

# The year filter's choices: any year an invoice can have (imported history included).
YEARS = ("",) + tuple(str(y) for y in range(1900, 2100))
PLAN_NUMBERS_SHOWN = 12


class BillingBase(PageMessage, mixin=True):
    """What every billing page's state has (each its own copy): a translated error shown instead of
    the page (`PageMessage`: a refusal takes off the page what `_clear` names), and formatting in the
    reader's language. Mixed into PortalState substates."""

    def _formats(self) -> Formats:
        return Formats(self.lang or "en")


class InvoicesState(PagedList, BillingBase, PortalState):
    page_size: ClassVar[int] = PAGE_SIZE
    filters: ClassVar[dict[str, tuple[str, ...]]] = {"status": CUSTOMER_STATUS_FILTERS, "year": YEARS}
    rows: list[InvoiceRow] = []
    years: list[str] = []
    subscriptions: list[SubscriptionRow] = []  # the account's recurring bills, beside the list

    @rx.var
    def filtered(self) -> bool:
        return any(self.filter_values.values())

    def _clear(self) -> None:
        self.rows, self.total = [], 0

    def _fetch(self, db, ctx) -> None:
        # A refusal takes the rows off (`_fail` -> `_clear`); otherwise only what changed is assigned:
        # Reflex sends every assigned var, and reloading the page mostly changes nothing.
        self._set(error_key="")
        year = self.filter_values.get("year", "")
        found, total = customer_views.list_invoices(db, ctx, status=self.filter_values.get("status", ""),
                                                    year=int(year) if year else None, page=self.page)
        files = consumption.consumption_counts(db, ctx, [i.id for i in found])
        notes = credit_notes.credit_numbers_by_invoice(db, ctx.account_id, [i.id for i in found])
        f, on = self._formats(), today()
        self._set(total=total, rows=[InvoiceRow(i.id, i.number or "", f.date(i.issue_date), f.date(i.due_date),
                                                f.money(i.total_minor, i.currency), f.money(amount_due(i), i.currency),
                                                display_status(i, on), bool(i.pdf_file), files.get(i.id, 0),
                                                ", ".join(notes.get(i.id, []))) for i in found])

    @portal_event
    def load_years(self, db, ctx):
        """on_load, beside `load_list`: the year filter's choices and the account's recurring bills."""
        years = [str(y) for y in customer_views.invoice_years(db, ctx)]
        subs = subscriptions.subscriptions_of_account(db, ctx)
        nets, f = subscriptions.period_amounts(db, [x.id for x in subs]), self._formats()
        self._set(years=years, subscriptions=[SubscriptionRow(x.id, "", x.name, x.period, f.date(x.next_date),
                                                              f.money(nets.get(x.id, 0), x.currency), x.active)
                                              for x in subs])


class InvoiceState(BillingBase, PortalState):
    invoice_id: int = 0
    view: InvoiceView = InvoiceView()
    tax_rows: list[TaxRow] = []
    can_pay: bool = False
    has_paid: bool = False
    lines: list[LineRow] = []
    files: list[FileRow] = []
    payments: list[SettlementRow] = []
    credit_notes: list[CreditNoteRow] = []

    def _clear(self) -> None:
        self.invoice_id = 0

    @portal_event
    def load_invoice(self, db, ctx):
        self.error_key, self.invoice_id = "", 0
        # The raw value goes to the rule: a foreign or malformed id is refused and audited there.
        d = customer_views.invoice_detail(db, ctx, self.router.url.query_parameters.get("id", ""))
        tax_label = settings.get_settings_row(db).tax_label
        inv, cur, f = d.invoice, d.invoice.currency, self._formats()
        self.view = invoice_view(f, inv, d.status, d.due)
        self.invoice_id = inv.id
        self.can_pay = d.due > 0 and inv.status in OPEN_STATUSES
        self.has_paid = inv.paid_minor > 0
        self.tax_rows = [TaxRow(i18n.t(f.lang, "billing.tax_line", tax=tax_label, rate=f.rate(b["rate_bp"])),
                                f.money(b["net"], cur), f.money(b["tax"], cur)) for b in inv.tax_breakdown or []]
        self.lines = line_rows(f, d.lines, cur)
        self.files = file_rows(f, d.files)
        self.payments = settlement_rows(f, d.payments, cur)
        self.credit_notes = credit_note_rows(f, d.credit_notes)


class PaymentsState(PagedList, BillingBase, PortalState):
    page_size: ClassVar[int] = PAGE_SIZE
    rows: list[PaymentRow] = []
    credit: list[str] = []
    returned_from_checkout: bool = False

    def _clear(self) -> None:
        self.rows, self.total = [], 0

    def _fetch(self, db, ctx) -> None:
        self.error_key = ""
        self._clear()
        self.returned_from_checkout = self.router.url.query_parameters.get("checkout", "") == "done"
        found, self.total, numbers = payments.list_payments(db, ctx, page=self.page)
        credit = payments.account_credit(db, ctx.account_id)
        f = self._formats()
        made = refunds.refunds_of(db, [p.id for p in found])
        self.rows = [PaymentRow(p.id, f.date((p.received_at or p.created_at).date()),
                                f.money(p.amount_minor, p.currency), p.method, ", ".join(numbers.get(p.id, [])),
                                p.reference, f"R-{p.id:06d}", refund_summary(made.get(p.id, []), f, f.lang))
                     for p in found]
        self.credit = [f.money(v, c) for c, v in sorted(credit.items())]


class PayState(BillingBase, PortalState):
    plans: list[PlanRow] = []
    online: bool = False
    cancelled: bool = False
    working: bool = False
    bank: BankDetails = BankDetails()

    def _clear(self) -> None:
        self.working = False

    @portal_event
    def load_pay(self, db, ctx):
        self.error_key, self.working, self.plans = "", False, []
        q = self.router.url.query_parameters
        self.cancelled = q.get("cancelled", "") == "1"
        self.online = card_payments.online_payment_enabled()
        raw = q.get("invoice", "")
        plans = payments.pay_plans(db, ctx, invoice_id=raw) if raw else payments.pay_plans(db, ctx)
        f = self._formats()
        self.plans = [PlanRow(
            target=str(p.invoices[0].id) if raw else f"all:{p.currency}", amount=f.money(p.amount, p.currency),
            currency=p.currency, count=len(p.invoices),
            numbers=", ".join(i.number or "" for i in p.invoices[:PLAN_NUMBERS_SHOWN])
            + (" …" if len(p.invoices) > PLAN_NUMBERS_SHOWN else ""),
            reference=payments.transfer_reference(db, ctx, p)) for p in plans]
        self.bank = BankDetails(**settings.bank_details(db))

    @portal_event(background=True, impersonated="refuse")  # paying is the customer's own act
    async def start_checkout(self, ctx, target: str):
        """Starts Stripe Checkout. Runs as a background event: the call to Stripe never holds this
        browser's state lock, and the database work around it is short transactions."""
        async with self:
            if self.working:
                return
            self.working, self.error_key = True, ""
            ip = self._client_ip()
        url = await asyncio.to_thread(card_payments.start_checkout, ctx, str(target)[:40], ip)
        async with self:
            self.working = False
        return rx.redirect(url)


class UsageAlertsState(BillingBase, PortalState):
    """The account's usage alerts, beside the invoices list: administrators add and remove them."""

    alert_rows: list[AlertRow] = []
    can_edit: bool = False
    currency: str = "EUR"  # the form's preselected currency: the business's default

    def _clear(self) -> None:
        self.alert_rows, self.can_edit = [], False

    def _fail(self, exc: DomainError) -> None:
        """A refused input (`billing.error.*`: an amount, too many alerts) keeps the card and its form; a
        refusal of access, a session over or a missing alert (`error.*`) takes them off as on every page."""
        kept = self.alert_rows, self.can_edit
        super()._fail(exc)
        if not isinstance(exc, (Forbidden, NotFound)) and not exc.key.startswith("error."):
            self.alert_rows, self.can_edit = kept

    def _fill(self, db, ctx) -> None:
        f = self._formats()
        self._set(alert_rows=[AlertRow(a.id, a.kind, f.money(a.threshold_minor, a.currency), a.fired_period)
                              for a in alerts.list_alerts(db, ctx)],
                  can_edit=ctx.role == "admin", currency=settings.get_settings_row(db).default_currency)

    @portal_event
    def load_alerts(self, db, ctx):
        if not ctx.can(MODULE):  # silent: the invoices page says why already
            self._clear()
            return
        self._fill(db, ctx)

    @portal_event(impersonated="refuse")  # the customer's own settings
    def add_alert(self, db, ctx, form: dict):
        alerts.add_alert(db, ctx, str(form.get("kind", ""))[:20], str(form.get("amount", ""))[:30],
                         str(form.get("currency", ""))[:3], self._client_ip())
        self._fill(db, ctx)
        self._flash("billing.alert.added", "info")

    @portal_event(impersonated="refuse")
    def delete_alert(self, db, ctx, alert_id: str):
        alerts.delete_alert(db, ctx, alert_id, self._client_ip())
        self._fill(db, ctx)


class BillingSummaryState(BillingBase, PortalState):
    """The home page's amount-due card and 12-month chart (see components.py)."""

    visible: bool = False
    due_rows: list[DueRow] = []
    has_due: bool = False
    has_overdue: bool = False
    chart: list[dict[str, int | str]] = []  # recharts' data: one dict per month
    chart_currency: str = ""
    chart_has_usage: bool = False
    credit: list[str] = []

    def _clear(self) -> None:
        self.visible = False

    @portal_event
    def load_summary(self, db, ctx):
        """Silent for contacts without the invoices right: the card simply does not show."""
        if not ctx.can(MODULE):
            self.visible = False
            return
        summary = customer_views.amount_due_summary(db, ctx)
        currency, months = customer_views.monthly_billed(db, ctx)
        credit = payments.account_credit(db, ctx.account_id)
        f = self._formats()
        self.due_rows = [DueRow(s.currency, f.money(s.due, s.currency),
                                f.money(s.overdue, s.currency) if s.overdue else "", s.overdue_count, s.open_count,
                                f.date(s.next_due)) for s in summary if s.due > 0]
        self.has_due = bool(self.due_rows)
        self.has_overdue = any(s.overdue > 0 for s in summary)
        scale = 10 ** i18n.currency_precision(currency) if currency else 1
        # Chart heights in whole currency units (display only; the money itself stays in minor units).
        self.chart = [{"month": i18n.format_month(m["month"], f.lang), "billed": (m["billed"] + scale // 2) // scale,
                       "usage": (m["usage"] + scale // 2) // scale} for m in months]
        self.chart_currency = currency
        self.chart_has_usage = any(m["usage"] for m in months)
        self.credit = [f.money(v, c) for c, v in sorted(credit.items())]
        self.visible = True
