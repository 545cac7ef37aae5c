"""Console billing: invoices list, the invoice editor (draft, issue, void, payment, files), payments,
billing settings and the import of invoices issued elsewhere."""

from __future__ import annotations

from decimal import Decimal

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.billing.models import DRAFT
from portal_app.billing import rules as billing, imports as billing_import
from portal_app.core import i18n, notify
from portal_app.core.errors import DomainError
from portal_app.core.states.paging import page_count as _pages, query_int as _query_int
from portal_app.billing.state import _qty, _rate, _size
from portal_app.core.states.staff import StaffState

UPLOAD_MAX_FILES = 200
UPLOAD_MAX_BYTES = 200 * 1024 * 1024  # one import's files together


def _plain_amount(minor: int, currency: str) -> str:
    """An amount as staff type it back into a form ("1234.50")."""
    return str(i18n.minor_to_decimal(minor, currency))


class AdminInvoicesState(StaffState):
    q: str = ""
    status: str = ""
    page: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []

    @rx.var
    def pages(self) -> int:
        return _pages(self.total, billing.PAGE_SIZE)

    def _fetch(self, db) -> None:
        self._staff(db)
        found, self.total = billing.list_invoices_admin(db, q=self.q, status=self.status, page=self.page)
        lang, on = self.lang or "en", billing.today()
        self.rows = [{"id": str(i.id), "number": i.number or "", "account": a.name, "account_number": a.number,
                      "status": billing.display_status(i, on),
                      "issue_date": i18n.format_date(i.issue_date, lang) if i.issue_date else "",
                      "due_date": i18n.format_date(i.due_date, lang) if i.due_date else "",
                      "total": i18n.format_money(i.total_minor, i.currency, lang),
                      "due": i18n.format_money(billing.amount_due(i), i.currency, lang)} for i, a in found]

    def _run(self) -> None:
        try:
            with session_scope() as db:
                self._fetch(db)
        except DomainError as exc:
            self._flash_error(exc)

    @rx.event
    def load_invoices(self):
        self.q, self.page = "", 1
        wanted = self.router.url.query_parameters.get("status", "")
        self.status = wanted if wanted in billing.STAFF_STATUS_FILTERS else ""
        self._run()

    @rx.event
    def search(self, form: dict):
        self.q, self.page = str(form.get("q", ""))[:100], 1
        status = str(form.get("status", ""))
        self.status = status if status in billing.STAFF_STATUS_FILTERS else ""
        self._run()

    @rx.event
    def turn_page(self, delta: int):
        self.page = min(max(self.page + (1 if str(delta) == "1" else -1), 1), self.pages)
        self._run()

    @rx.event
    def create_draft(self, form: dict):
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                inv = billing.create_draft_for_number(db, ctx, str(form.get("account_number", ""))[:40])
                new_id = inv.id
        except DomainError as exc:
            self._flash_error(exc)
            return
        return rx.redirect(f"/admin/invoice?id={new_id}")


