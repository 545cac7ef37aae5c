"""Invoice and receipt PDFs (fpdf2), in the document's language.

The PDF standard fonts are used with the Windows-1252 encoding (WinAnsiEncoding): every viewer has
them, nothing is embedded, and they cover English, French, German and the other Western European
languages including "€", "é", "ü", "œ". Characters outside it are transliterated ("ł" → "l") rather
than lost; scripts such as Hebrew or Thai will need an embedded Unicode font (see the README).
"""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from sqlmodel import Session
from text_unidecode import unidecode

from portal_app.core.models.accounts import Account
from portal_app.billing.models import BillingSettings, CreditNote, CreditNoteLine, Invoice, InvoiceLine, Payment
from portal_app.core.business import business_view
from portal_app.core.i18n import format_date, format_money, t
from portal_app.core.notify import portal_url

FONT = "Helvetica"
ENCODING = "cp1252"
# Spaces Babel puts in French numbers that Windows-1252 lacks; the no-break space is in it.
_SPACES = {"\u202f": "\u00a0", "\u2009": " ", "\u2007": " ", "\u200b": ""}


def pdf_text(text: str) -> str:
    """Text the standard fonts can show: Windows-1252 as is, anything else transliterated."""
    out = []
    for ch in str(text or ""):
        ch = _SPACES.get(ch, ch)
        try:
            ch.encode(ENCODING)
            out.append(ch)
        except UnicodeEncodeError:
            out.append(unidecode(ch) or "?")
    return "".join(out)


def _rate(bp: int, lang: str) -> str:
    from babel.numbers import format_decimal

    return f"{format_decimal(bp / 100, format='#,##0.##', locale=lang)} %"


def _qty(milli: int, lang: str) -> str:
    from decimal import Decimal

    from babel.numbers import format_decimal

    return format_decimal(Decimal(milli) / 1000, format="#,##0.###", locale=lang)


