"""Messages states: a customer writes with an attachment, reads the thread; staff read the inbox,
reply with a file, mark handled; ids from the browser are checked."""

from __future__ import annotations

import itertools

from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core.conversations.models import Conversation as MessageThread
from portal_app.core.models.notify import OutboundMessage
from portal_app.core import files as file_intake
from portal_app.core.auth import sessions as portal_sessions
from portal_app.messages.admin_state import AdminInboxState, AdminThreadState, InboxCountState
from portal_app.messages.state import MessagesCountState, MessagesState, ThreadsState
from tests.factories import PDF_BYTES, PNG_BYTES, make_account, make_contact, staff_session
from tests.support.states import public_json, sub
from tests.support.uploads import at, run_upload

_n = itertools.count(1)


def customer(**kw):
    with session_scope() as db:
        acc = make_account(db, name=f"Msg Co {next(_n)}")
        c = make_contact(db, acc, first_name="Hana", last_name="Weiss", **kw)
        return c.id, portal_sessions.open_session(db, c.id)


def test_customer_writes_with_an_attachment_then_staff_reply(root):
    contact_id, token = customer(language="de")
    page = sub(root, MessagesState)
    page.portal_sid = token
    page.load_new()
    assert page.error_key == "" and page.staged == []
    run_upload(page, "upload_attachments", [("Zähler.png", PNG_BYTES)])
    assert [a.title for a in page.staged] == ["Zähler.png"] and not page.uploading
    page.send_new({"subject": "", "body": "x"})
    assert page.error_key == "messages.error.subject_required"
    redirect = page.send_new({"subject": "Zählerstand", "body": "Siehe Foto."})
    with session_scope() as db:
        thread = db.exec(select(MessageThread).where(MessageThread.contact_id == contact_id)).one()
    assert redirect is not None and page.staged == []
    at(page, f"/messages/thread?id={thread.id}")
    page.load_thread()
    assert page.notice_key == "messages.sent_ok" and page.head.subject == "Zählerstand"
    assert [e.body for e in page.entries] == ["Siehe Foto."]
    assert [(f.title, f.message_id) for f in page.files] == [("Zähler.png", page.entries[0].id)]

    # staff: the inbox shows it unread, the thread, a reply with a file, handled
    with session_scope() as db:
        staff_token = staff_session(db)
    counts = sub(root, InboxCountState)
    counts.staff_sid = staff_token
    counts.load_inbox_count()
    assert counts.count >= 1
    inbox = sub(root, AdminInboxState)
    inbox.staff_sid = staff_token
    at(inbox, "/admin/inbox")
    inbox.load_inbox()
    row = next(r for r in inbox.rows if r.id == thread.id)
    assert row.unread is True and row.sender == "Hana Weiss"
    one = sub(root, AdminThreadState)
    at(one, f"/admin/inbox?thread={thread.id}")
    one.load_thread()
    assert one.head.subject == "Zählerstand" and one.head.contact_name == "Hana Weiss"
    run_upload(one, "upload_attachments", [("Antwort.pdf", PDF_BYTES)])
    assert [a.title for a in one.staged] == ["Antwort.pdf"]
    one.send_reply({"body": "Danke, erledigt."})
    assert one.flash_key == "admin.inbox.replied" and len(one.entries) == 2 and one.staged == []
    one.set_handled(True)
    assert one.head.status == "handled"
    with session_scope() as db:
        mail = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact_id,
                                                     OutboundMessage.template == "message_reply")).one()
    assert mail.language == "de" and "Danke, erledigt." in mail.body_text

    # the customer: unread badge, then reading clears it
    nav = sub(root, MessagesCountState)
    nav.portal_sid = token
    nav.load_message_count()
    assert nav.count == 1
    threads = sub(root, ThreadsState)
    at(threads, "/messages")
    threads.load_list()
    assert threads.rows[0].unread is True and threads.rows[0].status == "handled"
    at(page, f"/messages/thread?id={thread.id}")
    page.load_thread()
    assert [f.title for f in page.files] == ["Zähler.png", "Antwort.pdf"]
    nav.load_message_count()
    assert nav.count == 0
    page.send_reply({"body": "Noch eine Frage."})
    assert page.head.status == "open" and len(page.entries) == 3
    # the browser holds display values only: no stored file names
    with session_scope() as db:
        from portal_app.core.conversations.models import ConversationAttachment as MessageAttachment

        names = db.exec(select(MessageAttachment.stored_name).where(MessageAttachment.conversation_id == thread.id)).all()
    blob = public_json(root)
    assert names and not any(n in blob for n in names)


def test_thread_ids_from_the_browser_are_checked(root):
    _, owner_token = customer()
    _, other_token = customer()
    page = sub(root, MessagesState)
    page.portal_sid = owner_token
    page.load_new()
    page.send_new({"subject": "Private", "body": "Mine"})
    with session_scope() as db:
        thread_id = db.exec(select(MessageThread.id).order_by(MessageThread.id.desc())).first()
    intruder = sub(root, MessagesState)
    intruder.portal_sid = other_token
    at(intruder, f"/messages/thread?id={thread_id}")
    intruder.load_thread()
    assert intruder.error_key == "error.not_found" and intruder.entries == [] and intruder.thread_id == 0
    intruder.thread_id = thread_id  # even if the id is forced into the state
    intruder.send_reply({"body": "I am not the owner"})
    assert intruder.error_key == "error.not_found"
    at(intruder, "/messages/thread?id=abc")
    intruder.load_thread()
    assert intruder.error_key == "error.not_found"


def test_staged_attachments_of_someone_else_cannot_be_removed(root):
    _, alice = customer()
    _, eve = customer()
    a = sub(root, MessagesState)
    a.portal_sid = alice
    a.load_new()
    run_upload(a, "upload_attachments", [("a.pdf", PDF_BYTES)])
    att_id = a.staged[0].id
    with session_scope() as db:
        from portal_app.core.conversations.models import ConversationAttachment as MessageAttachment

        stored = db.get(MessageAttachment, att_id).stored_name
    e = sub(root, MessagesState)
    e.portal_sid = eve
    e.remove_attachment(att_id)
    assert e.error_key == "error.not_found"
    assert file_intake.stored_path("messages", stored) is not None
    a.portal_sid = alice
    a.remove_attachment(att_id)
    assert a.staged == [] and file_intake.stored_path("messages", stored) is None


def test_attachment_upload_refuses_bad_files(root):
    _, token = customer()
    page = sub(root, MessagesState)
    page.portal_sid = token
    before = set(file_intake.area_dir("messages").iterdir())
    run_upload(page, "upload_attachments", [("ok.pdf", PDF_BYTES), ("script.png", b"<script>alert(1)</script>")])
    assert page.error_key == "files.error.type" and page.staged == []
    assert set(file_intake.area_dir("messages").iterdir()) == before  # the good one went too: all or nothing
