"""Console billing: invoices list, the invoice editor (draft, issue, void, payment, files), payments,
billing settings and the import of invoices issued elsewhere."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from typing import ClassVar

import reflex as rx

from portal_app.billing import (consumption, credit_notes, imports, payments, refunds, rules, settings, storage,
                                subscriptions, usage_files)
from portal_app.billing.einvoice import buyer_address_missing
from portal_app.billing.access import lines_of
from portal_app.billing.amounts import PAGE_SIZE, STAFF_STATUS_FILTERS, amount_due, display_status, today
from portal_app.billing.card_payments import online_payment_enabled
from portal_app.billing.models import DRAFT, Payment
from portal_app.billing.numbering import format_number
from portal_app.billing.rows import (AdminInvoiceRow, AdminPaymentRow, CreditLineRow, CreditNoteRow, FileRow, Formats, InvoiceView, LineForm, LineRow,
                                     PeriodOption, SettingsForm, SettlementRow, SubscriptionLineForm, SubscriptionRow,
                                     UsageFileRow,
                                     credit_note_rows, file_rows, invoice_view, line_rows,
                                     plain_rate, refund_summary, settings_form, settlement_rows)
from portal_app.core import i18n, notify
from portal_app.core.auth import staff
from portal_app.core.db import session_scope
from portal_app.core.files import STAGING
from portal_app.core.errors import NotFound
from portal_app.core.states.dialogs import Dialogs
from portal_app.core.states.handlers import off_loop, parse_id, query_id, staff_event
from portal_app.core.states.paging import PagedList
from portal_app.core.states.forms import SettingsPage
from portal_app.core.states.staff import StaffState
from portal_app.core.states.uploads import receive_and_store

UPLOAD_MAX_FILES = 200
UPLOAD_MAX_BYTES = 200 * 1024 * 1024  # one import's files together
CONSUMPTION_MAX_FILES = 20


def _plain_amount(minor: int, currency: str) -> str:
    """An amount as staff type it back into a form ("1234.50")."""
    return str(i18n.minor_to_decimal(minor, currency))


class AdminInvoicesState(PagedList, StaffState):
    area: ClassVar[str] = "billing"
    page_size: ClassVar[int] = PAGE_SIZE
    filters: ClassVar[dict[str, tuple[str, ...]]] = {"status": STAFF_STATUS_FILTERS}
    rows: list[AdminInvoiceRow] = []

    def _fetch(self, db, ctx) -> None:
        found, self.total = rules.list_invoices_admin(db, q=self.q, status=self.filter_values.get("status", ""),
                                                      page=self.page)
        f, on = Formats(self.lang or "en"), today()
        self.rows = [AdminInvoiceRow(i.id, i.number or "", a.name, a.number, display_status(i, on),
                                     f.date(i.issue_date), f.date(i.due_date), f.money(i.total_minor, i.currency),
                                     f.money(amount_due(i), i.currency)) for i, a in found]

    @staff_event
    def create_draft(self, db, ctx, form: dict):
        inv = rules.create_draft_for_number(db, ctx, str(form.get("account_number", ""))[:40])
        return rx.redirect(f"/admin/invoice?id={inv.id}")


class AdminInvoiceState(Dialogs, StaffState):
    """The invoice editor; its dialogs (`Dialogs`): "issue", "void", "cancel" (a credit note for all that
    remains) and "credit" (a credit note for chosen quantities)."""
    area: ClassVar[str] = "billing"

    invoice_id: int = 0
    account_id: int = 0
    account_name: str = ""
    account_number: str = ""
    consumption_on: bool = True
    address_missing: bool = False  # no buyer postal address: the e-invoice is not EN 16931-complete
    view: InvoiceView = InvoiceView()
    is_draft: bool = False
    currency: str = "EUR"
    due_date: str = ""  # ISO, for the date input
    source: str = ""
    lines: list[LineRow] = []
    files: list[FileRow] = []
    payments: list[SettlementRow] = []
    credit_notes: list[CreditNoteRow] = []
    credit_lines: list[CreditLineRow] = []
    line: LineForm = LineForm()
    default_rate: str = ""
    form_version: int = 0
    payment_saved: bool = False
    emails_sent: int = 0

    def _fill(self, db, ctx, invoice_id) -> None:
        inv, account = rules.get_invoice_admin(db, ctx, invoice_id)
        f, cur = Formats(self.lang or "en"), inv.currency
        self.invoice_id, self.account_id = inv.id, account.id
        self.account_name, self.account_number = account.name, account.number
        self.consumption_on = account.send_consumption_statements
        self.address_missing = buyer_address_missing(account)
        self.view = invoice_view(f, inv, display_status(inv), amount_due(inv))
        self.is_draft, self.currency, self.source = inv.status == DRAFT, cur, inv.source
        self.due_date = inv.due_date.isoformat() if inv.due_date else ""
        self.lines = line_rows(f, lines_of(db, inv.id), cur)
        self.files = file_rows(f, consumption.files_of(db, inv.id), draft=inv.status == DRAFT)
        self.payments = settlement_rows(f, payments.payments_of(db, inv.id), cur)
        self.credit_notes = credit_note_rows(f, credit_notes.credit_notes_of(db, inv.id))
        self.credit_lines = [] if inv.status == DRAFT else [
            CreditLineRow(r.line.id, r.line.description, f.quantity(r.quantity_milli),
                          credit_notes.plain_quantity(r.quantity_milli))
            for r in credit_notes.remaining_lines(db, inv) if r.quantity_milli > 0]
        self.default_rate = plain_rate(settings.get_settings_row(db).default_tax_rate_bp)
        self.form_version += 1

    def _refill(self, db, ctx) -> None:
        """After a change: the page again from the database, and no stale message."""
        self._fill(db, ctx, self.invoice_id)
        self.flash_key = ""

    def _refill_now(self, ctx) -> None:
        """`_refill` from a background handler, under the state lock, in a short session of its own."""
        with session_scope() as db:
            self._refill(db, ctx)

    def _reset_line_form(self) -> None:
        self.line = LineForm(rate=self.default_rate)

    @staff_event("read")
    def load_invoice(self, db, ctx):
        self.dialog, self.payment_saved = "", False
        self.emails_sent, self.invoice_id = 0, 0
        self._fill(db, ctx, query_id(self, "id"))
        self._reset_line_form()

    @staff_event
    def save_header(self, db, ctx, form: dict):
        rules.update_draft(db, ctx, self.invoice_id, currency=str(form.get("currency", ""))[:3],
                           due_date=str(form.get("due_date", ""))[:10], notes=str(form.get("notes", ""))[:2000])
        self._refill(db, ctx)

    @staff_event
    def save_line(self, db, ctx, form: dict):
        rules.save_line(db, ctx, self.invoice_id, line_id=self.line.id or None,
                        description=str(form.get("description", ""))[:500], quantity=str(form.get("quantity", ""))[:20],
                        unit_price=str(form.get("unit_price", ""))[:20], tax_rate=str(form.get("tax_rate", ""))[:10],
                        is_usage=bool(form.get("is_usage")))
        self._refill(db, ctx)
        self._reset_line_form()

    @staff_event("read")
    def edit_line(self, db, ctx, line_id: str):
        inv, _ = rules.get_invoice_admin(db, ctx, self.invoice_id)
        line = next((li for li in lines_of(db, inv.id) if str(li.id) == str(line_id)), None)
        if line is None:
            raise NotFound()
        self.line = LineForm(line.id, line.description, f"{Decimal(line.quantity_milli) / 1000:f}",
                             _plain_amount(line.unit_price_minor, inv.currency), plain_rate(line.tax_rate_bp),
                             line.is_usage)
        self.form_version += 1

    @staff_event("read")
    def cancel_edit(self, db, ctx):
        self._reset_line_form()
        self.form_version += 1

    @staff_event
    def delete_line(self, db, ctx, line_id: str):
        rules.delete_line(db, ctx, self.invoice_id, line_id)
        self._refill(db, ctx)

    @staff_event
    def delete_draft(self, db, ctx):
        rules.delete_draft(db, ctx, self.invoice_id)
        return rx.redirect("/admin/invoices")

    @staff_event(background=True)
    async def issue(self, ctx):
        """Number, PDF and emails, off the event loop (`off_loop`): rendering the PDF takes a few tenths
        of a second. The emails go once the transaction commits, from a worker thread."""
        async with self:
            self.dialog = ""
            invoice_id = self.invoice_id

        def work(db):
            deliveries = rules.issue_invoice(db, ctx, invoice_id).deliveries
            notify.dispatch_after_commit(db, deliveries)
            return len(deliveries)

        count = await off_loop(work)
        async with self:
            self._refill_now(ctx)
            self.emails_sent = count
            self._flash("admin.invoice.issued", "info", number=self.view.number, count=count)

    @staff_event
    def void(self, db, ctx, form: dict):
        rules.void_invoice(db, ctx, self.invoice_id, str(form.get("reason", ""))[:300])
        self._refill(db, ctx)
        self.dialog = ""

    @staff_event(background=True)
    async def cancel_with_credit_note(self, ctx, form: dict):
        """Cancel the invoice: a credit note for everything not yet credited (its PDF off the loop)."""
        await self._credit(ctx, str(form.get("reason", ""))[:300], None)

    @staff_event(background=True)
    async def issue_partial_credit(self, ctx, form: dict):
        """A credit note for the quantities typed in the dialog (fields `qty-<line id>`)."""
        quantities = {str(k)[4:]: str(v)[:20] for k, v in list(form.items())[:rules.MAX_LINES + 1]
                      if str(k).startswith("qty-")}
        await self._credit(ctx, str(form.get("reason", ""))[:300], quantities)

    async def _credit(self, ctx, reason: str, quantities: dict | None) -> None:
        async with self:
            invoice_id = self.invoice_id
        number = await off_loop(lambda db: credit_notes.credit_invoice(db, ctx, invoice_id, reason, quantities).number)
        async with self:
            self._refill_now(ctx)
            self.dialog = ""
            self._flash("admin.invoice.credit_note_issued", "info", number=number)

    @staff_event
    def record_payment(self, db, ctx, form: dict):
        self.payment_saved = False
        payments.record_manual_payment(db, ctx, self.invoice_id, amount=str(form.get("amount", ""))[:20],
                                       received_on=str(form.get("received_on", ""))[:10],
                                       reference=str(form.get("reference", ""))[:200])
        self._refill(db, ctx)
        self.payment_saved = True

    @staff_event(background=True)
    async def upload_consumption(self, ctx, chunks: rx.UploadChunkIterator):
        """Streamed (rx.upload_files_chunk): the staff session first, then each file a chunk at a time as
        it arrives (at most its limit plus one chunk read), then all of them attached in one transaction:
        a refused file keeps none."""
        async with self:
            invoice_id, token = self.invoice_id, self.staff_sid

        def store(db, who, staged):
            attached = []
            try:
                with db.begin_nested():  # a refused file undoes the rows of the ones before it
                    for f in staged:  # each at most CONSUMPTION_MAX_BYTES: the intake stopped reading beyond
                        attached.append(consumption.attach_consumption_file(db, who, invoice_id, f.title,
                                                                            f.path.read_bytes()))
            except Exception:
                for row in attached:  # ...and their files
                    storage.remove_stored(storage.consumption_dir(), row.stored_name)
                raise
            return len(staged)

        count = await receive_and_store(
            chunks, area=STAGING, resolve=lambda db: staff.resolve(db, token),
            limit_for=lambda db, who: storage.CONSUMPTION_MAX_BYTES, store=store,
            max_files=CONSUMPTION_MAX_FILES, too_many_key="files.error.too_many", require_file=True,
            what="consumption upload")
        async with self:
            self._refill_now(ctx)
            self._flash("admin.invoice.files_attached", "info", count=count)

    @staff_event
    def delete_file(self, db, ctx, file_id: str):
        consumption.delete_consumption_file(db, ctx, file_id)
        self._refill(db, ctx)

    @staff_event
    def add_usage_lines(self, db, ctx, file_id: str):
        count = rules.add_usage_lines(db, ctx, file_id)
        self._refill(db, ctx)
        self._flash("billing.usage.added", "info", count=count)


class AdminPaymentsState(PagedList, Dialogs, StaffState):
    area: ClassVar[str] = "billing"
    page_size: ClassVar[int] = PAGE_SIZE
    rows: list[AdminPaymentRow] = []
    refund_for: int = 0  # the payment the refund dialog is about
    refund_left: str = ""  # what may still be refunded, as staff type it
    refunding: bool = False

    def _fetch(self, db, ctx) -> None:
        found, self.total = payments.list_payments_admin(db, page=self.page)
        lines = {p.id: payments.payment_lines(db, p.id) for p, _ in found}
        made = refunds.refunds_of(db, [p.id for p, _ in found])
        f = Formats(self.lang or "en")
        self.rows = [AdminPaymentRow(
            p.id, a.name, p.status, p.method, f.date((p.received_at or p.created_at).date()),
            f.money(p.amount_minor, p.currency),
            f.money(p.unallocated_minor, p.currency) if p.unallocated_minor else "",
            ", ".join(n for n, _, _ in lines.get(p.id, [])), p.reference or p.provider_ref or "",
            refund_summary(made.get(p.id, []), f, self.lang or "en"), refunds.refundable(p) > 0)
            for p, a in found]

    @staff_event("read")
    def open_refund(self, db, ctx, payment_id: str):
        p = db.get(Payment, parse_id(payment_id))
        if p is None or refunds.refundable(p) <= 0:
            raise NotFound()
        self.refund_for, self.refund_left = p.id, _plain_amount(refunds.refundable(p), p.currency)
        self.dialog = "refund"

    @staff_event(background=True)  # Stripe is called off the state lock
    async def refund_payment(self, ctx, form: dict):
        async with self:
            if self.refunding:
                return
            self.refunding, payment_id = True, self.refund_for
        try:
            await asyncio.to_thread(refunds.start_refund, ctx, payment_id, str(form.get("amount", ""))[:40],
                                    str(form.get("reason", ""))[:refunds.REASON_MAX])
        finally:
            async with self:
                self.refunding = False
        async with self:
            self.dialog = ""
            self._flash("billing.refund_asked", "info")
            with session_scope() as db:
                self._fetch(db, ctx)


class AdminBillingSettingsState(SettingsPage, StaffState):
    area: ClassVar[str] = "settings"
    form: SettingsForm = SettingsForm()
    example_number: str = ""
    online_payment: bool = False

    def _fill(self, db) -> None:
        s = settings.get_settings_row(db)
        self.form = settings_form(s, settings.format_iban(s.bank_iban))
        self.example_number = format_number(s, today().year, 1)[1]
        self.online_payment = online_payment_enabled()

    def _save(self, db, ctx, form: dict) -> None:
        f = {k.name: str(form.get(k.name, ""))[:1000] for k in dataclasses.fields(SettingsForm)
             if k.name != "number_yearly"}
        settings.update_settings(db, ctx, number_yearly=bool(form.get("number_yearly")), **f)


class AdminInvoiceImportState(StaffState):
    area: ClassVar[str] = "billing"
    created: int = 0
    skipped: int = 0
    errors: list[str] = []
    done: bool = False

    @staff_event("read")
    def load_import(self, db, ctx):
        self.created = self.skipped = 0
        self.errors, self.done = [], False

    @staff_event(background=True)
    async def import_files(self, ctx, chunks: rx.UploadChunkIterator):
        """One CSV and the PDFs it names, streamed together (rx.upload_files_chunk): the staff session
        first, then each file a chunk at a time to the staging folder as it arrives (never the whole
        upload in memory), then the import, which reads each PDF only when a row names it."""
        async with self:
            self.done, self.errors, token = False, [], self.staff_sid

        def store(db, who, staged):
            csv_data, pdfs = b"", {}
            for f in staged:
                if f.title.lower().endswith(".csv"):
                    csv_data = f.path.read_bytes()  # at most PDF_MAX_BYTES: the intake's limit per file
                else:
                    pdfs[storage.safe_filename(f.title)] = f.path
            return imports.import_invoices(db, who, csv_data, pdfs)

        report = await receive_and_store(
            chunks, area=STAGING, resolve=lambda db: staff.resolve(db, token),
            limit_for=lambda db, who: storage.PDF_MAX_BYTES, store=store, max_files=UPLOAD_MAX_FILES,
            max_total=UPLOAD_MAX_BYTES, too_many_key="files.error.too_many", what="invoice import")
        async with self:
            self.created, self.skipped = len(report.created), len(report.skipped)
            self.errors = [i18n.t(self.lang or "en", key, **params) for _, key, params in report.errors[:100]]
            self.done = True
            self.flash_key = ""


USAGE_PERIODS_OFFERED = 3  # the next periods not invoiced yet a consumption file can be received for
SUBSCRIPTION_FORM_LINES = 5  # rows of the editor; a subscription may have up to subscriptions.MAX_LINES


def _form_lines(form: dict) -> list[dict]:
    """The editor's rows (`desc-1`, `qty-1`, `price-1`, `rate-1`, …) as the rules read them."""
    return [{"description": str(form.get(f"desc-{i}", ""))[:500], "quantity": str(form.get(f"qty-{i}", ""))[:20],
             "unit_price": str(form.get(f"price-{i}", ""))[:20], "tax_rate": str(form.get(f"rate-{i}", ""))[:10]}
            for i in range(1, SUBSCRIPTION_FORM_LINES + 1)]


