"""A refusal is an answer, and the handler's session commits it (its audit lines, attempt counters and
limits must hold). So every service checks all it is given before it changes anything: a value refused
late must not leave the earlier ones saved, unaudited. One test per service where that was not so."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_app.core import business
from portal_app.core.config import reload_settings
from portal_app.core.errors import DomainError
from portal_app.core.models.accounts import Contact
from portal_app.core.models.audit import AuditEvent
from tests.factories import make_account, make_contact, make_draft, make_staff, portal_ctx, staff_context


def _audits(db, action: str) -> int:
    return len(db.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def _refused(db, key: str, fn, *args, **kwargs) -> None:
    """`fn` refuses with `key`; the session is then committed, as the handler helper does."""
    with pytest.raises(DomainError) as err:
        fn(*args, **kwargs)
    assert err.value.key == key
    db.commit()
    db.expire_all()


def test_billing_settings_with_a_wrong_iban_save_nothing(db):
    from portal_app.billing import settings

    staff = staff_context(db)
    good = dict(default_currency="EUR", default_tax_rate="20", tax_label="VAT", number_prefix="INV-", number_digits="5",
                number_yearly=True, payment_terms_days="30", issuer_details="Acme", bank_beneficiary="Acme",
                bank_iban="FR76 3000 6000 0112 3456 7890 189", bank_bic="", bank_name="Bank")
    settings.update_settings(db, staff, **good)
    db.commit()
    audits = _audits(db, "billing.settings")
    _refused(db, "billing.error.iban", settings.update_settings, db, staff,
             **{**good, "default_currency": "USD", "default_tax_rate": "7", "bank_name": "Other",
                "bank_iban": "FR76 3000 6000 0112 3456 7890 188"})
    row = settings.get_settings_row(db)
    assert (row.default_currency, row.default_tax_rate_bp, row.bank_name) == ("EUR", 2000, "Bank")
    assert _audits(db, "billing.settings") == audits


def test_ticket_details_with_a_departed_assignee_change_nothing(db):
    from portal_app.helpdesk import ticket_rules as rules
    from portal_app.helpdesk.ticket_models import Ticket

    staff = staff_context(db)
    contact = make_contact(db, make_account(db), portal_role="admin")
    conv, ticket, _ = rules.open_ticket(db, portal_ctx(db, contact), title="Printer", type="incident",
                                        priority="high", body="Broken")
    departed = make_staff(db, role="agent")
    departed.active = False
    db.add(departed)
    db.commit()
    audits = _audits(db, "ticket.update")
    _refused(db, "error.not_found", rules.update_ticket, db, staff, conv.id, status="closed", priority="low",
             billed=True, assignee_staff_id=departed.id)
    again = db.get(Ticket, ticket.id)
    assert (conv.status, again.priority, again.billed, again.assignee_staff_id) == ("new", "high", False, None)
    assert _audits(db, "ticket.update") == audits


def test_privacy_settings_with_a_bad_dpo_address_leave_sign_up_as_it_was(db):
    from portal_app.privacy import settings

    staff = staff_context(db)
    before = settings.get_settings_row(db).signup_enabled
    db.commit()
    _refused(db, "privacy.error.dpo_email", settings.update_settings, db, staff.actor, intro={}, dpo_email="dpo@",
             signup_enabled=not before)
    assert settings.get_settings_row(db).signup_enabled is before


def test_a_booking_service_with_a_wrong_position_keeps_its_fields(db):
    from portal_app.bookings import rules

    staff = staff_context(db)
    service = rules.save_service(db, staff, rules.ServiceInput(names={"en": "Haircut"}, duration_minutes=30))
    db.commit()
    _refused(db, "bookings.error.position", rules.save_service, db, staff,
             rules.ServiceInput(names={"en": "Renamed"}, duration_minutes=60, active=False, position="20000"),
             service.id)
    again = rules.get_service(db, service.id)
    assert (again.names, again.duration_minutes, again.active) == ({"en": "Haircut"}, 30, True)


def test_a_draft_with_a_wrong_due_date_keeps_its_currency(db):
    from portal_app.billing import rules
    from portal_app.billing.models import Invoice

    staff = staff_context(db)
    inv = make_draft(db, make_account(db), staff=staff)
    db.commit()
    before = inv.currency
    other = "JPY" if before != "JPY" else "USD"
    _refused(db, "billing.error.date", rules.update_draft, db, staff, inv.id, currency=other, due_date="31/12/2026",
             notes="")
    assert db.get(Invoice, inv.id).currency == before


def test_mail_while_tickets_are_off_waits_and_makes_no_contact(db, monkeypatch):
    from portal_app.helpdesk import ticket_inbound as inbound
    from portal_app.helpdesk.ticket_models import InboundMail

    monkeypatch.setenv("GUICHET_INBOUND_ADDRESS", "support@help.example.com")
    reload_settings()
    row = business.get_business(db)
    row.modules = [m for m in row.modules if m != "tickets"]
    db.add(row)
    db.commit()
    try:
        make_account(db, domains="offline.example")
        got, _ = inbound.receive(db, sender="Ann <ann@offline.example>", recipients="support@help.example.com",
                                 subject="Help", text="Our line is down.")
        db.commit()
        assert got.outcome == "pending" and db.get(InboundMail, got.inbound_id).reason == "not_a_reader"
        assert db.exec(select(Contact).where(Contact.email == "ann@offline.example")).first() is None
        with pytest.raises(DomainError):  # staff cannot put it on the account either: nothing is made
            inbound.accept(db, staff_context(db), got.inbound_id, make_account(db).id)
        db.commit()
        assert db.exec(select(Contact).where(Contact.email == "ann@offline.example")).first() is None
    finally:
        monkeypatch.delenv("GUICHET_INBOUND_ADDRESS")
        reload_settings()
