"""Customer billing states: invoices list and one invoice, payments, paying, and the home summary."""

from __future__ import annotations

import asyncio
import math

import reflex as rx

from portal_app.billing import rules as billing, card_payments as billing_stripe
from portal_app.core import i18n
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError
from portal_app.core.states.portal import PortalState

STATUS_COLOURS = {"issued": "blue", "partially_paid": "amber", "overdue": "red", "paid": "green", "void": "gray",
                  "draft": "gray"}


def _pages(total: int, size: int = billing.PAGE_SIZE) -> int:
    return max(1, math.ceil(total / size))


class BillingBase(rx.State, mixin=True):
    """What every billing page's state has (each its own copy): a translated error shown instead of
    the page, and formatting in the reader's language. Mixed into PortalState substates."""

    error_key: str = ""

    @rx.var
    def error_text(self) -> str:
        return i18n.t(self.lang or "en", self.error_key) if self.error_key else ""

    def _lang(self) -> str:
        return self.lang or "en"

    def _money(self, minor: int, currency: str) -> str:
        return i18n.format_money(minor, currency, self._lang())

    def _date(self, value) -> str:
        return i18n.format_date(value, self._lang()) if value else ""

    def _fail(self, exc: DomainError) -> None:
        self.error_key = exc.key


class InvoicesState(BillingBase, PortalState):
    rows: list[dict[str, str]] = []
    status_filter: str = ""
    year_filter: str = ""
    years: list[str] = []
    page: int = 1
    total: int = 0

    @rx.var
    def pages(self) -> int:
        return _pages(self.total)

    def _fetch(self, db) -> None:
        ctx = self._require(db)
        year = int(self.year_filter) if self.year_filter.isdigit() else None
        found, self.total = billing.list_invoices(db, ctx, status=self.status_filter, year=year, page=self.page)
        files = billing.consumption_counts(db, ctx, [i.id for i in found])
        on = billing.today()
        self.rows = [{
            "id": str(i.id), "number": i.number or "", "issue_date": self._date(i.issue_date),
            "due_date": self._date(i.due_date), "total": self._money(i.total_minor, i.currency),
            "due": self._money(billing.amount_due(i), i.currency), "status": billing.display_status(i, on),
            "pdf": "1" if i.pdf_file else "", "files": str(files.get(i.id, "") or ""),
        } for i in found]

    def _run(self, first: bool = False) -> None:
        self.error_key = ""
        try:
            with session_scope() as db:
                if first:
                    ctx = self._require(db)
                    self.years = [str(y) for y in billing.invoice_years(db, ctx)]
                self._fetch(db)
        except DomainError as exc:
            self.rows, self.total = [], 0
            self._fail(exc)

    @rx.event
    def load_invoices(self):
        wanted = self.router.url.query_parameters.get("status", "")
        self.status_filter = wanted if wanted in billing.CUSTOMER_STATUS_FILTERS else ""
        self.year_filter, self.page = "", 1
        self._run(first=True)

    @rx.event
    def set_status_filter(self, value: str):
        self.status_filter = value if value in billing.CUSTOMER_STATUS_FILTERS else ""
        self.page = 1
        self._run()

    @rx.event
    def set_year_filter(self, value: str):
        value = str(value)
        self.year_filter = value if value.isdigit() and len(value) == 4 else ""
        self.page = 1
        self._run()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        self._run()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        self._run()


