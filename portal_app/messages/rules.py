"""Contact messages: a contact writes to the business (subject, text, attachments) and reads the
replies; staff read the inbox, reply and mark threads handled. Each side gets an email in its
language. Members see their own threads; account admins see every thread of their account.
Threads, entries, files and read markers are the conversation engine's (kind "message")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import and_, bindparam, or_
from sqlmodel import Session, func, select

from portal_app.core import audit, clock, notify
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.auth.staff import StaffContext, first_owner_email
from portal_app.core.conversations import attachments, engine
from portal_app.core.conversations.engine import Author, EntryView, Kind
from portal_app.core.conversations.models import SIDE_CONTACT, SIDE_STAFF, Conversation
from portal_app.core.db import singleton
from portal_app.core.errors import DomainError
from portal_app.core.models.accounts import Account, Contact
from portal_app.messages.models import KIND, MODULE, STATUS_HANDLED, STATUS_OPEN, MessageSettings

PAGE_SIZE = 20
BODY_MAX = engine.BODY_MAX
AREA = "messages"  # where message files are kept (routes open them there)

engine.register_kind(Kind(KIND, MODULE, AREA))


# ---- settings -----------------------------------------------------------------------------------


def get_settings_row(db: Session) -> MessageSettings:
    return singleton(db, MessageSettings)


def update_settings(db: Session, staff: StaffContext, *, staff_notify_email: str) -> MessageSettings:
    address = (staff_notify_email or "").strip().lower()
    if address:
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            raise DomainError("contact.error.email_invalid") from None
    row = get_settings_row(db)
    row.staff_notify_email, row.updated_at = address[:254], clock.now()
    db.add(row)
    audit.record(db, staff.actor, "messages.settings", target_type="message_settings", target_id=1)
    return row


def staff_recipient(db: Session) -> str | None:
    """Where new customer messages are announced: the configured address, else the first active owner."""
    row = db.get(MessageSettings, 1)
    if row is not None and row.staff_notify_email:
        return row.staff_notify_email
    return first_owner_email(db)


# ---- views ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadItem:
    id: int
    subject: str
    status: str
    last_message_at: datetime
    unread: bool
    contact_name: str = ""
    account_name: str = ""
    account_id: int = 0


# ---- customers --------------------------------------------------------------------------------------


def start_thread(db: Session, ctx: PortalContext, *, subject: str, body: str) -> tuple[Conversation, list[notify.Delivery]]:
    """A new message to the business, with the files the contact staged for a new message."""
    attachments.check_can_write(ctx, KIND)
    subject = engine.clean_subject(subject, "messages.error.subject_required")
    text = engine.clean_body(body)
    thread = engine.open_conversation(db, KIND, account_id=ctx.account_id, contact_id=ctx.contact_id,
                                      subject=subject, status=STATUS_OPEN)
    _, files = engine.add_entry(db, thread, Author.contact(ctx), text, draft=True)
    audit.record(db, audit.portal_actor(ctx), "message.create", target_type="conversation", target_id=thread.id,
                 account_id=ctx.account_id, attachments=files)
    return thread, _email_staff(db, thread, ctx, text)


def reply_as_contact(db: Session, ctx: PortalContext, thread_id: int, body: str) -> list[notify.Delivery]:
    thread = engine.for_contact(db, ctx, thread_id, KIND)
    text = engine.clean_body(body)
    _, files = engine.add_entry(db, thread, Author.contact(ctx), text)
    thread.status, thread.closed_at, thread.closed_by_staff_id = STATUS_OPEN, None, None
    db.add(thread)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "message.reply", target_type="conversation", target_id=thread.id,
                 account_id=ctx.account_id, attachments=files)
    return _email_staff(db, thread, ctx, text)


@lru_cache(maxsize=None)
def _threads_query(whole_account: bool, counting: bool):
    """Built once per shape (the messages page and its badge run them often)."""
    conds = [Conversation.kind == KIND, Conversation.account_id == bindparam("account_id")]
    if not whole_account:
        conds.append(Conversation.contact_id == bindparam("contact_id"))
    if counting:
        return select(func.count()).select_from(Conversation).where(*conds)
    return (select(Conversation.id, Conversation.subject, Conversation.status, Conversation.last_entry_at,
                   and_(Conversation.contact_id == bindparam("contact_id"), engine.UNREAD_BY_CONTACT),
                   Contact.first_name, Contact.last_name, Contact.email)
            .join(Contact, Contact.id == Conversation.contact_id).where(*conds)
            .order_by(Conversation.last_entry_at.desc(), Conversation.id.desc())
            .limit(bindparam("limit")).offset(bindparam("offset")))


_UNREAD_COUNT_QUERY = select(func.count()).select_from(Conversation).where(
    Conversation.kind == KIND, Conversation.contact_id == bindparam("contact_id"), engine.UNREAD_BY_CONTACT)


def list_threads(db: Session, ctx: PortalContext, *, page: int = 1,
                 page_size: int = PAGE_SIZE) -> tuple[list[ThreadItem], int]:
    """Members see their own threads; account admins every thread of their account."""
    engine.visible_to(ctx, KIND)  # the right, checked first
    whole = engine.KINDS[KIND].whole_account(ctx)
    params = {"account_id": ctx.account_id, "contact_id": ctx.contact_id}
    total = db.exec(_threads_query(whole, True), params=params).one()
    rows = db.exec(_threads_query(whole, False),
                   params={**params, "limit": page_size, "offset": (max(page, 1) - 1) * page_size}).all()
    return [ThreadItem(id=tid, subject=subject, status=status, last_message_at=last, unread=bool(unread),
                       contact_name=f"{fn} {ln}".strip() or em)
            for tid, subject, status, last, unread, fn, ln, em in rows], total


def unread_count(db: Session, ctx: PortalContext) -> int:
    """Threads of this contact with a reply they have not read (the navigation badge)."""
    if not ctx.can(MODULE):
        return 0
    return db.exec(_UNREAD_COUNT_QUERY, params={"contact_id": ctx.contact_id}).one()


def read_thread(db: Session, ctx: PortalContext, thread_id: int) -> tuple[Conversation, list[EntryView]]:
    """A thread with its messages; its author reading it clears its unread mark (not staff looking as them)."""
    thread = engine.for_contact(db, ctx, thread_id, KIND)
    engine.mark_read(db, thread, SIDE_CONTACT, ctx)
    return thread, engine.entries(db, thread.id, side=SIDE_CONTACT)


def open_attachment_for_contact(db: Session, ctx: PortalContext, attachment_id: int):
    return attachments.open_for_contact(db, ctx, attachment_id, KIND)


# ---- staff ------------------------------------------------------------------------------------------


def inbox(db: Session, staff: StaffContext, *, status: str = STATUS_OPEN, q: str = "", page: int = 1,
          page_size: int = PAGE_SIZE) -> tuple[list[ThreadItem], int]:
    conds = [Conversation.kind == KIND]
    if status in (STATUS_OPEN, STATUS_HANDLED):
        conds.append(Conversation.status == status)
    if q.strip():
        like = f"%{q.strip().lower()[:100]}%"
        conds.append(or_(func.lower(Conversation.subject).like(like), func.lower(Account.name).like(like),
                         Contact.email.like(like)))
    joined = lambda query: (query.join(Contact, Contact.id == Conversation.contact_id)  # noqa: E731
                            .join(Account, Account.id == Conversation.account_id).where(*conds))
    total = db.exec(joined(select(func.count()).select_from(Conversation))).one()
    rows = db.exec(joined(select(Conversation, Contact.first_name, Contact.last_name, Contact.email, Account.name))
                   .order_by(Conversation.last_entry_at.desc(), Conversation.id.desc())
                   .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return [ThreadItem(id=th.id, subject=th.subject, status=th.status, last_message_at=th.last_entry_at,
                       unread=engine.unread_for_staff(th), contact_name=f"{fn} {ln}".strip() or em, account_name=an,
                       account_id=th.account_id) for th, fn, ln, em, an in rows], total


def staff_unread_count(db: Session) -> int:
    """Open threads with a customer message staff have not read (the console's navigation badge)."""
    return db.exec(select(func.count()).select_from(Conversation).where(
        Conversation.kind == KIND, Conversation.status == STATUS_OPEN, engine.UNREAD_BY_STAFF)).one()


def read_thread_as_staff(db: Session, staff: StaffContext, thread_id: int) -> tuple[Conversation, list[EntryView]]:
    thread = engine.for_staff(db, thread_id, KIND)
    engine.mark_read(db, thread, SIDE_STAFF)
    return thread, engine.entries(db, thread.id, side=SIDE_STAFF)


def reply_as_staff(db: Session, staff: StaffContext, thread_id: int, body: str) -> list[notify.Delivery]:
    """Staff answer: the contact gets an email in their language and a notice on their dashboard."""
    thread = engine.for_staff(db, thread_id, KIND)
    text = engine.clean_body(body)
    _, files = engine.add_entry(db, thread, Author.staff(staff), text)
    audit.record(db, staff.actor, "message.staff_reply", target_type="conversation", target_id=thread.id,
                 account_id=thread.account_id, attachments=files)
    return engine.notify_contact(db, thread, template="message_reply", notice_key="notification.message_reply",
                                 link=f"/messages/thread?id={thread.id}", text=text)


def set_handled(db: Session, staff: StaffContext, thread_id: int, handled: bool) -> Conversation:
    thread = engine.for_staff(db, thread_id, KIND)
    thread.status = STATUS_HANDLED if handled else STATUS_OPEN
    thread.closed_at = clock.now() if handled else None
    thread.closed_by_staff_id = staff.staff_id if handled else None
    db.add(thread)
    db.flush()
    audit.record(db, staff.actor, "message.handled" if handled else "message.reopened",
                 target_type="conversation", target_id=thread.id, account_id=thread.account_id)
    return thread


def open_attachment_for_staff(db: Session, staff: StaffContext, attachment_id: int):
    return attachments.open_for_staff(db, staff, attachment_id, KIND)


def _email_staff(db: Session, thread: Conversation, ctx: PortalContext, text: str) -> list[notify.Delivery]:
    return engine.notify_staff(db, thread, ctx, to=staff_recipient(db), template="message_to_staff",
                               link=f"/admin/inbox?thread={thread.id}", text=text)