class _Doc(FPDF):
    def __init__(self, lang: str, footer_text: str, draft: bool = False):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.lang, self.footer_text, self.draft = lang, footer_text, draft
        self.set_auto_page_break(True, margin=20)
        self.set_margins(18, 18, 18)

    def header(self):
        if self.draft:
            self.set_font(FONT, "B", 60)
            self.set_text_color(235, 235, 235)
            with self.rotation(30, x=105, y=150):
                self.text(40, 170, pdf_text(t(self.lang, "pdf.draft")))
            self.set_text_color(0, 0, 0)

    def footer(self):
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, pdf_text(f"{self.footer_text}  ·  {self.page_no()}/{{nb}}"), align="C")
        self.set_text_color(0, 0, 0)

    def txt(self, text: str, size: float = 10, style: str = "", h: float = 5, align: str = "L", w: float = 0):
        self.set_font(FONT, style, size)
        self.multi_cell(w, h, pdf_text(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _money(minor: int, currency: str, lang: str) -> str:
    return pdf_text(format_money(minor, currency, lang))


def _issuer_block(pdf: _Doc, name: str, details: str, title: str, facts: list[tuple[str, str]]) -> None:
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(95, 8, pdf_text(name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if details:
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(95, 4.5, pdf_text(details), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_end = pdf.get_y()
    pdf.set_xy(120, top)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(72, 9, pdf_text(title), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    for label, value in facts:
        pdf.set_x(120)
        pdf.set_font(FONT, "", 9)
        pdf.cell(32, 5.5, pdf_text(label))
        pdf.set_font(FONT, "B", 9)
        pdf.cell(40, 5.5, pdf_text(value), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_x(120)
    pdf.set_y(max(left_end, pdf.get_y()) + 6)


def postal_lines(account: Account, lang: str) -> list[str]:
    """The account's postal address as printed: street, postcode and city, the country's name in `lang`."""
    if not account.country:
        return []
    from babel import Locale

    try:
        country = Locale.parse(lang).territories.get(account.country, account.country)
    except (ValueError, LookupError):
        country = account.country
    return [x for x in (account.street, " ".join(p for p in (account.postcode, account.city) if p), country) if x]


def _bill_to(pdf: _Doc, lang: str, account: Account) -> None:
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(0, 5, pdf_text(t(lang, "pdf.bill_to").upper()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.txt(account.name, 11, "B")
    for line in postal_lines(account, lang):
        pdf.txt(line, 9)
    pdf.txt(t(lang, "pdf.customer_number", number=account.number), 9)
    if account.billing_email:
        pdf.txt(account.billing_email, 9)
    pdf.ln(5)


def _lines_and_totals(pdf: _Doc, lang: str, lines, cur: str, doc, tax_label: str):
    """The lines table, the subtotal and the tax rows of an invoice or credit note; returns the
    function that writes one more total row."""
    pdf.set_font(FONT, "", 9)
    pdf.set_draw_color(200, 200, 200)
    with pdf.table(col_widths=(86, 18, 26, 16, 28), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                   line_height=5.5, padding=1.5, borders_layout="HORIZONTAL_LINES",
                   headings_style=FontFace(emphasis="BOLD", fill_color=(243, 244, 246)),
                   first_row_as_headings=True) as table:
        head = table.row()
        for key in ("pdf.description", "pdf.quantity", "pdf.unit_price", "pdf.tax_rate", "pdf.amount"):
            head.cell(pdf_text(t(lang, key)))
        for line in lines:
            row = table.row()
            row.cell(pdf_text(line.description))
            row.cell(pdf_text(_qty(line.quantity_milli, lang)))
            row.cell(_money(line.unit_price_minor, cur, lang))
            row.cell(pdf_text(_rate(line.tax_rate_bp, lang)))
            row.cell(_money(line.net_minor, cur, lang))
    pdf.ln(4)

    def total_row(label: str, value: str, bold: bool = False):
        pdf.set_x(100)
        pdf.set_font(FONT, "B" if bold else "", 10 if bold else 9)
        pdf.cell(58, 6, pdf_text(label))
        pdf.cell(34, 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    total_row(t(lang, "pdf.subtotal"), _money(doc.subtotal_minor, cur, lang))
    for b in doc.tax_breakdown or []:
        total_row(t(lang, "pdf.tax_line", tax=tax_label, rate=_rate(b["rate_bp"], lang),
                    net=format_money(b["net"], cur, lang)), _money(b["tax"], cur, lang))
    return total_row


def render_invoice_pdf(db: Session, inv: Invoice, account: Account, lines: list[InvoiceLine],
                       settings: BillingSettings, *, draft: bool = False) -> bytes:
    lang = inv.language or "en"
    biz = business_view(db)
    pdf = _Doc(lang, t(lang, "pdf.footer", business=biz.name), draft=draft)
    pdf.set_title(pdf_text(t(lang, "pdf.invoice_title", number=inv.number or t(lang, "pdf.draft"))))
    pdf.set_author(pdf_text(biz.name))
    pdf.set_creator("Guichet")
    pdf.add_page()
    facts = [(t(lang, "pdf.number"), inv.number or t(lang, "pdf.draft")),
             (t(lang, "pdf.issue_date"), format_date(inv.issue_date, lang) if inv.issue_date else "-"),
             (t(lang, "pdf.due_date"), format_date(inv.due_date, lang) if inv.due_date else "-")]
    _issuer_block(pdf, biz.name, settings.issuer_details, t(lang, "pdf.invoice"), facts)
    _bill_to(pdf, lang, account)

    cur = inv.currency
    total_row = _lines_and_totals(pdf, lang, lines, cur, inv, settings.tax_label)
    total_row(t(lang, "pdf.total"), _money(inv.total_minor, cur, lang), bold=True)
    if inv.paid_minor:
        total_row(t(lang, "pdf.already_paid"), _money(inv.paid_minor, cur, lang))
        total_row(t(lang, "pdf.amount_due"), _money(max(inv.total_minor - inv.paid_minor, 0), cur, lang), bold=True)
    pdf.ln(6)

    pdf.txt(t(lang, "pdf.how_to_pay"), 10, "B")
    pdf.txt(t(lang, "pdf.pay_online", url=portal_url(f"/invoice?id={inv.id}")), 9)
    if settings.bank_iban:
        from portal_app.billing.settings import format_iban

        pdf.txt(t(lang, "pdf.pay_transfer", beneficiary=settings.bank_beneficiary or biz.name,
                  iban=format_iban(settings.bank_iban), bic=settings.bank_bic or "-",
                  reference=inv.number or "-"), 9)
    if inv.notes:
        pdf.ln(3)
        pdf.txt(inv.notes, 9)
    return bytes(pdf.output())


def render_credit_note_pdf(db: Session, note: CreditNote, inv: Invoice, account: Account,
                           lines: list[CreditNoteLine], settings: BillingSettings) -> bytes:
    """A credit note: the invoice it credits, the credited lines and amounts, shown as positive
    amounts under the title "Credit note" (its own number sequence)."""
    lang = note.language or "en"
    biz = business_view(db)
    pdf = _Doc(lang, t(lang, "pdf.footer", business=biz.name))
    pdf.set_title(pdf_text(t(lang, "pdf.credit_note_title", number=note.number)))
    pdf.set_author(pdf_text(biz.name))
    pdf.set_creator("Guichet")
    pdf.add_page()
    facts = [(t(lang, "pdf.number"), note.number),
             (t(lang, "pdf.issue_date"), format_date(note.issue_date, lang)),
             (t(lang, "pdf.credits_invoice"), inv.number or "-"),
             (t(lang, "pdf.invoice_date"), format_date(inv.issue_date, lang) if inv.issue_date else "-")]
    _issuer_block(pdf, biz.name, settings.issuer_details, t(lang, "pdf.credit_note"), facts)
    _bill_to(pdf, lang, account)
    cur = note.currency
    total_row = _lines_and_totals(pdf, lang, lines, cur, note, settings.tax_label)
    total_row(t(lang, "pdf.credit_total"), _money(note.total_minor, cur, lang), bold=True)
    if note.released_minor:
        total_row(t(lang, "pdf.credit_released"), _money(note.released_minor, cur, lang))
    pdf.ln(6)
    if note.reason:
        pdf.txt(t(lang, "pdf.credit_reason", reason=note.reason), 9)
    return bytes(pdf.output())


def render_receipt_pdf(db: Session, payment: Payment, account: Account, settled: list[tuple[str, int, str]],
                       lang: str) -> bytes:
    """A receipt for one received payment: generated from the stored payment each time (it only
    restates it), in the reader's language."""
    from portal_app.billing.settings import get_settings_row

    biz = business_view(db)
    settings = get_settings_row(db)
    pdf = _Doc(lang, t(lang, "pdf.footer", business=biz.name))
    number = f"R-{payment.id:06d}"
    pdf.set_title(pdf_text(t(lang, "pdf.receipt_title", number=number)))
    pdf.set_author(pdf_text(biz.name))
    pdf.set_creator("Guichet")
    pdf.add_page()
    received: datetime | None = payment.received_at or payment.created_at
    _issuer_block(pdf, biz.name, settings.issuer_details, t(lang, "pdf.receipt"),
                  [(t(lang, "pdf.number"), number),
                   (t(lang, "pdf.received_on"), format_date(received.date(), lang) if received else "-")])
    _bill_to(pdf, lang, account)
    pdf.txt(t(lang, "pdf.receipt_text", amount=format_money(payment.amount_minor, payment.currency, lang),
              method=t(lang, f"billing.method.{payment.method}")), 10)
    if payment.reference:
        pdf.txt(t(lang, "pdf.reference", reference=payment.reference), 9)
    pdf.ln(3)
    for number_, amount, currency in settled:
        pdf.txt(t(lang, "pdf.settles", number=number_, amount=format_money(amount, currency, lang)), 9)
    if payment.unallocated_minor:
        pdf.txt(t(lang, "pdf.credit_left", amount=format_money(payment.unallocated_minor, payment.currency, lang)), 9)
    return bytes(pdf.output())
