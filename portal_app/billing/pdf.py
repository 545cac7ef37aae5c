"""Invoice, credit note and receipt PDFs (fpdf2), in the document's language, every script included.

The fonts are embedded (subsets) from Python packages of the SIL Open Font License, so no system font
is needed: Noto Sans for Latin, Greek and Cyrillic, Heebo for Hebrew, Noto Sans Thai for Thai. A
character the current font lacks is drawn with the first fallback that has it. Text shaping
(HarfBuzz, through `uharfbuzz`) places Thai vowel and tone marks and lays Hebrew out right to left
(the Unicode bidirectional algorithm: numbers, IBANs and emails stay left to right inside). A Hebrew
document is also mirrored: the issuer on the right, the table's columns from right to left, the totals
on the left.
"""

from __future__ import annotations

import importlib
import os
import re
import tempfile
from importlib import metadata
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextDirection, XPos, YPos
from fpdf.fonts import FontFace
from platformdirs import user_cache_dir
from sqlmodel import Session

from portal_app.core.models.accounts import Account
from portal_app.billing.models import BillingSettings, CreditNote, CreditNoteLine, Invoice, InvoiceLine, Payment
from portal_app.core.business import business_view
from portal_app.core.i18n import RTL_LANGUAGES, format_date, format_money, t
from portal_app.core.notify import portal_url

# family -> (the package that ships it, its variable font file, its axes besides the weight)
FONTS = {
    "NotoSans": ("fontpkg_noto_sans", "NotoSans[wdth,wght].ttf", {"wdth": 100}),
    "Heebo": ("fontpkg_heebo", "Heebo[wght].ttf", {}),
    "NotoSansThai": ("fontpkg_noto_sans_thai", "NotoSansThai[wdth,wght].ttf", {"wdth": 100}),
}
# A document's own font: its script's, which has Latin letters and digits too. A line then stays in
# one font (one text run), so a right-to-left line is one run a text extractor reads in order.
LANGUAGE_FONTS = {"he": "Heebo", "th": "NotoSansThai"}
FONT = "NotoSans"
WEIGHTS = {"": 400, "B": 700}
# HarfBuzz splits Thai SARA AM into NIKHAHIT + SARA AA, and fpdf2 gives the second glyph no Unicode
# (extracted text would carry a stray control character): written decomposed (its compatibility
# decomposition, the same glyphs), every glyph keeps its character.
_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")  # Hebrew, Arabic and their forms
_DECOMPOSED = str.maketrans({"\u0e33": "\u0e4d\u0e32"})
# The font a character the document's own font lacks is drawn in, by script; anything else, Noto Sans.
_SCRIPT_FONTS = ((re.compile("[\u0590-\u05ff\ufb1d-\ufb4f]"), "Heebo"), (re.compile("[\u0e00-\u0e7f]"), "NotoSansThai"))


@lru_cache(maxsize=None)
def font_file(family: str, style: str) -> Path:
    """The family at the style's weight as a static font, made once from the package's variable font and
    kept in the user's cache folder (`~/.cache/guichet/fonts` on Linux, shared by every run on the
    machine): fontTools' instancer takes seconds on Noto Sans, and fpdf2 would run it again for every
    document."""
    package, name, axes = FONTS[family]
    version = metadata.version(package.replace("_", "-"))
    file_name = f"{family}-{WEIGHTS[style]}-{version}.ttf"
    for folder in (Path(user_cache_dir("guichet")) / "fonts", Path(tempfile.gettempdir()) / "guichet-fonts"):
        target = folder / file_name
        if target.exists():
            return target
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f"{file_name}.{os.getpid()}.part")
            _static_instance(package, name, {**axes, "wght": WEIGHTS[style]}).save(partial)
            os.replace(partial, target)  # another process writing the same font at once is harmless
            return target
        except OSError:  # a home the service may not write to: the temporary folder then
            continue
    raise OSError(f"no folder to keep the PDF font {file_name} in")