class AdminInvoiceState(StaffState):
    invoice_id: int = 0
    account_id: int = 0
    account_name: str = ""
    account_number: str = ""
    consumption_on: bool = True
    number: str = ""
    status: str = ""
    is_draft: bool = False
    currency: str = "EUR"
    due_date: str = ""  # ISO, for the date input
    notes: str = ""
    issue_date: str = ""
    due_date_text: str = ""
    subtotal: str = ""
    tax_text: str = ""
    total_text: str = ""
    paid_text: str = ""
    due_text: str = ""
    void_reason: str = ""
    has_pdf: bool = False
    source: str = ""
    lines: list[dict[str, str]] = []
    files: list[dict[str, str]] = []
    payments: list[dict[str, str]] = []
    # The line form: a new line, or the one being edited.
    line_id: int = 0
    line_description: str = ""
    line_quantity: str = "1"
    line_price: str = ""
    line_rate: str = ""
    line_usage: bool = False
    default_rate: str = ""
    form_version: int = 0
    issue_open: bool = False
    void_open: bool = False
    payment_saved: bool = False
    emails_sent: int = 0

    def _fill(self, db, invoice_id) -> None:
        ctx = self._staff(db)
        inv, account = billing.get_invoice_admin(db, ctx, invoice_id)
        lang, cur = self.lang or "en", inv.currency
        s = billing.get_settings_row(db)
        self.invoice_id, self.account_id = inv.id, account.id
        self.account_name, self.account_number = account.name, account.number
        self.consumption_on = account.send_consumption_statements
        self.number, self.status, self.is_draft = inv.number or "", billing.display_status(inv), inv.status == DRAFT
        self.currency, self.notes, self.source = cur, inv.notes, inv.source
        self.due_date = inv.due_date.isoformat() if inv.due_date else ""
        self.issue_date = i18n.format_date(inv.issue_date, lang) if inv.issue_date else ""
        self.due_date_text = i18n.format_date(inv.due_date, lang) if inv.due_date else ""
        money = lambda v: i18n.format_money(v, cur, lang)  # noqa: E731
        self.subtotal, self.tax_text, self.total_text = money(inv.subtotal_minor), money(inv.tax_minor), \
            money(inv.total_minor)
        self.paid_text, self.due_text = money(inv.paid_minor), money(billing.amount_due(inv))
        self.void_reason, self.has_pdf = inv.void_reason, bool(inv.pdf_file)
        self.lines = [{"id": str(li.id), "description": li.description, "quantity": _qty(li.quantity_milli, lang),
                       "unit_price": money(li.unit_price_minor), "rate": _rate(li.tax_rate_bp, lang),
                       "amount": money(li.net_minor), "usage": "1" if li.is_usage else ""}
                      for li in billing.lines_of(db, inv.id)]
        self.files = [{"id": str(f.id), "name": f.filename, "size": _size(f.size_bytes, lang)}
                      for f in billing.files_of(db, inv.id)]
        self.payments = [{"id": str(p.id), "date": i18n.format_date((p.received_at or p.created_at).date(), lang),
                          "amount": money(a), "method": p.method, "reference": p.reference}
                         for p, a in billing.payments_of(db, inv.id)]
        self.default_rate = str(s.default_tax_rate_bp / 100).rstrip("0").rstrip(".")
        self.form_version += 1

    def _reset_line_form(self) -> None:
        self.line_id, self.line_description, self.line_quantity = 0, "", "1"
        self.line_price, self.line_rate, self.line_usage = "", self.default_rate, False

    def _do(self, action) -> bool:
        """Run `action(db, ctx)` then refill the page; a domain error becomes the flash message."""
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                action(db, ctx)
                self._fill(db, self.invoice_id)
        except DomainError as exc:
            self._flash_error(exc)
            return False
        self.flash_key = ""
        return True

    @rx.event
    def load_invoice(self):
        self.issue_open = self.void_open = self.payment_saved = False
        self.emails_sent = 0
        invoice_id = _query_int(self, "id")
        try:
            with session_scope() as db:
                if invoice_id is None:
                    self._staff(db)
                    raise DomainError("error.not_found")
                self._fill(db, invoice_id)
        except DomainError as exc:
            self.invoice_id = 0
            self._flash_error(exc)
            return
        self._reset_line_form()

    @rx.event
    def save_header(self, form: dict):
        self._do(lambda db, ctx: billing.update_draft(
            db, ctx, self.invoice_id, currency=str(form.get("currency", ""))[:3],
            due_date=str(form.get("due_date", ""))[:10], notes=str(form.get("notes", ""))[:2000]))

    @rx.event
    def save_line(self, form: dict):
        ok = self._do(lambda db, ctx: billing.save_line(
            db, ctx, self.invoice_id, line_id=self.line_id or None,
            description=str(form.get("description", ""))[:500], quantity=str(form.get("quantity", ""))[:20],
            unit_price=str(form.get("unit_price", ""))[:20], tax_rate=str(form.get("tax_rate", ""))[:10],
            is_usage=bool(form.get("is_usage"))))
        if ok:
            self._reset_line_form()

    @rx.event
    def edit_line(self, line_id: str):
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                inv, _ = billing.get_invoice_admin(db, ctx, self.invoice_id)
                line = next((li for li in billing.lines_of(db, inv.id) if str(li.id) == str(line_id)), None)
                if line is None:
                    raise DomainError("error.not_found")
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.line_id, self.line_description = line.id, line.description
        self.line_quantity = f"{Decimal(line.quantity_milli) / 1000:f}"
        self.line_price = _plain_amount(line.unit_price_minor, inv.currency)
        self.line_rate = str(line.tax_rate_bp / 100).rstrip("0").rstrip(".")
        self.line_usage = line.is_usage
        self.form_version += 1

    @rx.event
    def cancel_edit(self):
        self._reset_line_form()
        self.form_version += 1

    @rx.event
    def delete_line(self, line_id: str):
        self._do(lambda db, ctx: billing.delete_line(db, ctx, self.invoice_id, line_id))

    @rx.event
    def delete_draft(self):
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                billing.delete_draft(db, ctx, self.invoice_id)
        except DomainError as exc:
            self._flash_error(exc)
            return
        return rx.redirect("/admin/invoices")

    @rx.event
    def open_issue(self):
        self.issue_open = True

    @rx.event
    def close_issue(self):
        self.issue_open = False

    @rx.event
    def issue(self):
        """Number, PDF and emails: the emails go after the commit, from a worker thread."""
        self.issue_open = False
        deliveries: list = []

        def act(db, ctx):
            deliveries.extend(billing.issue_invoice(db, ctx, self.invoice_id).deliveries)

        if self._do(act):
            notify.dispatch(deliveries)
            self.emails_sent = len(deliveries)
            self._flash("admin.invoice.issued", "info", number=self.number, count=len(deliveries))

    @rx.event
    def open_void(self):
        self.void_open = True

    @rx.event
    def close_void(self):
        self.void_open = False

    @rx.event
    def void(self, form: dict):
        if self._do(lambda db, ctx: billing.void_invoice(db, ctx, self.invoice_id, str(form.get("reason", ""))[:300])):
            self.void_open = False

    @rx.event
    def record_payment(self, form: dict):
        self.payment_saved = self._do(lambda db, ctx: billing.record_manual_payment(
            db, ctx, self.invoice_id, amount=str(form.get("amount", ""))[:20],
            received_on=str(form.get("received_on", ""))[:10], reference=str(form.get("reference", ""))[:200]))

    @rx.event
    async def upload_consumption(self, files: list[rx.UploadFile]):
        for f in files[:20]:
            data = await f.read(billing.CONSUMPTION_MAX_BYTES + 1)
            name = str(getattr(f, "name", None) or getattr(f, "filename", None) or "consumption")
            if not self._do(lambda db, ctx: billing.attach_consumption_file(db, ctx, self.invoice_id, name, data)):
                return
        self._flash("admin.invoice.files_attached", "info", count=min(len(files), 20))

    @rx.event
    def delete_file(self, file_id: str):
        self._do(lambda db, ctx: billing.delete_consumption_file(db, ctx, file_id))