class InvoiceState(BillingBase, PortalState):
    invoice_id: int = 0
    number: str = ""
    status: str = ""
    issue_date: str = ""
    due_date: str = ""
    subtotal: str = ""
    tax_rows: list[dict[str, str]] = []
    total_text: str = ""
    paid_text: str = ""
    due_text: str = ""
    can_pay: bool = False
    has_paid: bool = False
    has_pdf: bool = False
    notes: str = ""
    void_reason: str = ""
    lines: list[dict[str, str]] = []
    files: list[dict[str, str]] = []
    payments: list[dict[str, str]] = []

    @rx.event
    def load_invoice(self):
        self.error_key, self.invoice_id = "", 0
        raw = self.router.url.query_parameters.get("id", "")
        try:
            with session_scope() as db:
                ctx = self._require(db)
                d = billing.invoice_detail(db, ctx, raw)
                tax_label = billing.get_settings_row(db).tax_label
        except DomainError as exc:
            self._fail(exc)
            return
        inv, cur, lang = d.invoice, d.invoice.currency, self._lang()
        self.invoice_id, self.number, self.status = inv.id, inv.number or "", d.status
        self.issue_date, self.due_date = self._date(inv.issue_date), self._date(inv.due_date)
        self.subtotal, self.total_text = self._money(inv.subtotal_minor, cur), self._money(inv.total_minor, cur)
        self.paid_text, self.due_text = self._money(inv.paid_minor, cur), self._money(d.due, cur)
        self.can_pay = d.due > 0 and inv.status in billing.OPEN_STATUSES
        self.has_paid = inv.paid_minor > 0
        self.has_pdf, self.notes, self.void_reason = bool(inv.pdf_file), inv.notes, inv.void_reason
        self.tax_rows = [{"label": i18n.t(lang, "billing.tax_line", tax=tax_label, rate=_rate(b["rate_bp"], lang)),
                          "net": self._money(b["net"], cur), "tax": self._money(b["tax"], cur)}
                         for b in inv.tax_breakdown or []]
        self.lines = [{"description": li.description, "quantity": _qty(li.quantity_milli, lang),
                       "unit_price": self._money(li.unit_price_minor, cur), "rate": _rate(li.tax_rate_bp, lang),
                       "amount": self._money(li.net_minor, cur)} for li in d.lines]
        self.files = [{"id": str(f.id), "name": f.filename, "size": _size(f.size_bytes, lang)} for f in d.files]
        self.payments = [{"id": str(p.id), "date": self._date((p.received_at or p.created_at).date()),
                          "amount": self._money(a, cur), "method": p.method} for p, a in d.payments]


def _rate(bp: int, lang: str) -> str:
    from babel.numbers import format_decimal

    return f"{format_decimal(bp / 100, format='#,##0.##', locale=lang)} %"


def _qty(milli: int, lang: str) -> str:
    from decimal import Decimal

    from babel.numbers import format_decimal

    return format_decimal(Decimal(milli) / 1000, format="#,##0.###", locale=lang)


def _size(n: int, lang: str) -> str:
    from babel.numbers import format_decimal

    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{format_decimal(n / 1024, format='#,##0', locale=lang)} KB"
    return f"{format_decimal(n / 1024 / 1024, format='#,##0.#', locale=lang)} MB"


class PaymentsState(BillingBase, PortalState):
    rows: list[dict[str, str]] = []
    credit: list[str] = []
    page: int = 1
    total: int = 0
    returned_from_checkout: bool = False

    @rx.var
    def pages(self) -> int:
        return _pages(self.total)

    def _fetch(self) -> None:
        self.error_key = ""
        try:
            with session_scope() as db:
                ctx = self._require(db)
                found, self.total, numbers = billing.list_payments(db, ctx, page=self.page)
                credit = billing.account_credit(db, ctx.account_id)
        except DomainError as exc:
            self.rows, self.total = [], 0
            self._fail(exc)
            return
        self.rows = [{"id": str(p.id), "date": self._date((p.received_at or p.created_at).date()),
                      "amount": self._money(p.amount_minor, p.currency), "method": p.method,
                      "invoices": ", ".join(numbers.get(p.id, [])), "reference": p.reference,
                      "receipt": f"R-{p.id:06d}"} for p in found]
        self.credit = [self._money(v, c) for c, v in sorted(credit.items())]

    @rx.event
    def load_payments(self):
        self.page = 1
        self.returned_from_checkout = self.router.url.query_parameters.get("checkout", "") == "done"
        self._fetch()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        self._fetch()

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        self._fetch()


