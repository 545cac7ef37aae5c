"""Contact messages: threads scoped by account and author, attachments staged then claimed, unread
marks on both sides, emails in each side's language, handled and reopened."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.core.models.audit import AuditEvent
from portal_app.core.conversations.models import ConversationAttachment as MessageAttachment
from portal_app.core.models.notifications import Notification
from portal_app.core.models.notify import OutboundMessage
from portal_app.core import business, clock, files as file_intake, notifications
from portal_app.core.conversations import attachments
from portal_app.core.conversations.engine import Author
from portal_app.messages import rules as messages
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.errors import DomainError, Forbidden, NotFound
from tests.factories import PDF_BYTES, make_account, make_contact, make_staff, portal_ctx, staff_ctx

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _fresh_business():
    business.forget_cached_business()
    yield
    business.forget_cached_business()


def _file(name="scan.pdf"):
    return file_intake.store_bytes("messages", name, PDF_BYTES, MB)


def test_a_contact_writes_with_an_attachment_and_staff_are_told(db):
    owner = make_staff(db, role="owner")
    acc = make_account(db, name="Fleurs & Co")
    ctx = portal_ctx(db, make_contact(db, acc, first_name="Lise", last_name="Roy"))
    att, stale = attachments.stage_for_contact(db, ctx, _file(), kind="message")
    assert stale == [] and [a.id for a in attachments.staged(db, Author.contact(ctx), kind="message")] == [att.id]
    thread, deliveries = messages.start_thread(db, ctx, subject="  Broken   line ", body="It does not work.\r\n")
    assert thread.subject == "Broken line" and thread.status == "open"
    assert [d.to for d in deliveries] == [owner.email]  # no address configured: the first owner
    mail = db.exec(select(OutboundMessage).where(OutboundMessage.template == "message_to_staff")).one()
    assert "Lise Roy" in mail.subject and "Fleurs & Co" in mail.subject and "It does not work." in mail.body_text
    assert f"/admin/inbox?thread={thread.id}" in mail.body_text
    assert attachments.staged(db, Author.contact(ctx), kind="message") == []
    _, msgs = messages.read_thread(db, ctx, thread.id)
    assert [(m.author_type, m.body, [a.title for a in m.attachments]) for m in msgs] == \
        [("contact", "It does not work.", ["scan.pdf"])]


def test_configured_staff_address_wins(db):
    make_staff(db, role="owner")
    staff = staff_ctx(db)
    messages.update_settings(db, staff, staff_notify_email=" Support@Example.com ")
    assert messages.staff_recipient(db) == "support@example.com"
    with pytest.raises(DomainError):
        messages.update_settings(db, staff, staff_notify_email="not an address")
    ctx = portal_ctx(db, make_contact(db))
    _, deliveries = messages.start_thread(db, ctx, subject="Hi", body="Hello")
    assert [d.to for d in deliveries] == ["support@example.com"]


def test_staff_reply_reaches_the_contact_in_their_language(db):
    acc = make_account(db)
    contact = make_contact(db, acc, language="de", first_name="Jonas")
    ctx = portal_ctx(db, contact)
    thread, _ = messages.start_thread(db, ctx, subject="Rechnung", body="Frage")
    staff = staff_ctx(db)
    assert messages.staff_unread_count(db) >= 1
    messages.read_thread_as_staff(db, staff, thread.id)
    assert messages.unread_count(db, ctx) == 0
    clock.freeze(clock.now() + timedelta(minutes=1))
    staged, _ = attachments.stage_for_staff(db, staff, _file("Antwort.pdf"), kind="message", conversation_id=thread.id)
    deliveries = messages.reply_as_staff(db, staff, thread.id, "Hier ist die Antwort.")
    mail = db.exec(select(OutboundMessage).where(OutboundMessage.template == "message_reply")).one()
    assert [d.to for d in deliveries] == [contact.email] and mail.language == "de"
    assert "Rechnung" in mail.subject and "Hier ist die Antwort." in mail.body_text
    assert f"/messages/thread?id={thread.id}" in mail.body_text
    assert messages.unread_count(db, ctx) == 1
    note = db.exec(select(Notification).where(Notification.contact_id == contact.id)).one()
    assert note.link == f"/messages/thread?id={thread.id}"
    _, msgs = messages.read_thread(db, ctx, thread.id)
    assert [m.author_type for m in msgs] == ["contact", "staff"]
    assert [a.id for a in msgs[1].attachments] == [staged.id]
    assert messages.open_attachment_for_contact(db, ctx, staged.id).title == "Antwort.pdf"
    assert messages.unread_count(db, ctx) == 0


def test_handled_then_reopened_by_the_customer(db):
    ctx = portal_ctx(db, make_contact(db))
    thread, _ = messages.start_thread(db, ctx, subject="Done soon", body="Please")
    staff = staff_ctx(db)
    messages.set_handled(db, staff, thread.id, True)
    assert thread.status == "handled"
    open_ids = [t.id for t in messages.inbox(db, staff)[0]]
    assert thread.id not in open_ids
    assert thread.id in [t.id for t in messages.inbox(db, staff, status="handled")[0]]
    messages.reply_as_contact(db, ctx, thread.id, "One more thing")
    assert thread.status == "open" and thread.closed_at is None
    assert thread.id in [t.id for t in messages.inbox(db, staff)[0]]


def test_members_see_their_own_threads_admins_the_accounts(db):
    acc, other = make_account(db), make_account(db)
    member = portal_ctx(db, make_contact(db, acc, portal_role="member"))
    colleague = portal_ctx(db, make_contact(db, acc, portal_role="member"))
    admin = portal_ctx(db, make_contact(db, acc, portal_role="admin"))
    stranger = portal_ctx(db, make_contact(db, other, portal_role="admin"))
    thread, _ = messages.start_thread(db, member, subject="Mine", body="x")
    assert [t.id for t in messages.list_threads(db, admin)[0]] == [thread.id]
    assert messages.list_threads(db, colleague)[1] == 0
    messages.read_thread(db, admin, thread.id)  # an admin may read it...
    for ctx in (colleague, stranger):
        with pytest.raises(NotFound):
            messages.read_thread(db, ctx, thread.id)
        with pytest.raises(NotFound):
            messages.reply_as_contact(db, ctx, thread.id, "intrusion")
    reasons = {e.detail["reason"] for e in db.exec(select(AuditEvent).where(AuditEvent.action == "security.refused"))}
    assert reasons == {"other_contact", "other_account"}


def test_reading_as_an_admin_or_as_staff_in_the_portal_leaves_it_unread(db):
    acc = make_account(db)
    author = portal_ctx(db, make_contact(db, acc, portal_role="member"))
    admin = portal_ctx(db, make_contact(db, acc, portal_role="admin"))
    thread, _ = messages.start_thread(db, author, subject="Q", body="?")
    staff = staff_ctx(db)
    clock.freeze(clock.now() + timedelta(minutes=1))
    messages.reply_as_staff(db, staff, thread.id, "A")
    messages.read_thread(db, admin, thread.id)
    looking = portal_sessions.resolve_session(db, portal_sessions.open_session(
        db, author.contact_id, impersonator_staff_id=staff.staff_id, staff_session_id=staff.session_id))
    messages.read_thread(db, looking, thread.id)
    assert messages.unread_count(db, author) == 1


def test_attachments_of_others_are_refused(db):
    acc, other = make_account(db), make_account(db)
    alice = portal_ctx(db, make_contact(db, acc, portal_role="admin"))
    eve = portal_ctx(db, make_contact(db, other, portal_role="admin"))
    staged, _ = attachments.stage_for_contact(db, alice, _file(), kind="message")
    with pytest.raises(NotFound):  # staged files belong to their uploader alone
        messages.open_attachment_for_contact(db, eve, staged.id)
    with pytest.raises(NotFound):
        attachments.discard_staged(db, Author.contact(eve), staged.id)
    thread, _ = messages.start_thread(db, alice, subject="With file", body="see file")
    with pytest.raises(NotFound):
        messages.open_attachment_for_contact(db, eve, staged.id)
    staff = staff_ctx(db)
    assert messages.open_attachment_for_staff(db, staff, staged.id).id == staged.id
    other_staff = staff_ctx(db, role="staff")  # a colleague
    own, _ = attachments.stage_for_staff(db, staff, _file(), kind="message", conversation_id=thread.id)
    with pytest.raises(NotFound):  # a colleague's unsent attachment is not yours either
        messages.open_attachment_for_staff(db, other_staff, own.id)


def test_limits_and_validation(db):
    ctx = portal_ctx(db, make_contact(db))
    for subject, body, key in (("", "x", "messages.error.subject_required"), ("S", "  ", "messages.error.body_required"),
                               ("S", "x" * 5001, "messages.error.body_too_long")):
        with pytest.raises(DomainError) as err:
            messages.start_thread(db, ctx, subject=subject, body=body)
        assert err.value.key == key
    for _ in range(attachments.ATTACHMENTS_PER_ENTRY):
        attachments.stage_for_contact(db, ctx, _file(), kind="message")
    with pytest.raises(DomainError) as err:
        attachments.stage_for_contact(db, ctx, _file(), kind="message")
    assert err.value.key == "messages.error.too_many_files"


def test_unsent_attachments_are_purged_after_a_day(db):
    ctx = portal_ctx(db, make_contact(db))
    old, _ = attachments.stage_for_contact(db, ctx, _file(), kind="message")
    clock.freeze(clock.now() + timedelta(hours=25))
    _, stale = attachments.stage_for_contact(db, ctx, _file(), kind="message")
    assert stale == [old.stored_name] and db.get(MessageAttachment, old.id) is None


def test_messages_need_the_right(db):
    acc = make_account(db)
    ctx = portal_ctx(db, make_contact(db, acc, portal_role="admin", rights=["invoices"]))
    with pytest.raises(Forbidden):
        messages.start_thread(db, ctx, subject="x", body="y")
    with pytest.raises(Forbidden):
        attachments.stage_for_contact(db, ctx, _file(), kind="message")
    assert messages.unread_count(db, ctx) == 0


def test_notices_follow_rights_and_the_watermark(db):
    acc = make_account(db)
    admin = portal_ctx(db, make_contact(db, acc, portal_role="admin"))
    member = portal_ctx(db, make_contact(db, acc, portal_role="member"))
    notifications.post(db, account_id=acc.id, kind="invoice.new", key="notification.document_new",
                       params={"title": "F-1"}, link="/invoices", module="invoices")
    notifications.post(db, account_id=acc.id, kind="news", key="notification.document_new", params={"title": "All"})
    notifications.post(db, account_id=acc.id, contact_id=member.contact_id, kind="message.reply",
                       key="notification.message_reply", params={"subject": "Hi"}, module="messages")
    assert [n.text for n in notifications.recent(db, admin, "fr")] == ["Nouveau document : All",
                                                                       "Nouveau document : F-1"]
    member_items = notifications.recent(db, member, "en")
    assert [n.text for n in member_items] == ["New reply: Hi", "New document: All"]
    assert notifications.unread_count(db, member) == 2
    notifications.mark_seen(db, member, member_items[0].id)
    assert notifications.unread_count(db, member) == 0 and notifications.unread_count(db, admin) == 2
    assert all(not n.unread for n in notifications.recent(db, member, "en"))
    console = staff_ctx(db)
    looking = portal_sessions.resolve_session(db, portal_sessions.open_session(
        db, admin.contact_id, impersonator_staff_id=console.staff_id, staff_session_id=console.session_id))
    notifications.mark_seen(db, looking, 10**6)
    assert notifications.unread_count(db, admin) == 2


def test_staged_staff_files_go_with_the_reply_to_their_own_thread(db):
    """A file staff upload while answering one thread is not taken by a reply to another."""
    ctx = portal_ctx(db, make_contact(db))
    first, _ = messages.start_thread(db, ctx, subject="First", body="1")
    second, _ = messages.start_thread(db, ctx, subject="Second", body="2")
    staff = staff_ctx(db)
    for_first, _ = attachments.stage_for_staff(db, staff, _file("for-first.pdf"), kind="message",
                                               conversation_id=first.id)
    messages.reply_as_staff(db, staff, second.id, "About the second")
    _, entries = messages.read_thread_as_staff(db, staff, second.id)
    assert [a.title for e in entries for a in e.attachments] == []
    assert [a.id for a in attachments.staged(db, Author.staff(staff), kind="message", conversation_id=first.id)] \
        == [for_first.id]
    messages.reply_as_staff(db, staff, first.id, "About the first")
    _, entries = messages.read_thread_as_staff(db, staff, first.id)
    assert [a.title for e in entries for a in e.attachments] == ["for-first.pdf"]


def test_a_customer_file_staged_for_a_reply_stays_with_that_thread(db):
    ctx = portal_ctx(db, make_contact(db))
    thread, _ = messages.start_thread(db, ctx, subject="Old", body="1")
    for_reply, _ = attachments.stage_for_contact(db, ctx, _file("reply.pdf"), kind="message",
                                                 conversation_id=thread.id)
    new, _ = messages.start_thread(db, ctx, subject="New", body="2")
    assert [a.title for e in messages.read_thread(db, ctx, new.id)[1] for a in e.attachments] == []
    messages.reply_as_contact(db, ctx, thread.id, "with the file")
    assert [a.id for e in messages.read_thread(db, ctx, thread.id)[1] for a in e.attachments] == [for_reply.id]


def test_files_cannot_be_staged_for_a_thread_one_may_not_read(db):
    acc, other = make_account(db), make_account(db)
    alice = portal_ctx(db, make_contact(db, acc))
    eve = portal_ctx(db, make_contact(db, other))
    thread, _ = messages.start_thread(db, alice, subject="Private", body="1")
    with pytest.raises(NotFound):
        attachments.stage_for_contact(db, eve, _file(), kind="message", conversation_id=thread.id)
    with pytest.raises(NotFound):  # staff replies are bound to a thread that exists
        attachments.stage_for_staff(db, staff_ctx(db), _file(), kind="message", conversation_id=thread.id + 99)
