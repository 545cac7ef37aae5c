"""Invoice, credit note and receipt PDFs in every language the portal ships, Hebrew and Thai included:
Unicode fonts embedded from Python packages (no transliteration), Hebrew laid out right to left, and
the Factur-X XML still travels inside."""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime, timezone

import pypdf
import pytest
from facturx import get_facturx_xml_from_pdf

from portal_app.billing import credit_notes, settings
from portal_app.billing.pdf import render_receipt_pdf
from portal_app.billing.storage import invoices_dir
from portal_app.core import clock
from portal_app.core.i18n import shipped_languages, t
from tests.factories import make_account, make_contact, make_issued, staff_context

T0 = datetime(2026, 12, 28, 9, 0, tzinfo=timezone.utc)
IBAN = "FR76 3000 6000 0112 3456 7890 189"


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(T0)


def _issued(db, lang: str, description: str = "Fibre"):
    staff = staff_context(db)
    settings.update_settings(db, staff, default_currency="EUR", default_tax_rate="20", tax_label="VAT",
                             number_prefix="INV-", number_digits="5", number_yearly=True, payment_terms_days="30",
                             issuer_details="", bank_beneficiary="Exemple SAS", bank_iban=IBAN, bank_bic="",
                             bank_name="", seller_legal_id="", seller_legal_scheme="", seller_vat_number="",
                             seller_street="", seller_postcode="", seller_city="", seller_country="",
                             payment_means_code="58")
    account = make_account(db, name=f"Client {lang}")
    make_contact(db, account, email=f"pdf-{lang}-{account.id}@example.com", language=lang, portal_role="admin")
    inv = make_issued(db, account, [(description, "1", "183.70", "20")], staff=staff)
    assert inv.language == lang
    return inv, account, staff


def _lines(data: bytes) -> list[str]:
    """The first page's text lines, compared in compatibility form (NFKC): Thai SARA AM is written as
    its decomposition, and Babel's narrow no-break spaces read as spaces."""
    return _nfkc(pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()).splitlines()


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _x_of(data: bytes, word: str) -> float:
    """Where the text run holding `word` starts on the page, from the left, in points."""
    seen: list[float] = []

    def visit(text, _cm, tm, _font, _size):
        if word in _nfkc(text) and not seen:
            seen.append(tm[4])

    pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    assert seen, f"{word} is not on the page"
    return seen[0]


@pytest.mark.parametrize("lang", shipped_languages())
def test_an_invoice_pdf_shows_its_language_without_transliteration(db, lang):
    inv, _account, _staff = _issued(db, lang)
    data = (invoices_dir() / inv.pdf_file).read_bytes()
    text = "\n".join(_lines(data))
    for key in ("pdf.invoice", "pdf.how_to_pay", "pdf.total", "pdf.due_date"):
        assert _nfkc(t(lang, key)) in text, (lang, key)
    assert not any(ch < " " and ch != "\n" for ch in text)  # no stray control character
    assert inv.number in text and "189" in text  # the number and the IBAN, left to right inside
    name, xml = get_facturx_xml_from_pdf(data, check_xsd=False)  # Factur-X still embedded
    assert name == "factur-x.xml" and inv.number.encode() in xml


def test_a_hebrew_invoice_reads_right_to_left_in_the_right_order(db):
    inv, _account, _staff = _issued(db, "he", description="ייעוץ טכני")
    data = (invoices_dir() / inv.pdf_file).read_bytes()
    text = "\n".join(_lines(data))
    title = t("he", "pdf.invoice")  # "חשבונית"
    # Each Hebrew word comes out in its reading order (not mirrored letter by letter)...
    assert title in text and "ייעוץ" in text and "טכני" in text and title[::-1] not in text
    # ... and the words of a line in reading order: the PDF holds the line laid out right to left, which
    # an extractor reads back as "ייעוץ טכני" (laid out left to right, the letters would come back mirrored)...
    assert "ייעוץ טכני" in text
    # ... the page is mirrored: the customer's name on the right half of the A4 page (595 pt), the title
    # on the left...
    assert _x_of(data, "Client he") > 595 / 2 > _x_of(data, title)
    assert "183.70" in text and "FR76 3000 6000 0112 3456 7890 189" in text
    assert inv.number in text


def test_a_thai_invoice_extracts_its_thai_text(db):
    inv, _account, _staff = _issued(db, "th", description="บริการอินเทอร์เน็ต")
    data = (invoices_dir() / inv.pdf_file).read_bytes()
    text = "\n".join(_lines(data))
    assert "บริการอินเทอร์เน็ต" in text and _nfkc(t("th", "pdf.due_date")) in text  # "วันครบกำหนด": SARA AM
    assert inv.number in text


def test_hebrew_and_thai_credit_notes_and_receipts(db):
    for lang, word in (("he", "חשבונית"), ("th", "ใบ")):
        inv, account, staff = _issued(db, lang)
        note = credit_notes.credit_invoice(db, staff, inv.id, reason="טעות" if lang == "he" else "ผิดพลาด")
        data = (invoices_dir() / note.pdf_file).read_bytes()
        assert _nfkc(t(lang, "pdf.credit_note")) in "\n".join(_lines(data))  # "חשבונית זיכוי": 2 words, in order
        assert get_facturx_xml_from_pdf(data, check_xsd=False)[0] == "factur-x.xml"
        from portal_app.billing.models import Payment

        payment = Payment(account_id=account.id, amount_minor=22044, currency="EUR", method="bank_transfer",
                          status="succeeded", reference="REF-1", received_at=T0)
        db.add(payment)
        db.flush()
        receipt = "\n".join(_lines(render_receipt_pdf(db, payment, account, [(inv.number, 22044, "EUR")], lang)))
        assert _nfkc(t(lang, "pdf.receipt")) in receipt and inv.number in receipt and word in receipt, lang
