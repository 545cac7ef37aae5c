"""Portal actions: validation, order, audience, modules and rights, language, kinds without a page."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_app.core.models.audit import AuditEvent
from portal_app.core import business
from portal_app.dashboard import actions as portal_actions
from portal_app.core.errors import DomainError
from portal_app.dashboard.actions import ActionInput
from tests.factories import make_account, make_contact, portal_ctx, staff_ctx


@pytest.fixture(autouse=True)
def _fresh_business():
    business.forget_cached_business()
    portal_actions.forget_cached_actions()  # each test has its own database
    yield
    business.forget_cached_business()
    portal_actions.forget_cached_actions()


def add(db, staff, kind, en, fr=None, **kw):
    labels = {"en": en, **({"fr": fr} if fr else {})}
    return portal_actions.save_action(db, staff.actor, ActionInput(kind=kind, labels=labels, **kw))


@pytest.mark.parametrize("url,key", [
    ("", "actions.error.target_required"),
    ("javascript:alert(1)", "actions.error.target_scheme"),
    ("data:text/html,<script>x</script>", "actions.error.target_scheme"),
    ("ftp://files.example.com", "actions.error.target_scheme"),
    ("//evil.example.com", "actions.error.target_scheme"),
    ("https://", "actions.error.target_invalid"),
    ("https://exa mple.com", "actions.error.target_invalid"),
    ("https://example.com/\njavascript:x", "actions.error.target_invalid"),
])
def test_external_links_must_be_http_or_https(db, url, key):
    staff = staff_ctx(db)
    with pytest.raises(DomainError) as err:
        add(db, staff, "link", "Status page", target=url)
    assert err.value.key == key


def test_labels_required_in_the_default_language(db):
    staff = staff_ctx(db)
    row = business.get_business(db)
    row.default_language = "fr"
    db.add(row)
    business.forget_cached_business()
    with pytest.raises(DomainError) as err:
        add(db, staff, "message", "Write to us")
    assert err.value.key == "actions.error.label_required" and err.value.params == {"language": "fr"}
    with pytest.raises(DomainError):
        add(db, staff, "message", "Write", fr="   ")
    saved = add(db, staff, "message", "Write to us", fr="Nous écrire")
    assert saved.labels == {"en": "Write to us", "fr": "Nous écrire"} and saved.icon == "message_square"


def test_kind_icon_and_audience_are_checked(db):
    staff = staff_ctx(db)
    for kw, key in ((dict(kind="hack"), "actions.error.kind"), (dict(kind="pay", icon="skull"), "actions.error.icon"),
                    (dict(kind="pay", audience="root"), "actions.error.audience")):
        with pytest.raises(DomainError) as err:
            portal_actions.save_action(db, staff.actor, ActionInput(labels={"en": "X"}, **kw))
        assert err.value.key == key


def test_order_audience_rights_and_language(db, monkeypatch):
    monkeypatch.delitem(portal_actions.DESTINATIONS, "ticket", raising=False)  # a kind no page serves
    staff = staff_ctx(db)
    pay = add(db, staff, "pay", "Pay my invoices", fr="Payer mes factures", audience="admins")
    message = add(db, staff, "message", "Write to us", fr="Nous écrire")
    docs = add(db, staff, "documents", "My documents")
    link = add(db, staff, "link", "Network status", target="https://status.example.com")
    ticket = add(db, staff, "ticket", "Open a ticket")
    hidden = add(db, staff, "message", "Old button", enabled=False)
    acc = make_account(db)
    admin = portal_ctx(db, make_contact(db, acc, portal_role="admin"))
    member = portal_ctx(db, make_contact(db, acc, portal_role="member"))
    shown = portal_actions.visible_actions(db, admin, "fr")
    # in order; French where there is French, else the default language; a kind without a page: hidden
    assert [(a.id, a.label) for a in shown] == [(pay.id, "Payer mes factures"), (message.id, "Nous écrire"),
                                                 (docs.id, "My documents"), (link.id, "Network status")]
    assert [a.href for a in shown] == ["/invoices", "/messages/new", "/documents", "https://status.example.com"]
    assert [a.external for a in shown] == [False, False, False, True]
    # members: no invoices (role), no documents (rights), and pay is for admins anyway
    assert [a.id for a in portal_actions.visible_actions(db, member, "en")] == [message.id, link.id]
    # reorder: up, down, drag
    portal_actions.move_action(db, staff.actor, link.id, -1)
    portal_actions.move_action(db, staff.actor, pay.id, +1)
    assert [a.id for a in portal_actions.visible_actions(db, admin, "en")] == [message.id, pay.id, link.id, docs.id]
    portal_actions.reorder(db, staff.actor, [docs.id, link.id])
    assert [r.id for r in portal_actions.list_actions(db)] == [docs.id, link.id, message.id, pay.id, ticket.id,
                                                               hidden.id]
    portal_actions.move_action(db, staff.actor, docs.id, -1)  # already first: stays
    assert portal_actions.list_actions(db)[0].id == docs.id
    # disable, delete
    portal_actions.set_enabled(db, staff.actor, docs.id, False)
    portal_actions.delete_action(db, staff.actor, link.id)
    assert [a.id for a in portal_actions.visible_actions(db, admin, "en")] == [message.id, pay.id]
    actions = {e.action for e in db.exec(select(AuditEvent).where(AuditEvent.target_type == "portal_action"))}
    assert {"portal_action.create", "portal_action.move", "portal_action.reorder", "portal_action.disable",
            "portal_action.delete"} <= actions


def test_a_module_switched_off_hides_its_action(db):
    staff = staff_ctx(db)
    add(db, staff, "documents", "Docs")
    row = business.get_business(db)
    row.modules = [m for m in row.modules if m != "documents"]
    db.add(row)
    business.forget_cached_business()
    admin = portal_ctx(db, make_contact(db, portal_role="admin"))
    assert portal_actions.visible_actions(db, admin, "en") == []
    assert portal_actions.preview(db, lang="en", role="admin") == []


def test_a_tickets_page_makes_new_ticket_appear(db, monkeypatch):
    monkeypatch.delitem(portal_actions.DESTINATIONS, "ticket", raising=False)
    staff = staff_ctx(db)
    add(db, staff, "ticket", "Open a ticket")
    admin = portal_ctx(db, make_contact(db, portal_role="admin"))
    assert portal_actions.visible_actions(db, admin, "en") == []
    monkeypatch.setitem(portal_actions.DESTINATIONS, "ticket", None)
    portal_actions.register_destination("ticket", "/tickets/new")
    assert [a.href for a in portal_actions.visible_actions(db, admin, "en")] == ["/tickets/new"]


def test_preview_shows_role_and_language(db):
    staff = staff_ctx(db)
    add(db, staff, "pay", "Pay", fr="Payer")
    add(db, staff, "message", "Write", fr="Écrire", audience="admins")
    assert [a.label for a in portal_actions.preview(db, lang="fr", role="admin")] == ["Payer", "Écrire"]
    assert portal_actions.preview(db, lang="en", role="member") == []
