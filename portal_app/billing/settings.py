"""Billing settings: currency, tax, invoice numbers, payment terms and the bank details customers pay to."""

from __future__ import annotations

import re

from sqlmodel import Session

from portal_app.core.db import singleton
from portal_app.billing.amounts import parse_rate
from portal_app.billing.models import BillingSettings
from portal_app.core import audit, clock
from portal_app.core.accounts import check_country
from portal_app.core.auth.staff import StaffContext
from portal_app.core.business import business_view
from portal_app.core.errors import DomainError

_PREFIX_RE = re.compile(r"^[A-Za-z0-9/_.-]{0,20}$")
_BIC_RE = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def get_settings_row(db: Session) -> BillingSettings:
    return singleton(db, BillingSettings)


def check_currency(raw: str) -> str:
    from babel.numbers import is_currency

    code = (raw or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or not is_currency(code):
        raise DomainError("billing.error.currency")
    return code


def check_iban(raw: str) -> str:
    iban = re.sub(r"\s+", "", raw or "").upper()
    if not iban:
        return ""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}", iban):
        raise DomainError("billing.error.iban")
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise DomainError("billing.error.iban")
    return iban


def check_seller(*, legal_id: str, legal_scheme: str, vat_number: str, street: str, postcode: str, city: str,
                 country: str, payment_means: str) -> dict[str, str]:
    """The e-invoice seller fields, checked: a VAT number is a valid EU VAT number (check digits
    included), a SIREN or SIRET passes its Luhn check, a country is an ISO 3166 code."""
    from stdnum.eu import vat
    from stdnum.fr import siren, siret

    from portal_app.billing.einvoice import LEGAL_SCHEMES, PAYMENT_MEANS

    vat_number = re.sub(r"[\s.-]+", "", vat_number or "").upper()
    if vat_number and not vat.is_valid(vat_number):
        raise DomainError("billing.error.vat_number")
    legal_scheme = (legal_scheme or "").strip()
    if legal_scheme not in LEGAL_SCHEMES:
        raise DomainError("billing.error.legal_scheme")
    legal_id = " ".join((legal_id or "").split())
    if legal_scheme:
        legal_id = re.sub(r"\s+", "", legal_id)
        if not (siren if legal_scheme == "0002" else siret).is_valid(legal_id):
            raise DomainError("billing.error.legal_id")
    if len(legal_id) > 40 or any(ord(ch) < 32 for ch in legal_id):
        raise DomainError("billing.error.legal_id")
    country = check_country(country, "billing.error.country")
    means = (payment_means or "58").strip()
    if means not in PAYMENT_MEANS:
        raise DomainError("billing.error.payment_means")
    return {"seller_legal_id": legal_id, "seller_legal_scheme": legal_scheme, "seller_vat_number": vat_number,
            "seller_street": (street or "").strip()[:200], "seller_postcode": (postcode or "").strip()[:20],
            "seller_city": (city or "").strip()[:100], "seller_country": country, "payment_means_code": means}


def format_iban(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def update_settings(db: Session, staff: StaffContext, *, default_currency: str, default_tax_rate: str,
                    tax_label: str, number_prefix: str, number_digits: str, credit_note_prefix: str = "CN-", number_yearly: bool,
                    payment_terms_days: str, issuer_details: str, bank_beneficiary: str, bank_iban: str,
                    bank_bic: str, bank_name: str, seller_legal_id: str = "", seller_legal_scheme: str = "",
                    seller_vat_number: str = "", seller_street: str = "", seller_postcode: str = "",
                    seller_city: str = "", seller_country: str = "", payment_means_code: str = "58") -> BillingSettings:
    row = get_settings_row(db)
    prefix = number_prefix.strip()
    cn_prefix = (credit_note_prefix or "").strip() or "CN-"
    if not _PREFIX_RE.match(prefix) or not _PREFIX_RE.match(cn_prefix):
        raise DomainError("billing.error.prefix")
    if cn_prefix == prefix:  # two sequences under one prefix would give the same numbers
        raise DomainError("billing.error.credit_prefix_same")
    try:
        digits, terms = int(str(number_digits).strip()), int(str(payment_terms_days).strip())
    except ValueError:
        raise DomainError("billing.error.number") from None
    if not 3 <= digits <= 8:
        raise DomainError("billing.error.digits")
    if not 0 <= terms <= 365:
        raise DomainError("billing.error.terms")
    bic = re.sub(r"\s+", "", bank_bic or "").upper()
    if bic and not _BIC_RE.match(bic):
        raise DomainError("billing.error.bic")
    seller = check_seller(legal_id=seller_legal_id, legal_scheme=seller_legal_scheme, vat_number=seller_vat_number,
                          street=seller_street, postcode=seller_postcode, city=seller_city, country=seller_country,
                          payment_means=payment_means_code)
    currency, rate, iban = check_currency(default_currency), parse_rate(default_tax_rate), check_iban(bank_iban)
    # Every check above, every change below: a refusal is committed with its session and must change nothing.
    row.default_currency = currency
    row.default_tax_rate_bp = rate
    row.tax_label = tax_label.strip()[:40] or "VAT"
    row.number_prefix, row.number_digits, row.number_yearly = prefix, digits, bool(number_yearly)
    row.credit_note_prefix = cn_prefix
    row.payment_terms_days = terms
    row.issuer_details = issuer_details.strip()[:1000]
    row.bank_beneficiary, row.bank_name = bank_beneficiary.strip()[:200], bank_name.strip()[:200]
    row.bank_iban, row.bank_bic = iban, bic
    for key, value in seller.items():
        setattr(row, key, value)
    row.updated_at = clock.now()
    db.add(row)
    audit.record(db, staff.actor, "billing.settings", target_type="billing_settings", target_id=1)
    return row


def bank_details(db: Session) -> dict[str, str]:
    s = get_settings_row(db)
    return {"beneficiary": s.bank_beneficiary or business_view(db).name, "iban": format_iban(s.bank_iban),
            "bic": s.bank_bic, "bank": s.bank_name}