class PayState(BillingBase, PortalState):
    plans: list[dict[str, str]] = []
    online: bool = False
    cancelled: bool = False
    working: bool = False
    bank_beneficiary: str = ""
    bank_iban: str = ""
    bank_bic: str = ""
    bank_name: str = ""

    @rx.event
    def load_pay(self):
        self.error_key, self.working = "", False
        q = self.router.url.query_parameters
        self.cancelled = q.get("cancelled", "") == "1"
        self.online = billing_stripe.online_payment_enabled()
        try:
            with session_scope() as db:
                ctx = self._require(db)
                raw = q.get("invoice", "")
                plans = billing.pay_plans(db, ctx, invoice_id=raw) if raw else billing.pay_plans(db, ctx)
                bank = billing.bank_details(db)
                self.plans = [{
                    "target": str(p.invoices[0].id) if raw else f"all:{p.currency}",
                    "amount": self._money(p.amount, p.currency), "currency": p.currency,
                    "count": str(len(p.invoices)),
                    "numbers": ", ".join(i.number or "" for i in p.invoices[:12])
                               + (" …" if len(p.invoices) > 12 else ""),
                    "reference": billing.transfer_reference(db, ctx, p),
                } for p in plans]
        except DomainError as exc:
            self.plans = []
            self._fail(exc)
            return
        self.bank_beneficiary, self.bank_iban = bank["beneficiary"], bank["iban"]
        self.bank_bic, self.bank_name = bank["bic"], bank["bank"]

    @rx.event(background=True)
    async def start_checkout(self, target: str):
        """Starts Stripe Checkout. Runs as a background event: the call to Stripe never holds this
        browser's state lock, and the database work around it is short transactions."""
        async with self:
            if self.working:
                return
            self.working, self.error_key = True, ""
            try:
                with session_scope() as db:
                    ctx = self._require(db)
            except DomainError as exc:
                self.working = False
                self._fail(exc)
                return
            ip = self._client_ip()
        try:
            url = await asyncio.to_thread(billing_stripe.start_checkout, ctx, str(target)[:40], ip)
        except DomainError as exc:
            async with self:
                self.working = False
                self._fail(exc)
            return
        async with self:
            self.working = False
        return rx.redirect(url)


class BillingSummaryState(BillingBase, PortalState):
    """The home page's amount-due card and 12-month chart (see components/billing_cards.py)."""

    visible: bool = False
    due_rows: list[dict[str, str]] = []
    has_due: bool = False
    has_overdue: bool = False
    chart: list[dict[str, int | str]] = []
    chart_currency: str = ""
    chart_has_usage: bool = False
    credit: list[str] = []

    @rx.event
    def load_summary(self):
        """Silent for contacts without the invoices right: the card simply does not show."""
        try:
            with session_scope() as db:
                ctx = self._require(db)
                if not ctx.can(billing.MODULE):
                    self.visible = False
                    return
                summary = billing.amount_due_summary(db, ctx)
                currency, months = billing.monthly_billed(db, ctx)
                credit = billing.account_credit(db, ctx.account_id)
        except DomainError:
            self.visible = False
            return
        lang = self._lang()
        self.due_rows = [{"currency": s.currency, "due": self._money(s.due, s.currency),
                          "overdue": self._money(s.overdue, s.currency) if s.overdue else "",
                          "overdue_count": str(s.overdue_count), "open_count": str(s.open_count),
                          "next_due": self._date(s.next_due)} for s in summary if s.due > 0]
        self.has_due = bool(self.due_rows)
        self.has_overdue = any(s.overdue > 0 for s in summary)
        scale = 10 ** i18n.currency_precision(currency) if currency else 1
        # Chart heights in whole currency units (display only; the money itself stays in minor units).
        self.chart = [{"month": i18n.format_month(m["month"], lang), "billed": (m["billed"] + scale // 2) // scale,
                       "usage": (m["usage"] + scale // 2) // scale} for m in months]
        self.chart_currency = currency
        self.chart_has_usage = any(m["usage"] for m in months)
        self.credit = [self._money(v, c) for c, v in sorted(credit.items())]
        self.visible = True
