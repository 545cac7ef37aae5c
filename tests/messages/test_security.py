"""Security of messages: another account's message or attachment is refused by URL and by handler
argument (and recorded); a staged attachment is its uploader's only; the console needs a full staff
session; attachments never go to the public upload folder."""

from __future__ import annotations

import itertools

import pytest
from starlette.testclient import TestClient

from portal_app.core import files as file_intake
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.core.routes import build_api
from portal_app.core.states.portal import PORTAL_COOKIE
from portal_app.core.states.staff import STAFF_COOKIE
from portal_app.core.conversations import attachments
from portal_app.messages import rules as messages
from portal_app.messages.admin_state import AdminThreadState
from portal_app.messages.state import MessagesState
from tests.factories import PDF_BYTES, make_account, make_contact, staff_session
from tests.support.states import refusals, sub
from tests.support.uploads import at

_n = itertools.count(1)


@pytest.fixture(scope="module")
def world():
    """Two accounts, each with a contact and a thread with an attachment, and a staged attachment; plus
    staff tokens."""
    out = {}
    with session_scope() as db:
        for side in ("mine", "theirs"):
            acc = make_account(db, name=f"Sec {side} {next(_n)}")
            contact = make_contact(db, acc, portal_role="admin", email=f"sec-msg-{side}{next(_n)}@example.com")
            ctx = portal_sessions.resolve_session(db, portal_sessions.open_session(db, contact.id))
            att, _ = attachments.stage_for_contact(db, ctx, file_intake.store_bytes("messages", "a.pdf", PDF_BYTES,
                                                                                   10**6), kind="message")
            thread, _ = messages.start_thread(db, ctx, subject="Secret", body="Only mine")
            staged, _ = attachments.stage_for_contact(db, ctx, file_intake.store_bytes("messages", "s.pdf", PDF_BYTES,
                                                                                      10**6), kind="message")
            out[side] = {"account": acc.id, "token": portal_sessions.open_session(db, contact.id),
                         "thread": thread.id, "attachment": att.id, "staged": staged.id}
        out["staff_full"] = staff_session(db)
        out["staff_half"] = staff_session(db, totp=False)
    return out


@pytest.fixture
def client():
    return TestClient(build_api())



# ---- by URL ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/message-attachments/..%2Fx"])
def test_attachment_urls_take_only_ids(world, client, path):
    assert client.get(path, cookies={PORTAL_COOKIE: world["mine"]["token"],
                                     STAFF_COOKIE: world["staff_full"]}).status_code == 404


def test_attachment_route_follows_thread_visibility(world, client):
    mine, theirs = world["mine"], world["theirs"]
    url = f"/api/message-attachments/{mine['attachment']}"
    assert client.get(url).status_code == 404
    assert client.get(url, cookies={PORTAL_COOKIE: theirs["token"]}).status_code == 404
    assert refusals(theirs["account"], "conversation_attachment", mine["attachment"]) >= 1
    assert client.get(f"/api/message-attachments/{mine['staged']}",
                      cookies={PORTAL_COOKIE: theirs["token"]}).status_code == 404
    assert client.get(url, cookies={PORTAL_COOKIE: mine["token"]}).status_code == 200


def test_console_attachment_route_needs_a_full_staff_session(world, client):
    att_url = f"/api/admin/message-attachments/{world['mine']['attachment']}"
    for cookies in ({}, {STAFF_COOKIE: world["staff_half"]}, {STAFF_COOKIE: world["mine"]["token"]},
                    {PORTAL_COOKIE: world["mine"]["token"]}):
        assert client.get(att_url, cookies=cookies).status_code == 404
    assert client.get(att_url, cookies={STAFF_COOKIE: world["staff_full"]}).status_code == 200
    # a colleague's unsent attachment is not served either
    assert client.get(f"/api/admin/message-attachments/{world['mine']['staged']}",
                      cookies={STAFF_COOKIE: world["staff_full"]}).status_code == 404


# ---- by handler argument ---------------------------------------------------------------------------


def test_handlers_refuse_another_accounts_ids(world, root):
    mine, theirs = world["mine"], world["theirs"]
    msgs = sub(root, MessagesState)
    msgs.portal_sid = theirs["token"]
    at(msgs, f"/messages/thread?id={mine['thread']}")
    msgs.load_thread()
    assert msgs.error_key == "error.not_found" and msgs.entries == []
    msgs.remove_attachment(mine["staged"])
    assert msgs.error_key == "error.not_found"
    assert refusals(theirs["account"], "conversation", mine["thread"]) >= 1


def test_console_inbox_needs_totp(world, root):
    inbox = sub(root, AdminThreadState)
    inbox.staff_sid = world["staff_half"]
    at(inbox, f"/admin/inbox?thread={world['mine']['thread']}")
    inbox.load_thread()
    assert inbox.flash_key == "error.session_over" and inbox.entries == [] and inbox.thread_id == 0
    inbox.thread_id = world["mine"]["thread"]
    inbox.send_reply({"body": "forged"})
    assert inbox.flash_key == "error.session_over"


# ---- files ---------------------------------------------------------------------------------------------