def _static_instance(package: str, name: str, axes: dict):
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    source = Path(importlib.import_module(package).ROOT) / "files" / name
    return instancer.instantiateVariableFont(TTFont(source), axes, static=True)


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
        self.lang, self.footer_text, self.draft = lang, footer_text, draft
        self.rtl = lang in RTL_LANGUAGES
        self.body_font = LANGUAGE_FONTS.get(lang, FONT)
        self._families: list[str] = []
        self._add_family(self.body_font)
        self.set_text_shaping(True, direction="ltr")
        self.set_auto_page_break(True, margin=20)
        self.set_margins(18, 18, 18)

    def _add_family(self, family: str) -> None:
        """Fonts are added when a text needs them: fpdf2 subsets every font a document holds when it
        writes the file, and an unused Noto face costs about a tenth of a second."""
        for style in WEIGHTS:
            self.add_font(family, style, font_file(family, style))
        self._families.append(family)
        if len(self._families) > 1:
            self.set_fallback_fonts([name for name in self._families if name != self.body_font])

    def _add_fallbacks_for(self, text: str) -> None:
        body = self.fonts[self.body_font.lower()].cmap
        for char in {c for c in text if ord(c) > 0x7F and ord(c) not in body}:
            family = next((name for name, pattern in _SCRIPT_FONTS if pattern.match(char)), FONT)
            if family not in self._families:
                self._add_family(family)

    def normalize_text(self, text: str) -> str:
        """Every text passes here before it is laid out (fpdf2 calls it first): on a right-to-left page a
        text with Hebrew in it is a right-to-left paragraph ("VAT 20 % על 183.70 €" reads from the
        right), one without stays left to right (a Latin address: "1 rue de la Paix")."""
        if self.rtl and self.text_shaping:
            self.text_shaping["direction"] = TextDirection.RTL if _RTL_LETTER.search(text) else TextDirection.LTR
        text = text.translate(_DECOMPOSED)
        self._add_fallbacks_for(text)
        return super().normalize_text(text)

    def side(self, align: str) -> str:
        """An alignment as written for a left-to-right page, mirrored on a right-to-left one."""
        return {"L": "R", "R": "L", "LEFT": "RIGHT", "RIGHT": "LEFT"}.get(align, align) if self.rtl else align

    def at(self, x: float, w: float) -> float:
        """The left edge of a box `w` wide that starts `x` from the left on a left-to-right page."""
        return self.w - x - w if self.rtl else x

    def header(self):
        if self.draft:
            self.set_font(self.body_font, "B", 60)
            self.set_text_color(235, 235, 235)
            with self.rotation(30, x=105, y=150):
                self.text(40, 170, t(self.lang, "pdf.draft"))
            self.set_text_color(0, 0, 0)

    def footer(self):
        self.set_y(-14)
        self.set_font(self.body_font, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self.footer_text}  ·  {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def txt(self, text: str, size: float = 10, style: str = "", h: float = 5, align: str = "L", w: float = 0):
        self.set_font(self.body_font, style, size)
        self.multi_cell(w, h, str(text or ""), align=self.side(align), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _money(minor: int, currency: str, lang: str) -> str:
    return format_money(minor, currency, lang)


def _issuer_block(pdf: _Doc, name: str, details: str, title: str, facts: list[tuple[str, str]]) -> None:
    top = pdf.get_y()
    pdf.set_x(pdf.at(18, 95))
    pdf.set_font(pdf.body_font, "B", 16)
    pdf.multi_cell(95, 8, name, align=pdf.side("L"), new_x=XPos.LEFT, new_y=YPos.NEXT)
    if details:
        pdf.set_font(pdf.body_font, "", 9)
        pdf.multi_cell(95, 4.5, details, align=pdf.side("L"), new_x=XPos.LEFT, new_y=YPos.NEXT)
    left_end = pdf.get_y()
    pdf.set_xy(pdf.at(120, 72), top)
    pdf.set_font(pdf.body_font, "B", 18)
    pdf.cell(72, 9, title, align=pdf.side("R"), new_x=XPos.LEFT, new_y=YPos.NEXT)
    for label, value in facts:
        pdf.set_x(pdf.at(120, 72))
        cells = [(32, label, "", "L"), (40, value, "B", "R")]
        for width, text, style, align in reversed(cells) if pdf.rtl else cells:
            pdf.set_font(pdf.body_font, style, 9)
            pdf.cell(width, 5.5, text, align=pdf.side(align))
        pdf.ln(5.5)
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
    pdf.set_font(pdf.body_font, "", 8)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(0, 5, t(lang, "pdf.bill_to").upper(), align=pdf.side("L"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
    pdf.set_font(pdf.body_font, "", 9)
    pdf.set_draw_color(200, 200, 200)
    widths, aligns = (86, 18, 26, 16, 28), ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
    order = (lambda cells: list(reversed(cells))) if pdf.rtl else list  # right to left: columns mirrored
    with pdf.table(col_widths=order(widths), text_align=order([pdf.side(a) for a in aligns]),
                   line_height=5.5, padding=1.5, borders_layout="HORIZONTAL_LINES",
                   headings_style=FontFace(emphasis="BOLD", fill_color=(243, 244, 246)),
                   first_row_as_headings=True) as table:
        rows = [[t(lang, key) for key in ("pdf.description", "pdf.quantity", "pdf.unit_price", "pdf.tax_rate",
                                           "pdf.amount")]]
        rows += [[line.description, _qty(line.quantity_milli, lang), _money(line.unit_price_minor, cur, lang),
                  _rate(line.tax_rate_bp, lang), _money(line.net_minor, cur, lang)] for line in lines]
        for cells in rows:
            row = table.row()
            for text in order(cells):
                row.cell(str(text))
    pdf.ln(4)

    def total_row(label: str, value: str, bold: bool = False):
        pdf.set_x(pdf.at(100, 92))
        pdf.set_font(pdf.body_font, "B" if bold else "", 10 if bold else 9)
        cells = [(58, label, "L"), (34, value, "R")]
        for width, text, align in reversed(cells) if pdf.rtl else cells:
            pdf.cell(width, 6, text, align=pdf.side(align))
        pdf.ln(6)

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
    pdf.set_title(t(lang, "pdf.invoice_title", number=inv.number or t(lang, "pdf.draft")))
    pdf.set_author(biz.name)
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
    pdf.set_title(t(lang, "pdf.credit_note_title", number=note.number))
    pdf.set_author(biz.name)
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
    pdf.set_title(t(lang, "pdf.receipt_title", number=number))
    pdf.set_author(biz.name)
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