class AdminSubscriptionsState(PagedList, Dialogs, StaffState):
    """Recurring bills: the list, a new one, changing one's lines ("change" dialog), ending one."""
    area: ClassVar[str] = "billing"
    page_size: ClassVar[int] = PAGE_SIZE
    rows: list[SubscriptionRow] = []
    editing_id: int = 0
    editing_name: str = ""
    edit_lines: list[SubscriptionLineForm] = []
    new_lines: list[SubscriptionLineForm] = []
    form_version: int = 0
    usage_periods: list[PeriodOption] = []
    usage_period: str = ""
    usage_files: list[UsageFileRow] = []

    def _fetch(self, db, ctx) -> None:
        found, self.total = subscriptions.list_subscriptions_admin(db, page=self.page, page_size=PAGE_SIZE)
        f = Formats(self.lang or "en")
        nets = subscriptions.period_amounts(db, [sub.id for sub, _ in found])
        self.rows = [SubscriptionRow(sub.id, f"{a.name} · {a.number}", sub.name, sub.period,
                                     f.date(sub.next_date) if sub.active else "",
                                     f.money(nets.get(sub.id, 0), sub.currency), sub.active) for sub, a in found]
        self.new_lines = [SubscriptionLineForm(i, rate=plain_rate(settings.get_settings_row(db).default_tax_rate_bp))
                          for i in range(1, SUBSCRIPTION_FORM_LINES + 1)]

    @staff_event
    def create_subscription(self, db, ctx, form: dict):
        account = rules.account_by_number(db, str(form.get("account_number", ""))[:40])
        subscriptions.create_subscription(
            db, ctx, account_id=account.id, name=str(form.get("name", ""))[:200],
            period=str(form.get("period", ""))[:10], currency=str(form.get("currency", ""))[:3],
            start_date=str(form.get("start_date", ""))[:10], lines=_form_lines(form))
        self._refetch(db, ctx)
        self.form_version += 1
        self._flash("admin.subscriptions.created", "info")

    @staff_event("read")
    def open_change(self, db, ctx, subscription_id: str):
        sub = subscriptions.subscription_row(db, subscription_id)
        lines = subscriptions.lines_of_subscription(db, sub.id)
        self.editing_id, self.editing_name = sub.id, sub.name
        self.edit_lines = [SubscriptionLineForm(i, li.description, credit_notes.plain_quantity(li.quantity_milli),
                                                str(i18n.minor_to_decimal(li.unit_price_minor, sub.currency)),
                                                plain_rate(li.tax_rate_bp)) if li else SubscriptionLineForm(i)
                           for i, li in enumerate((lines + [None] * SUBSCRIPTION_FORM_LINES)
                                                  [:SUBSCRIPTION_FORM_LINES], 1)]
        self.form_version += 1
        self.dialog = "change"

    @staff_event
    def change_subscription(self, db, ctx, form: dict):
        subscriptions.change_lines(db, ctx, self.editing_id, _form_lines(form))
        self._refetch(db, ctx)
        self.dialog = ""
        self._flash("admin.subscriptions.changed", "info")

    @staff_event("read")
    def open_usage(self, db, ctx, subscription_id: str):
        """The "usage file" dialog: the periods a file can still be received for, and the files received."""
        sub = subscriptions.subscription_row(db, subscription_id)
        self.editing_id, self.editing_name = sub.id, sub.name
        self._fill_usage(db)
        self.usage_period = self.usage_periods[0].value if self.usage_periods else ""
        self.dialog = "usage"

    @staff_event("read")
    def choose_usage_period(self, db, ctx, value: str):
        if value in {p.value for p in self.usage_periods}:
            self.usage_period = value

    def _fill_usage(self, db) -> None:
        sub = subscriptions.subscription_row(db, self.editing_id)
        f = Formats(self.lang or "en")
        dates = [subscriptions.period_date(sub.start_date, sub.period, sub.periods_billed + k)
                 for k in range(USAGE_PERIODS_OFFERED)] if sub.active else []
        self.usage_periods = [PeriodOption(d.isoformat(), f.date(d)) for d in dates]
        files = usage_files.period_files(db, sub.id)
        numbers = consumption.invoice_numbers(db, [r.invoice_id for r in files if r.invoice_id])
        self.usage_files = [UsageFileRow(r.id, r.filename, f.date(r.period), f.money(r.usage_minor, sub.currency),
                                         numbers.get(r.invoice_id, "")) for r in files]

    @staff_event(background=True)
    async def upload_usage(self, ctx, chunks: rx.UploadChunkIterator):
        """One consumption CSV for the chosen period, streamed like the invoice's files; the usage alerts it
        fires are sent after the commit."""
        async with self:
            subscription_id, period, token = self.editing_id, self.usage_period, self.staff_sid
        fired: list = []

        def store(db, who, staged):
            row, deliveries = usage_files.attach_period_file(db, who, subscription_id, period, staged[0].title,
                                                             staged[0].path.read_bytes())
            fired.extend(deliveries)
            return row.filename

        name = await receive_and_store(
            chunks, area=STAGING, resolve=lambda db: staff.resolve(db, token),
            limit_for=lambda db, who: storage.CONSUMPTION_MAX_BYTES, store=store, max_files=1,
            too_many_key="files.error.too_many", require_file=True, what="usage upload")
        notify.dispatch(fired)
        async with self:
            with session_scope() as db:
                self._fill_usage(db)
            self._flash("admin.subscriptions.usage_received", "info", name=name)

    @staff_event
    def end_subscription(self, db, ctx, subscription_id: str):
        subscriptions.end_subscription(db, ctx, subscription_id)
        self._refetch(db, ctx)
