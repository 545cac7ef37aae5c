"""Ticket rules: who reads which tickets (member, administrator, tickets right, other account), statuses
customers see, reopening and billed tickets, internal notes kept from customers, the queue and settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.core import business, clock, files as file_intake
from portal_app.core.conversations import attachments
from portal_app.core.errors import DomainError, Forbidden, NotFound
from portal_app.core.models.accounts import Contact
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.notify import OutboundMessage
from portal_app.helpdesk import ticket_rules as rules, ticket_settings as settings
from tests.factories import PDF_BYTES, make_account, make_contact, make_staff, portal_ctx, staff_ctx

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _fresh_business():
    business.forget_cached_business()
    yield
    business.forget_cached_business()


def _member(db, acc, **kw):
    """A member without the tickets right: their own tickets only."""
    return portal_ctx(db, make_contact(db, acc, portal_role="member", rights=["messages"], **kw))


def _open(db, ctx, title="Printer down", body="It prints nothing.", **kw):
    conv, ticket, _ = rules.open_ticket(db, ctx, title=title, type=kw.pop("type", "incident"),
                                        priority=kw.pop("priority", "high"), body=body)
    return conv


def _ids(db, ctx, **kw):
    return [i.id for i in rules.list_tickets(db, ctx, **kw)[0]]


def test_member_sees_own_admin_and_tickets_right_see_the_account(db):
    acc = make_account(db)
    alice, bruno = _member(db, acc), _member(db, acc)
    admin = portal_ctx(db, make_contact(db, acc, portal_role="admin"))
    # A member with the tickets right reads the whole account's tickets.
    lead = portal_ctx(db, make_contact(db, acc, portal_role="member", rights=["tickets"]))
    a, b = _open(db, alice, "Alice's"), _open(db, bruno, "Bruno's")
    assert _ids(db, alice) == [a.id] and _ids(db, bruno) == [b.id]
    assert _ids(db, admin) == [b.id, a.id] == _ids(db, lead)
    assert rules.read_ticket(db, admin, a.id).conv.id == a.id
    with pytest.raises(NotFound):
        rules.read_ticket(db, bruno, a.id)
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "security.refused",
                                               AuditEvent.target_id == a.id)).all()
    assert [e.detail.get("reason") for e in refused] == ["other_contact"]
    # The contact filter belongs to those who read the account's tickets.
    assert [n for _, n in rules.account_contacts(db, admin)] and rules.account_contacts(db, alice) == []
    assert _ids(db, admin, contact_id=alice.contact_id) == [a.id]


def test_another_account_is_refused_and_recorded(db):
    mine = portal_ctx(db, make_contact(db, make_account(db), portal_role="admin"))
    other_acc = make_account(db)
    theirs = _open(db, portal_ctx(db, make_contact(db, other_acc, portal_role="admin")))
    assert theirs.id not in _ids(db, mine)
    for call in (lambda: rules.read_ticket(db, mine, theirs.id),
                 lambda: rules.reply_as_contact(db, mine, theirs.id, "hi"),
                 lambda: rules.resolve(db, mine, theirs.id), lambda: rules.reopen(db, mine, theirs.id)):
        with pytest.raises(NotFound):
            call()
    reasons = [e.detail.get("reason") for e in db.exec(select(AuditEvent).where(
        AuditEvent.action == "security.refused", AuditEvent.target_id == theirs.id)).all()]
    assert reasons == ["other_account"] * 4


def test_tickets_switched_off_by_the_business_refuse_everyone(db):
    acc = make_account(db)
    ctx = _member(db, acc)
    conv = _open(db, ctx)
    row = business.get_business(db)
    row.modules = [m for m in row.modules if m != "tickets"]
    db.add(row)
    db.flush()
    business.forget_cached_business()
    off = portal_ctx(db, db.get(Contact, ctx.contact_id))
    with pytest.raises(Forbidden):
        rules.list_tickets(db, off)
    with pytest.raises(NotFound):
        rules.read_ticket(db, off, conv.id)


def test_hidden_statuses_show_as_their_visible_status(db):
    cfg = settings.config(db)
    assert cfg.initial_status == "new" and cfg.shown_status("new") == "open" == cfg.shown_status("on_hold")
    assert cfg.shown_status("pending") == "pending" and cfg.shown_status("gone") == "open"
    assert cfg.label("statuses", "pending", "fr") == "En attente de votre réponse"
    assert sorted(cfg.statuses_shown_as("open")) == ["new", "on_hold", "open"]
    ctx = _member(db, make_account(db))
    conv = _open(db, ctx)
    assert conv.status == "new"
    # The customer's "open" filter takes in the new and on-hold tickets; "pending" does not.
    assert _ids(db, ctx, status="open") == [conv.id] and _ids(db, ctx, status="pending") == []
    rules.update_ticket(db, staff_ctx(db), conv.id, status="on_hold")
    assert _ids(db, ctx, status="open") == [conv.id]


def test_settings_lines_are_checked(db):
    staff = staff_ctx(db)
    settings.update_settings(db, staff, types="bug | Bug report\nquestion", priorities="p1 | Now\np2",
                             statuses="new | Fresh | open\nopen\nwaiting_vendor | Vendor | open\nresolved\nclosed",
                             reopen_allowed=False, staff_notify_email=" Help@Example.com ")
    cfg = settings.config(db)
    assert cfg.codes("types") == ("bug", "question") and cfg.label("types", "bug", "de") == "Bug report"
    assert cfg.label("types", "question", "de") == "Frage" and cfg.reopen_allowed is False
    assert cfg.shown_status("waiting_vendor") == "open" and cfg.staff_notify_email == "help@example.com"
    assert settings.as_lines(cfg.statuses, with_shown_as=True).splitlines()[0] == "new | Fresh | open"
    bad = [dict(statuses="open\nclosed"),  # resolved missing
           dict(statuses="open\nresolved\nx | X | closed_typo"),  # shown as a status that is not visible
           dict(types="Bad Code"), dict(types="a\na"), dict(priorities="  \n")]
    for change in bad:
        values = dict(types="a", priorities="b", statuses="open\nresolved", reopen_allowed=True,
                      staff_notify_email="")
        values.update(change)
        with pytest.raises(DomainError):
            settings.update_settings(db, staff, **values)


def test_new_ticket_checks_its_type_priority_and_title(db):
    ctx = _member(db, make_account(db))
    for kw, key in ((dict(type="nope"), "tickets.error.type"), (dict(priority="nope"), "tickets.error.priority"),
                    (dict(title="  "), "tickets.error.title_required")):
        with pytest.raises(DomainError) as err:
            _open(db, ctx, **kw)
        assert err.value.key == key
    first, second = _open(db, ctx), _open(db, ctx)
    numbers = [rules.read_ticket(db, ctx, c.id).ticket.number for c in (first, second)]
    assert numbers[1] == numbers[0] + 1


def test_internal_notes_and_their_files_never_reach_the_customer(db):
    acc = make_account(db)
    contact = make_contact(db, acc, portal_role="admin", language="fr")
    ctx = portal_ctx(db, contact)
    conv = _open(db, ctx)
    staff = staff_ctx(db)
    note_file, _ = attachments.stage_for_staff(db, staff, file_intake.store_bytes("tickets", "notes.pdf", PDF_BYTES, MB),
                                               kind="ticket", conversation_id=conv.id)
    assert rules.reply_as_staff(db, staff, conv.id, "Secret: driver bug", internal=True) == []
    reply_file, _ = attachments.stage_for_staff(db, staff, file_intake.store_bytes("tickets", "fix.pdf", PDF_BYTES, MB),
                                                kind="ticket", conversation_id=conv.id)
    deliveries = rules.reply_as_staff(db, staff, conv.id, "A technician comes today.")
    assert [d.to for d in deliveries] == [contact.email]
    mail = db.exec(select(OutboundMessage).where(OutboundMessage.template == "ticket_reply",
                                                 OutboundMessage.contact_id == contact.id)).one()
    assert mail.language == "fr" and "Secret" not in mail.body_text and "technician" in mail.body_text
    seen = rules.read_ticket(db, ctx, conv.id).entries
    assert [e.body for e in seen] == ["It prints nothing.", "A technician comes today."]
    assert [a.title for e in seen for a in e.attachments] == ["fix.pdf"]
    assert "Secret: driver bug" in [e.body for e in rules.read_as_staff(db, staff, conv.id).entries]
    assert rules.open_attachment_for_contact(db, ctx, reply_file.id).id == reply_file.id
    with pytest.raises(NotFound):
        rules.open_attachment_for_contact(db, ctx, note_file.id)
    # The search reads what customers see, never an internal note.
    assert _ids(db, ctx, q="technician") == [conv.id] and _ids(db, ctx, q="driver bug") == []
    assert [i.id for i in rules.queue(db, staff, q="driver bug")[0]] == [conv.id]
    # Staff answering a new ticket makes it open.
    assert rules.read_as_staff(db, staff, conv.id).conv.status == "open"


def test_resolve_reopen_and_reply_follow_the_business_rule(db):
    ctx = _member(db, make_account(db))
    conv = _open(db, ctx)
    rules.resolve(db, ctx, conv.id)
    detail = rules.read_ticket(db, ctx, conv.id)
    assert detail.conv.status == "resolved" and detail.ticket.resolved_at is not None
    with pytest.raises(DomainError):
        rules.resolve(db, ctx, conv.id)
    rules.reopen(db, ctx, conv.id)
    assert rules.read_ticket(db, ctx, conv.id).conv.status == "open"
    rules.resolve(db, ctx, conv.id)
    rules.reply_as_contact(db, ctx, conv.id, "It broke again.")  # a reply reopens
    assert rules.read_ticket(db, ctx, conv.id).conv.status == "open"

    staff = staff_ctx(db)
    settings.update_settings(db, staff, types="incident", priorities="high",
                             statuses="new | | open\nopen\nresolved\nclosed", reopen_allowed=False,
                             staff_notify_email="")
    rules.update_ticket(db, staff, conv.id, status="closed")
    for call in (lambda: rules.reopen(db, ctx, conv.id), lambda: rules.reply_as_contact(db, ctx, conv.id, "Again")):
        with pytest.raises(DomainError):
            call()
    assert rules.read_ticket(db, ctx, conv.id).conv.status == "closed"


def test_a_billed_ticket_is_read_only_for_the_customer(db):
    ctx = _member(db, make_account(db))
    conv = _open(db, ctx)
    staff = staff_ctx(db)
    rules.update_ticket(db, staff, conv.id, billed=True)
    for call in (lambda: rules.reply_as_contact(db, ctx, conv.id, "More"), lambda: rules.resolve(db, ctx, conv.id),
                 lambda: rules.reopen(db, ctx, conv.id)):
        with pytest.raises(DomainError) as err:
            call()
        assert err.value.key == "tickets.error.billed"
    assert len(rules.read_ticket(db, ctx, conv.id).entries) == 1  # still readable
    rules.reply_as_staff(db, staff, conv.id, "Invoice attached.")  # staff still write


def test_queue_filters_assignment_bulk_and_age(db):
    start = clock.now()
    clock.freeze(start)
    acc, other = make_account(db, name="Queue A"), make_account(db, name="Queue B")
    a_ctx, b_ctx = _member(db, acc), _member(db, other)
    staff = staff_ctx(db)
    agent = make_staff(db, role="agent")
    one = _open(db, a_ctx, "One", priority="low")
    two = _open(db, b_ctx, "Two", type="question")
    clock.freeze(start + timedelta(hours=3))
    found, _ = rules.queue(db, staff, account_id=acc.id)
    assert [i.id for i in found] == [one.id] and found[0].last_customer_entry_at == start
    assert [i.id for i in rules.queue(db, staff, priority="low")[0]] == [one.id]
    assert [i.id for i in rules.queue(db, staff, type="question", account_id=other.id)[0]] == [two.id]
    assert rules.bulk_update(db, staff, [one.id, two.id], assignee_staff_id=agent.id) == 2
    assert {i.id for i in rules.queue(db, staff, assignee=str(agent.id))[0]} >= {one.id, two.id}
    assert one.id not in [i.id for i in rules.queue(db, staff, assignee="none")[0]]
    rules.bulk_update(db, staff, [one.id], status="closed")
    assert one.id not in [i.id for i in rules.queue(db, staff)[0]]  # the default queue: not closed
    assert one.id in [i.id for i in rules.queue(db, staff, status="all")[0]]
    with pytest.raises(DomainError):
        rules.bulk_update(db, staff, [one.id], status="nonsense")
    with pytest.raises(DomainError):
        rules.bulk_update(db, staff, list(range(1, 102)), status="open")
    with pytest.raises(NotFound):
        rules.update_ticket(db, staff, two.id, assignee_staff_id=999999)
    # The assignee hears of the customer's reply.
    deliveries = rules.reply_as_contact(db, b_ctx, two.id, "Any news?")
    assert [d.to for d in deliveries] == [agent.email]


def test_members_without_the_right_get_the_navigation_and_the_new_ticket_button(db):
    from portal_app.core.conversations import usable_modules
    from portal_app.dashboard import actions as portal_actions

    acc = make_account(db)
    member = _member(db, acc)
    assert not member.can("tickets") and "tickets" in usable_modules(member)
    portal_actions.save_action(db, staff_ctx(db).actor, portal_actions.ActionInput(kind="ticket",
                                                                                  labels={"en": "Get help"}))
    assert [a.href for a in portal_actions.visible_actions(db, member, "en")] == ["/tickets/new"]
