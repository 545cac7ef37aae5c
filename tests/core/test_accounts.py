"""Accounts and contacts: validation, duplicates, rights, search and paging."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.notify import OutboundMessage
from portal_app.core import accounts, audit
from portal_app.core.errors import DomainError
from tests.factories import make_account, make_contact


def test_email_is_trimmed_and_lower_cased(db):
    c = make_contact(db, email="  Jane.Doe@Example.COM ")
    assert c.email == "jane.doe@example.com"


def test_duplicate_email_refused_case_insensitively(db):
    make_contact(db, email="jane@example.com")
    with pytest.raises(DomainError) as err:
        make_contact(db, email="JANE@example.com")
    assert err.value.key == "contact.error.email_taken"


@pytest.mark.parametrize("bad", ["jane", "jane@", "@example.com", "jane@@example.com", "jane doe@example.com"])
def test_bad_email_syntax(db, bad):
    with pytest.raises(DomainError) as err:
        make_contact(db, email=bad)
    assert err.value.key == "contact.error.email_invalid"


@pytest.mark.parametrize("raw,e164", [("+33 6 12 34 56 78", "+33612345678"), ("06 12 34 56 78", "+33612345678"),
                                       ("+49 151 23456789", "+4915123456789")])
def test_mobile_is_stored_in_e164(db, raw, e164):
    assert make_contact(db, mobile=raw).mobile == e164


@pytest.mark.parametrize("bad,key", [("12", "contact.error.mobile_invalid"), ("hello", "contact.error.mobile_invalid"),
                                     ("+33 1 42 68 53 00", "contact.error.mobile_not_mobile")])
def test_bad_mobile(db, bad, key):
    with pytest.raises(DomainError) as err:
        make_contact(db, mobile=bad)
    assert err.value.key == key


def test_saving_a_contact_never_sends_anything(db):
    c = make_contact(db)
    accounts.save_contact(db, audit.SYSTEM, accounts.ContactInput(account_id=c.account_id, email=c.email,
                                                                  first_name="Renamed"), c.id)
    assert db.exec(select(OutboundMessage)).all() == []
    assert [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.target_id == c.id,
                                                               AuditEvent.target_type == "contact"))] \
        == ["contact.create", "contact.update"]


def test_rights_narrow_the_role(db):
    admin = make_contact(db, portal_role="admin")
    member = make_contact(db, portal_role="member")
    assert set(accounts.effective_rights(admin)) == set(accounts.MODULES)
    # A member follows their own tickets without a right: "tickets" (the whole account's) is not a default.
    assert set(accounts.effective_rights(member)) == {"messages", "knowledge"}
    narrowed = make_contact(db, portal_role="admin", rights=["invoices"])
    assert accounts.effective_rights(narrowed) == ["invoices"]
    widened = make_contact(db, portal_role="member", rights=["invoices", "tickets"])
    assert accounts.effective_rights(widened) == ["tickets"]


def test_unknown_role_refused(db):
    with pytest.raises(DomainError):
        make_contact(db, portal_role="root")


def test_account_number_unique(db):
    make_account(db, number="C-1")
    with pytest.raises(DomainError) as err:
        make_account(db, number="c-1")
    assert err.value.key == "account.error.number_taken"


def test_contact_on_missing_account(db):
    with pytest.raises(DomainError):
        accounts.save_contact(db, audit.SYSTEM, accounts.ContactInput(account_id=999, email="x@example.com"))


def test_search_and_pages(db):
    acc = make_account(db, name="Zebra Industries")
    for i in range(45):
        make_contact(db, acc, email=f"z{i:02d}@zebra.example", last_name=f"Z{i:02d}")
    make_contact(db, email="other@example.com")
    rows, total = accounts.list_contacts(db, q="zebra", page=3, page_size=20)
    assert total == 45 and len(rows) == 5
    rows, total = accounts.list_contacts(db, q="Z07")
    assert total == 1 and rows[0][0].email == "z07@zebra.example"
    rows, total = accounts.list_accounts(db, q="zebra")
    assert total == 1 and rows[0].name == "Zebra Industries"
