"""Security of tickets: another account's tickets, entries and files are refused by URL and by handler
argument (and recorded); a member reads no colleague's ticket; internal notes' files are never served
to customers; the console needs a full staff session."""

from __future__ import annotations

import itertools

import pytest
from starlette.testclient import TestClient

from portal_app.core import files as file_intake
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.conversations import attachments
from portal_app.core.db import session_scope
from portal_app.core.routes import build_api
from portal_app.core.states.portal import PORTAL_COOKIE
from portal_app.core.states.staff import STAFF_COOKIE
from portal_app.helpdesk import ticket_rules as rules
from portal_app.helpdesk.ticket_admin_state import AdminTicketState
from portal_app.helpdesk.ticket_state import TicketsState, TicketState
from tests.factories import PDF_BYTES, make_account, make_contact, staff_ctx, staff_session
from tests.support.states import refusals, sub
from tests.support.uploads import at

_n = itertools.count(1)


def _file(name):
    return file_intake.store_bytes("tickets", name, PDF_BYTES, 10**6)


@pytest.fixture(scope="module")
def world():
    """Two accounts, each with an admin's ticket holding a customer file, a staff note with a file and a
    staff reply; a member of the first account without the tickets right; staff tokens."""
    out = {}
    with session_scope() as db:
        staff = staff_ctx(db)
        for side in ("mine", "theirs"):
            acc = make_account(db, name=f"Sec tickets {side} {next(_n)}")
            contact = make_contact(db, acc, portal_role="admin", email=f"sec-tk-{side}{next(_n)}@example.com")
            ctx = portal_sessions.resolve_session(db, portal_sessions.open_session(db, contact.id))
            att, _ = attachments.stage_for_contact(db, ctx, _file("a.pdf"), kind="ticket")
            conv, _, _ = rules.open_ticket(db, ctx, title="Secret", type="question", priority="low", body="Only mine")
            note, _ = attachments.stage_for_staff(db, staff, _file("note.pdf"), kind="ticket", conversation_id=conv.id)
            rules.reply_as_staff(db, staff, conv.id, "internal detail", internal=True)
            out[side] = {"account": acc.id, "token": portal_sessions.open_session(db, contact.id),
                         "ticket": conv.id, "attachment": att.id, "note_file": note.id, "contact": contact.id}
        member = make_contact(db, db.get(type(acc), out["mine"]["account"]), portal_role="member", rights=["messages"],
                              email=f"sec-tk-member{next(_n)}@example.com")
        out["member"] = {"token": portal_sessions.open_session(db, member.id)}
        out["staff_full"] = staff_session(db)
        out["staff_half"] = staff_session(db, totp=False)
    return out


@pytest.fixture
def client():
    return TestClient(build_api())


# ---- by URL ----------------------------------------------------------------------------------------


def test_attachment_route_follows_ticket_visibility(world, client):
    mine, theirs = world["mine"], world["theirs"]
    url = f"/api/ticket-attachments/{mine['attachment']}"
    assert client.get(url).status_code == 404
    assert client.get(url, cookies={PORTAL_COOKIE: theirs["token"]}).status_code == 404
    assert refusals(theirs["account"], "conversation_attachment", mine["attachment"]) >= 1
    assert client.get(url, cookies={PORTAL_COOKIE: world["member"]["token"]}).status_code == 404  # a colleague's
    assert client.get(url, cookies={PORTAL_COOKIE: mine["token"]}).status_code == 200
    # the file of a staff internal note: never to the customer, whose ticket it is
    assert client.get(f"/api/ticket-attachments/{mine['note_file']}",
                      cookies={PORTAL_COOKIE: mine["token"]}).status_code == 404
    # a message's attachment route does not serve ticket files
    assert client.get(f"/api/message-attachments/{mine['attachment']}",
                      cookies={PORTAL_COOKIE: mine["token"]}).status_code == 404


def test_console_attachment_route_needs_a_full_staff_session(world, client):
    url = f"/api/admin/ticket-attachments/{world['mine']['note_file']}"
    for cookies in ({}, {STAFF_COOKIE: world["staff_half"]}, {PORTAL_COOKIE: world["mine"]["token"]}):
        assert client.get(url, cookies=cookies).status_code == 404
    assert client.get(url, cookies={STAFF_COOKIE: world["staff_full"]}).status_code == 200


def test_page_url_with_another_accounts_ticket_is_refused(world, root):
    mine, theirs = world["mine"], world["theirs"]
    page = sub(root, TicketState)
    page.portal_sid = theirs["token"]
    at(page, f"/tickets/view?id={mine['ticket']}")
    page.load_ticket()
    assert page.error_key == "error.not_found" and page.entries == [] and page.thread_id == 0
    assert refusals(theirs["account"], "conversation", mine["ticket"]) >= 1
    for bad in ("abc", "-1", "0", "1e5", "9" * 30):
        at(page, f"/tickets/view?id={bad}")
        page.load_ticket()
        assert page.error_key == "error.not_found"


# ---- by handler argument ---------------------------------------------------------------------------


