"""Email into tickets: a reply lands in its ticket only through a signed reply-to address (never the
subject); a known contact's new mail opens a ticket; an unknown sender of an account's domain becomes a
contact without portal access; anything else waits for staff, who put it on an account or discard it."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from portal_app.core import business
from portal_app.core.config import reload_settings
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import Contact
from portal_app.helpdesk import ticket_inbound as inbound, ticket_mail, ticket_rules as rules
from portal_app.helpdesk.ticket_models import InboundMail
from tests.factories import make_account, make_contact, portal_ctx, staff_ctx


@pytest.fixture(autouse=True)
def _inbound_address(monkeypatch):
    business.forget_cached_business()
    monkeypatch.setenv("GUICHET_INBOUND_ADDRESS", "Support@Help.Example.com")
    reload_settings()
    yield
    monkeypatch.delenv("GUICHET_INBOUND_ADDRESS")
    reload_settings()
    business.forget_cached_business()


def _ticket(db, acc=None, **kw):
    contact = make_contact(db, acc or make_account(db), portal_role="admin", **kw)
    conv, _, _ = rules.open_ticket(db, portal_ctx(db, contact), title="Printer", type="incident", priority="high",
                                   body="Broken")
    return contact, conv


def _mail(db, sender, to="support@help.example.com", subject="Hello", text="Some text"):
    return inbound.receive(db, sender=sender, recipients=to, subject=subject, text=text)[0]


def test_the_signed_address_threads_a_reply_and_a_forged_one_does_not(db):
    contact, conv = _ticket(db)
    address = ticket_mail.reply_address(conv.id)
    assert address.startswith(f"support+t{conv.id}-") and address.endswith("@help.example.com")
    assert re.fullmatch(rf"support\+t{conv.id}-[0-9a-f]{{20}}@help\.example\.com", address)  # 80 bits
    assert ticket_mail.thread_reference(f"Someone <{address.upper()}>") == conv.id
    got = _mail(db, f"Ann <{contact.email}>", to=address, text="Still broken.\n\nOn Mon, Ann wrote:\n> Broken")
    assert (got.outcome, got.conversation_id) == ("reply", conv.id)
    assert [e.body for e in rules.read_ticket(db, portal_ctx(db, contact), conv.id).entries] == \
        ["Broken", "Still broken."]
    # another ticket's number with this signature, or a made-up signature: never threaded
    other_contact, other = _ticket(db)
    forged = address.replace(f"+t{conv.id}-", f"+t{other.id}-")
    assert ticket_mail.thread_reference(forged) is None
    got = _mail(db, other_contact.email, to=forged, subject=f"Re: Printer #{conv.id}")
    assert got.outcome == "pending" and db.get(InboundMail, got.inbound_id).reason == "bad_reference"
    assert len(rules.read_as_staff(db, staff_ctx(db), other.id).entries) == 1
    # the subject alone threads nothing: a known contact's mail opens a new ticket
    got = _mail(db, contact.email, subject="Re: Printer")
    assert got.outcome == "ticket" and got.conversation_id not in (conv.id, other.id)


def test_a_staff_reply_asks_for_replies_at_the_signed_address(db):
    from portal_app.core.models.notify import OutboundMessage

    contact, conv = _ticket(db)
    rules.reply_as_staff(db, staff_ctx(db), conv.id, "Here is the fix.")
    mail = db.exec(select(OutboundMessage).where(OutboundMessage.template == "ticket_reply",
                                                 OutboundMessage.recipient == contact.email)).one()
    assert mail.reply_to == ticket_mail.reply_address(conv.id)
    # answering it threads the answer into the ticket
    assert _mail(db, contact.email, to=mail.reply_to, text="Works now.").conversation_id == conv.id


def test_a_signed_reply_from_someone_who_may_not_write_waits(db):
    _, conv = _ticket(db)
    stranger = make_contact(db, make_account(db))
    got = _mail(db, stranger.email, to=ticket_mail.reply_address(conv.id))
    assert got.outcome == "pending" and db.get(InboundMail, got.inbound_id).reason == "not_a_reader"
    got = _mail(db, "nobody@nowhere.example", to=ticket_mail.reply_address(conv.id))
    assert got.outcome == "pending"


def test_an_account_domain_makes_a_contact_without_portal_access(db):
    acc = make_account(db, domains="Fleurs.example, @atelier.example")
    got = _mail(db, "Zoé Martin <zoe@atelier.example>", subject="Need help", text="Our line is down.")
    assert got.outcome == "new_contact"
    contact = db.exec(select(Contact).where(Contact.email == "zoe@atelier.example")).one()
    assert contact.account_id == acc.id and contact.portal_access is False and contact.first_name == "Zoé"
    detail = rules.read_as_staff(db, staff_ctx(db), got.conversation_id)
    assert detail.conv.subject == "Need help" and detail.entries[0].body == "Our line is down."
    # a domain that merely contains another one, or two accounts claiming it: staff decide
    assert _mail(db, "x@fleurs.example.org").outcome == "pending"
    make_account(db, domains="shared.example")
    make_account(db, domains="shared.example")
    got = _mail(db, "y@shared.example")
    assert got.outcome == "pending" and db.get(InboundMail, got.inbound_id).reason == "many_accounts"


def test_loops_and_junk_are_ignored(db):
    assert _mail(db, "not an address").outcome == "ignored"
    assert _mail(db, "support@help.example.com").outcome == "ignored"
    got = inbound.receive(db, sender="bot@atelier.example", recipients="support@help.example.com", subject="Away",
                          text="I am away", headers="Auto-Submitted: auto-replied\n")[0]
    assert got.outcome == "ignored"


def test_staff_put_a_waiting_mail_on_an_account_or_discard_it(db):
    staff = staff_ctx(db)
    first = _mail(db, "Léa Roux <lea@unknown.example>", subject="Quote", text="Please send a quote.")
    second = _mail(db, "spam@unknown.example", subject="Win")
    assert {m.id for m in inbound.pending(db)[0]} >= {first.inbound_id, second.inbound_id}
    acc = make_account(db)
    conversation_id, _ = inbound.accept(db, staff, first.inbound_id, acc.id)
    contact = db.exec(select(Contact).where(Contact.email == "lea@unknown.example")).one()
    assert contact.account_id == acc.id and not contact.portal_access
    assert rules.read_as_staff(db, staff, conversation_id).conv.subject == "Quote"
    inbound.discard(db, staff, second.inbound_id)
    assert first.inbound_id not in {m.id for m in inbound.pending(db)[0]}
    for call in (lambda: inbound.discard(db, staff, first.inbound_id),
                 lambda: inbound.accept(db, staff, second.inbound_id, acc.id)):
        with pytest.raises(NotFound):
            call()
    # a sender who is another account's contact is not moved
    third = _mail(db, contact.email, to=ticket_mail.reply_address(999999))
    with pytest.raises(DomainError):
        inbound.accept(db, staff, third.inbound_id, make_account(db).id)