class AdminPaymentsState(StaffState):
    page: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []

    @rx.var
    def pages(self) -> int:
        return _pages(self.total, billing.PAGE_SIZE)

    def _run(self) -> None:
        lang = self.lang or "en"
        try:
            with session_scope() as db:
                self._staff(db)
                found, self.total = billing.list_payments_admin(db, page=self.page)
                lines = {p.id: billing.payment_lines(db, p.id) for p, _ in found}
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.rows = [{"id": str(p.id), "account": a.name, "status": p.status, "method": p.method,
                      "date": i18n.format_date((p.received_at or p.created_at).date(), lang),
                      "amount": i18n.format_money(p.amount_minor, p.currency, lang),
                      "credit": i18n.format_money(p.unallocated_minor, p.currency, lang) if p.unallocated_minor else "",
                      "invoices": ", ".join(n for n, _, _ in lines.get(p.id, [])), "reference": p.reference or
                      p.provider_ref or ""} for p, a in found]

    @rx.event
    def load_payments(self):
        self.page = 1
        self._run()

    @rx.event
    def turn_page(self, delta: int):
        self.page = min(max(self.page + (1 if str(delta) == "1" else -1), 1), self.pages)
        self._run()


class AdminBillingSettingsState(StaffState):
    default_currency: str = "EUR"
    default_tax_rate: str = ""
    tax_label: str = ""
    number_prefix: str = ""
    number_digits: str = "5"
    number_yearly: bool = True
    payment_terms_days: str = "30"
    issuer_details: str = ""
    bank_beneficiary: str = ""
    bank_iban: str = ""
    bank_bic: str = ""
    bank_name: str = ""
    example_number: str = ""
    online_payment: bool = False
    form_version: int = 0
    saved: bool = False

    def _fill(self, db) -> None:
        from portal_app.billing.card_payments import online_payment_enabled

        s = billing.get_settings_row(db)
        self.default_currency, self.tax_label = s.default_currency, s.tax_label
        self.default_tax_rate = str(s.default_tax_rate_bp / 100).rstrip("0").rstrip(".")
        self.number_prefix, self.number_digits, self.number_yearly = s.number_prefix, str(s.number_digits), \
            s.number_yearly
        self.payment_terms_days, self.issuer_details = str(s.payment_terms_days), s.issuer_details
        self.bank_beneficiary, self.bank_iban = s.bank_beneficiary, billing.format_iban(s.bank_iban)
        self.bank_bic, self.bank_name = s.bank_bic, s.bank_name
        self.example_number = billing.format_number(s, billing.today().year, 1)[1]
        self.online_payment = online_payment_enabled()
        self.form_version += 1

    @rx.event
    def load_settings(self):
        self.saved = False
        try:
            with session_scope() as db:
                self._staff(db)
                self._fill(db)
        except DomainError:
            return

    @rx.event
    def save_settings(self, form: dict):
        self.saved = False
        f = {k: str(form.get(k, ""))[:1000] for k in (
            "default_currency", "default_tax_rate", "tax_label", "number_prefix", "number_digits",
            "payment_terms_days", "issuer_details", "bank_beneficiary", "bank_iban", "bank_bic", "bank_name")}
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                billing.update_settings(db, ctx, number_yearly=bool(form.get("number_yearly")), **f)
                self._fill(db)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.flash_key = ""
        self.saved = True