def test_handlers_refuse_another_accounts_ticket(world, root):
    mine, theirs = world["mine"], world["theirs"]
    page = sub(root, TicketState)
    page.portal_sid = theirs["token"]
    page.thread_id = mine["ticket"]  # forged: the page never showed it
    before = refusals(theirs["account"], "conversation", mine["ticket"])
    for call in (lambda: page.send_reply({"body": "forged"}), page.resolve_ticket, page.reopen_ticket):
        page.error_key = ""
        call()
        assert page.error_key == "error.not_found"
    page.remove_attachment(mine["attachment"])
    assert page.error_key == "error.not_found"
    assert refusals(theirs["account"], "conversation", mine["ticket"]) >= before + 3
    with session_scope() as db:
        detail = rules.read_as_staff(db, staff_ctx(db), mine["ticket"])
        assert [e.body for e in detail.entries] == ["Only mine", "internal detail"]
        assert detail.conv.status == "new"


def test_member_reads_no_colleagues_ticket(world, root):
    page = sub(root, TicketState)
    page.portal_sid = world["member"]["token"]
    at(page, f"/tickets/view?id={world['mine']['ticket']}")
    page.load_ticket()
    assert page.error_key == "error.not_found"
    listing = sub(root, TicketsState)
    listing.portal_sid = world["member"]["token"]
    at(listing, f"/tickets?contact={world['mine']['contact']}")
    listing.load_list()
    assert listing.rows == [] and listing.contact_options == []


def test_another_accounts_contact_filter_shows_nothing_of_theirs(world, root):
    listing = sub(root, TicketsState)
    listing.portal_sid = world["mine"]["token"]
    at(listing, f"/tickets?contact={world['theirs']['contact']}")
    listing.load_list()
    assert listing.rows == []


def test_console_ticket_needs_totp(world, root):
    one = sub(root, AdminTicketState)
    one.staff_sid = world["staff_half"]
    at(one, f"/admin/tickets?ticket={world['mine']['ticket']}")
    one.load_ticket()
    assert one.flash_key == "error.session_over" and one.entries == [] and one.thread_id == 0
    one.thread_id = world["mine"]["ticket"]
    one.send_entry({"body": "forged"})
    assert one.flash_key == "error.session_over"


# ---- the inbound email webhook -----------------------------------------------------------------------


@pytest.fixture
def inbound_key(monkeypatch):
    from portal_app.core.config import reload_settings

    monkeypatch.setenv("GUICHET_INBOUND_SECRET", "inbound-key-for-tests-0123456789")
    monkeypatch.setenv("GUICHET_INBOUND_ADDRESS", "support@help.example.com")
    reload_settings()
    yield "inbound-key-for-tests-0123456789"
    monkeypatch.delenv("GUICHET_INBOUND_SECRET")
    monkeypatch.delenv("GUICHET_INBOUND_ADDRESS")
    reload_settings()


def test_a_forged_inbound_webhook_is_refused(world, client, inbound_key):
    from portal_app.helpdesk.ticket_mail import reply_address

    form = {"from": "attacker@evil.example", "to": reply_address(world["mine"]["ticket"]), "subject": "Re: Secret",
            "text": "forged reply"}
    for path in ("/api/inbound/sendgrid/wrong-key", "/api/inbound/sendgrid/" + inbound_key[:-1],
                 "/api/inbound/sendgrid/"):
        assert client.post(path, data=form).status_code == 404
    assert client.get(f"/api/inbound/sendgrid/{inbound_key}").status_code == 405
    # the right key, but a sender who is not the ticket's reader: it waits for staff, nothing in the thread
    response = client.post(f"/api/inbound/sendgrid/{inbound_key}", data=form)
    assert response.status_code == 200 and response.json() == {"outcome": "pending"}
    with session_scope() as db:
        assert len(rules.read_as_staff(db, staff_ctx(db), world["mine"]["ticket"]).entries) == 2


def test_the_webhook_is_closed_without_a_configured_key(world, client):
    from portal_app.core.config import get_settings

    assert get_settings().inbound_secret == ""
    assert client.post("/api/inbound/sendgrid/anything", data={"from": "a@b.example"}).status_code == 404
    assert client.post("/api/inbound/sendgrid/", data={"from": "a@b.example"}).status_code == 404


def test_a_reply_by_email_lands_in_its_ticket(world, client, inbound_key):
    from portal_app.core.models.accounts import Contact
    from portal_app.helpdesk.ticket_mail import reply_address

    with session_scope() as db:
        email = db.get(Contact, world["theirs"]["contact"]).email
    response = client.post(f"/api/inbound/sendgrid/{inbound_key}", data={
        "from": f"Them <{email}>", "to": reply_address(world["theirs"]["ticket"]), "subject": "Re: Secret",
        "text": "Answer by mail\n\nOn Monday, support wrote:\n> quoted", "envelope": "{}"})
    assert response.status_code == 200 and response.json() == {"outcome": "reply"}
    with session_scope() as db:
        bodies = [e.body for e in rules.read_as_staff(db, staff_ctx(db), world["theirs"]["ticket"]).entries]
    assert bodies[-1] == "Answer by mail"
