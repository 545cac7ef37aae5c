"""The buyer's postal address of e-invoices: the account's address, checked; an account without one still
gets its invoices, and the console warns that their e-invoice is not EN 16931-complete."""

from __future__ import annotations

import pytest

from portal_app.billing.admin_state import AdminInvoiceState
from portal_app.core import accounts, audit
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError
from tests.factories import make_account, make_issued, staff_session
from tests.support.states import _router, sub

PARIS = {"street": "  12  rue de la Paix ", "postcode": "75002", "city": "Paris", "country": " fr"}


def test_an_address_is_trimmed_and_its_country_upper_cased():
    assert accounts.check_address(**PARIS) == {"street": "12 rue de la Paix", "postcode": "75002", "city": "Paris",
                                               "country": "FR"}
    assert accounts.check_address() == {"street": "", "postcode": "", "city": "", "country": ""}
    # no postcode in some countries (Hong Kong)
    assert accounts.check_address(street="1 Queen's Road", city="Hong Kong", country="HK")["postcode"] == ""


@pytest.mark.parametrize("change, error", [
    ({"country": "FRA"}, "account.error.country"),
    ({"country": "XX"}, "account.error.country"),
    ({"country": "ZZ"}, "account.error.country"),  # CLDR's "unknown region"
    ({"country": "EU"}, "account.error.country"),
    ({"country": "1<"}, "account.error.country"),
    ({"country": ""}, "account.error.address_incomplete"),
    ({"city": ""}, "account.error.address_incomplete"),
    ({"street": " "}, "account.error.address_incomplete"),
    ({"street": "x" * 201}, "account.error.street"),
    ({"city": "x" * 101}, "account.error.city"),
    ({"postcode": "7" * 21}, "account.error.postcode"),
    ({"postcode": "<script>"}, "account.error.postcode"),
])
def test_a_bad_address_is_refused_with_its_message(change, error):
    with pytest.raises(DomainError) as caught:
        accounts.check_address(**{**PARIS, **change})
    assert caught.value.key == error


def test_saving_an_account_keeps_its_address_unless_given(db):
    acc = make_account(db, address=PARIS)
    assert (acc.street, acc.country) == ("12 rue de la Paix", "FR") and accounts.has_address(acc)
    accounts.save_account(db, audit.SYSTEM, account_id=acc.id, name="Renamed", number=acc.number)
    assert acc.city == "Paris"
    with pytest.raises(DomainError):
        accounts.save_account(db, audit.SYSTEM, account_id=acc.id, name="Renamed", number=acc.number,
                              address={**PARIS, "country": "ZZ"})
    db.refresh(acc)
    assert acc.country == "FR"
    accounts.save_account(db, audit.SYSTEM, account_id=acc.id, name="Renamed", number=acc.number, address={})
    assert (acc.street, acc.postcode, acc.city, acc.country) == ("", "", "", "") and not accounts.has_address(acc)


def _editor(root, address):
    with session_scope() as db:
        acc = make_account(db, address=address)
        inv = make_issued(db, acc, (("Service", "1", "100.00", "20"),))
        inv_id, token = inv.id, staff_session(db)
    ed = sub(root, AdminInvoiceState)
    ed.staff_sid = token
    ed.router = _router("/admin/invoice", {"id": inv_id})
    ed.load_invoice()
    assert ed.invoice_id == inv_id and not ed.is_draft and ed.view.number
    return ed


def test_the_invoice_editor_warns_when_the_buyer_has_no_address(root):
    assert _editor(root, None).address_missing is True
    assert _editor(root, PARIS).address_missing is False


def test_the_seller_country_refuses_cldr_regions_that_are_not_countries():
    from portal_app.billing.settings import check_seller

    seller = dict(legal_id="", legal_scheme="", vat_number="", street="", postcode="", city="", payment_means="58")
    assert check_seller(country="de", **seller)["seller_country"] == "DE"
    for code in ("ZZ", "EU", "UN"):  # accepted before: babel names them
        with pytest.raises(DomainError) as caught:
            check_seller(country=code, **seller)
        assert caught.value.key == "billing.error.country"


def test_the_pdf_prints_the_buyer_address_with_the_country_in_the_reader_language(db):
    from portal_app.billing.pdf import postal_lines

    acc = make_account(db, address=PARIS)
    assert postal_lines(acc, "de") == ["12 rue de la Paix", "75002 Paris", "Frankreich"]
    assert postal_lines(acc, "en")[-1] == "France"
    assert postal_lines(make_account(db), "en") == []