class AdminInvoiceImportState(StaffState):
    created: int = 0
    skipped: int = 0
    errors: list[str] = []
    done: bool = False

    @rx.event
    def load_import(self):
        self.created = self.skipped = 0
        self.errors, self.done = [], False

    @rx.event
    async def import_files(self, files: list[rx.UploadFile]):
        """One CSV and the PDFs it names, uploaded together."""
        self.done, self.errors = False, []
        csv_data, pdfs, total = b"", {}, 0
        for f in files[:UPLOAD_MAX_FILES]:
            name = billing.safe_filename(str(getattr(f, "name", None) or getattr(f, "filename", None) or ""))
            data = await f.read(billing.PDF_MAX_BYTES + 1)
            total += len(data)
            if total > UPLOAD_MAX_BYTES:
                self._flash("billing.import.too_large", "error", max_mb=UPLOAD_MAX_BYTES // (1024 * 1024))
                return
            if name.lower().endswith(".csv"):
                csv_data = data
            else:
                pdfs[name] = data
        lang = self.lang or "en"
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                report = billing_import.import_invoices(db, ctx, csv_data, pdfs)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.created, self.skipped = len(report.created), len(report.skipped)
        self.errors = [i18n.t(lang, key, **params) for _, key, params in report.errors[:100]]
        self.done = True
        self.flash_key = ""
