"""Contact messages: a contact writes to the business (subject, text, attachments) and reads the
replies; staff read the inbox, reply and mark threads handled. Each side gets an email in its
language. Members see their own threads; account admins see every thread of their account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import and_, bindparam, or_
from sqlmodel import Session, func, select

from portal_app.core.db import get_or_not_found, singleton
from portal_app.core.models.accounts import Account, Contact
from portal_app.messages.models import MessageAttachment, MessageSettings, MessageThread, ThreadMessage
from portal_app.core.models.auth import StaffUser
from portal_app.core.models.accounts import ROLE_ADMIN
from portal_app.messages.models import MODULE, STATUS_HANDLED, STATUS_OPEN
from portal_app.messages import attachments
from portal_app.messages.attachments import AttachmentView  # AREA: where the openers below find files (routes)
from portal_app.core import audit, clock, notifications, notify
from portal_app.core.business import branding, business_view
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.auth.sessions import PortalContext, require_module
from portal_app.core.auth.staff import StaffContext

PAGE_SIZE = 20
SUBJECT_MAX = 200
BODY_MAX = 5000
EXCERPT_CHARS = 300


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


def first_owner_email(db: Session) -> str | None:
    return db.exec(select(StaffUser.email).where(StaffUser.role == "owner", StaffUser.active.is_(True))
                   .order_by(StaffUser.id)).first()


# ---- views ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageView:
    id: int
    author_type: str
    author_name: str
    body: str
    created_at: datetime
    attachments: list[AttachmentView] = field(default_factory=list)


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


def _unread_for_contact(th: MessageThread) -> bool:
    return th.last_staff_message_at is not None and (th.contact_read_at is None
                                                     or th.last_staff_message_at > th.contact_read_at)


def _unread_for_staff(th: MessageThread) -> bool:
    return th.last_customer_message_at is not None and (th.staff_read_at is None
                                                        or th.last_customer_message_at > th.staff_read_at)


# ---- customers --------------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError("messages.error.body_required")
    if len(text) > BODY_MAX:
        raise DomainError("messages.error.body_too_long", max=BODY_MAX)
    return text


def start_thread(db: Session, ctx: PortalContext, *, subject: str, body: str) -> tuple[MessageThread, list[notify.Delivery]]:
    """A new message to the business, with the contact's staged attachments."""
    require_module(ctx, MODULE)
    subject = " ".join((subject or "").split())
    if not subject:
        raise DomainError("messages.error.subject_required")
    subject = subject[:SUBJECT_MAX]
    text = _clean_body(body)
    now = clock.now()
    thread = MessageThread(account_id=ctx.account_id, contact_id=ctx.contact_id, subject=subject, status=STATUS_OPEN,
                           created_at=now, last_message_at=now, last_customer_message_at=now, contact_read_at=now)
    db.add(thread)
    db.flush()
    message = _add_message(db, thread, "contact", ctx.contact_name, text, contact_id=ctx.contact_id)
    files = attachments.claim_staged(db, message, thread, contact_id=ctx.contact_id)
    audit.record(db, audit.portal_actor(ctx), "message.create", target_type="message_thread", target_id=thread.id,
                 account_id=ctx.account_id, attachments=files)
    return thread, _email_staff(db, thread, ctx, text)


def _add_message(db: Session, thread: MessageThread, author_type: str, author_name: str, body: str, *,
                 contact_id: int | None = None, staff_id: int | None = None) -> ThreadMessage:
    message = ThreadMessage(thread_id=thread.id, account_id=thread.account_id, author_type=author_type,
                            author_contact_id=contact_id, author_staff_id=staff_id, author_name=author_name[:200],
                            body=body, created_at=clock.now())
    db.add(message)
    db.flush()
    return message


def _thread_for_contact(db: Session, ctx: PortalContext, thread_id: int) -> MessageThread:
    thread = get_or_not_found(db, MessageThread, thread_id)
    actor = audit.portal_actor(ctx)
    if thread.account_id != ctx.account_id:
        raise audit.refuse(db, actor, "message_thread", thread_id, "other_account", ctx.account_id)
    if not ctx.can(MODULE):
        raise audit.refuse(db, actor, "message_thread", thread_id, "no_right", ctx.account_id)
    if thread.contact_id != ctx.contact_id and ctx.role != ROLE_ADMIN:
        raise audit.refuse(db, actor, "message_thread", thread_id, "other_contact", ctx.account_id)
    return thread


def reply_as_contact(db: Session, ctx: PortalContext, thread_id: int, body: str) -> list[notify.Delivery]:
    thread = _thread_for_contact(db, ctx, thread_id)
    text = _clean_body(body)
    message = _add_message(db, thread, "contact", ctx.contact_name, text, contact_id=ctx.contact_id)
    files = attachments.claim_staged(db, message, thread, contact_id=ctx.contact_id)
    now = clock.now()
    thread.last_message_at = thread.last_customer_message_at = now
    if thread.contact_id == ctx.contact_id:
        thread.contact_read_at = now
    thread.status, thread.handled_at, thread.handled_by_staff_id = STATUS_OPEN, None, None
    db.add(thread)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "message.reply", target_type="message_thread", target_id=thread.id,
                 account_id=ctx.account_id, attachments=files)
    return _email_staff(db, thread, ctx, text)


_UNREAD_BY_CONTACT = and_(MessageThread.last_staff_message_at.is_not(None),
                          or_(MessageThread.contact_read_at.is_(None),
                              MessageThread.last_staff_message_at > MessageThread.contact_read_at))


@lru_cache(maxsize=None)
def _threads_query(whole_account: bool, counting: bool):
    """Built once per shape (the messages page and its badge run them often)."""
    conds = [MessageThread.account_id == bindparam("account_id")]
    if not whole_account:
        conds.append(MessageThread.contact_id == bindparam("contact_id"))
    if counting:
        return select(func.count()).select_from(MessageThread).where(*conds)
    return (select(MessageThread.id, MessageThread.subject, MessageThread.status, MessageThread.last_message_at,
                   and_(MessageThread.contact_id == bindparam("contact_id"), _UNREAD_BY_CONTACT),
                   Contact.first_name, Contact.last_name, Contact.email)
            .join(Contact, Contact.id == MessageThread.contact_id).where(*conds)
            .order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())
            .limit(bindparam("limit")).offset(bindparam("offset")))


_UNREAD_COUNT_QUERY = select(func.count()).select_from(MessageThread).where(
    MessageThread.contact_id == bindparam("contact_id"), _UNREAD_BY_CONTACT)


def list_threads(db: Session, ctx: PortalContext, *, page: int = 1,
                 page_size: int = PAGE_SIZE) -> tuple[list[ThreadItem], int]:
    """Members see their own threads; account admins every thread of their account."""
    require_module(ctx, MODULE)
    whole = ctx.role == ROLE_ADMIN
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


def _messages(db: Session, thread_id: int) -> list[MessageView]:
    msgs = db.exec(select(ThreadMessage).where(ThreadMessage.thread_id == thread_id)
                   .order_by(ThreadMessage.created_at, ThreadMessage.id)).all()
    atts = db.exec(select(MessageAttachment).where(MessageAttachment.thread_id == thread_id)
                   .order_by(MessageAttachment.id)).all()
    by_message: dict[int, list[AttachmentView]] = {}
    for a in atts:
        by_message.setdefault(a.message_id, []).append(attachments.view(a))
    return [MessageView(id=m.id, author_type=m.author_type, author_name=m.author_name, body=m.body,
                        created_at=m.created_at, attachments=by_message.get(m.id, [])) for m in msgs]


def read_thread(db: Session, ctx: PortalContext, thread_id: int) -> tuple[MessageThread, list[MessageView]]:
    """A thread with its messages; its author reading it clears its unread mark (not staff looking as them)."""
    thread = _thread_for_contact(db, ctx, thread_id)
    if thread.contact_id == ctx.contact_id and not ctx.impersonating and _unread_for_contact(thread):
        thread.contact_read_at = clock.now()
        db.add(thread)
        db.flush()
    return thread, _messages(db, thread.id)


def open_attachment_for_contact(db: Session, ctx: PortalContext, attachment_id: int) -> MessageAttachment:
    row = get_or_not_found(db, MessageAttachment, attachment_id)
    if row.message_id is None:  # staged: only its uploader sees it
        if row.contact_id != ctx.contact_id:
            raise audit.refuse(db, audit.portal_actor(ctx), "message_attachment", attachment_id, "other_contact", ctx.account_id)
        return row
    if row.account_id != ctx.account_id:
        raise audit.refuse(db, audit.portal_actor(ctx), "message_attachment", attachment_id, "other_account", ctx.account_id)
    _thread_for_contact(db, ctx, row.thread_id)
    return row


# ---- staff ------------------------------------------------------------------------------------------


def inbox(db: Session, staff: StaffContext, *, status: str = STATUS_OPEN, q: str = "", page: int = 1,
          page_size: int = PAGE_SIZE) -> tuple[list[ThreadItem], int]:
    conds = []
    if status in (STATUS_OPEN, STATUS_HANDLED):
        conds.append(MessageThread.status == status)
    if q.strip():
        like = f"%{q.strip().lower()[:100]}%"
        conds.append(or_(func.lower(MessageThread.subject).like(like), func.lower(Account.name).like(like),
                         Contact.email.like(like)))
    base = (select(MessageThread, Contact.first_name, Contact.last_name, Contact.email, Account.name)
            .join(Contact, Contact.id == MessageThread.contact_id).join(Account, Account.id == MessageThread.account_id))
    total = db.exec(select(func.count()).select_from(MessageThread)
                    .join(Contact, Contact.id == MessageThread.contact_id)
                    .join(Account, Account.id == MessageThread.account_id).where(*conds)).one()
    rows = db.exec(base.where(*conds).order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())
                   .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return [ThreadItem(id=th.id, subject=th.subject, status=th.status, last_message_at=th.last_message_at,
                       unread=_unread_for_staff(th), contact_name=f"{fn} {ln}".strip() or em, account_name=an,
                       account_id=th.account_id) for th, fn, ln, em, an in rows], total


def staff_unread_count(db: Session) -> int:
    """Open threads with a customer message staff have not read (the console's navigation badge)."""
    return db.exec(select(func.count()).select_from(MessageThread).where(
        MessageThread.status == STATUS_OPEN, MessageThread.last_customer_message_at.is_not(None),
        or_(MessageThread.staff_read_at.is_(None),
            MessageThread.last_customer_message_at > MessageThread.staff_read_at))).one()


def _staff_thread(db: Session, thread_id: int) -> MessageThread:
    return get_or_not_found(db, MessageThread, thread_id)


def read_thread_as_staff(db: Session, staff: StaffContext, thread_id: int) -> tuple[MessageThread, list[MessageView]]:
    thread = _staff_thread(db, thread_id)
    if _unread_for_staff(thread):
        thread.staff_read_at = clock.now()
        db.add(thread)
        db.flush()
    return thread, _messages(db, thread.id)


def reply_as_staff(db: Session, staff: StaffContext, thread_id: int, body: str) -> list[notify.Delivery]:
    """Staff answer: the contact gets an email in their language and a notice on their dashboard."""
    thread = _staff_thread(db, thread_id)
    text = _clean_body(body)
    # Customers see a staff member's name when there is one, never their email address.
    shown_name = staff.name if staff.name != staff.email else ""
    message = _add_message(db, thread, "staff", shown_name, text, staff_id=staff.staff_id)
    files = attachments.claim_staged(db, message, thread, staff_id=staff.staff_id)
    now = clock.now()
    thread.last_message_at = thread.last_staff_message_at = thread.staff_read_at = now
    db.add(thread)
    db.flush()
    audit.record(db, staff.actor, "message.staff_reply", target_type="message_thread", target_id=thread.id,
                 account_id=thread.account_id, attachments=files)
    link = f"/messages/thread?id={thread.id}"
    notifications.post(db, account_id=thread.account_id, contact_id=thread.contact_id, kind="message.reply",
                       key="notification.message_reply", params={"subject": thread.subject}, link=link,
                       module=MODULE, ref=f"message_thread:{thread.id}")
    contact = db.get(Contact, thread.contact_id)
    if contact is None or not contact.active or not contact.portal_access:
        return []
    brand = branding(db)
    mail = notify.render_email("message_reply", contact.language, brand, link=notify.portal_url(link),
                               name=contact.first_name or contact.full_name, subject=thread.subject,
                               excerpt=_excerpt(text))
    return [notify.queue_email(db, to=contact.email, template="message_reply", language=contact.language,
                               rendered=mail, sender_name=brand.sender_name, contact_id=contact.id,
                               account_id=thread.account_id)]


def set_handled(db: Session, staff: StaffContext, thread_id: int, handled: bool) -> MessageThread:
    thread = _staff_thread(db, thread_id)
    thread.status = STATUS_HANDLED if handled else STATUS_OPEN
    thread.handled_at = clock.now() if handled else None
    thread.handled_by_staff_id = staff.staff_id if handled else None
    db.add(thread)
    db.flush()
    audit.record(db, staff.actor, "message.handled" if handled else "message.reopened",
                 target_type="message_thread", target_id=thread.id, account_id=thread.account_id)
    return thread


def open_attachment_for_staff(db: Session, staff: StaffContext, attachment_id: int) -> MessageAttachment:
    row = get_or_not_found(db, MessageAttachment, attachment_id)
    if row.message_id is None and row.staff_id != staff.staff_id:
        raise NotFound()
    return row


def thread_header(db: Session, thread: MessageThread) -> tuple[str, str, str]:
    """(contact name, contact email, account name) for the console's thread view."""
    contact = db.get(Contact, thread.contact_id)
    account = db.get(Account, thread.account_id)
    return (contact.full_name if contact else "", contact.email if contact else "", account.name if account else "")


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rstrip() + "…"


def _email_staff(db: Session, thread: MessageThread, ctx: PortalContext, text: str) -> list[notify.Delivery]:
    """Staff read the business's default language (staff users have no language of their own)."""
    to = staff_recipient(db)
    if not to:
        return []
    lang = business_view(db).default_language
    brand = branding(db)
    mail = notify.render_email("message_to_staff", lang, brand,
                               link=notify.portal_url(f"/admin/inbox?thread={thread.id}"),
                               name=ctx.contact_name, account=ctx.account_name, subject=thread.subject,
                               excerpt=_excerpt(text))
    return [notify.queue_email(db, to=to, template="message_to_staff", language=lang, rendered=mail,
                               sender_name=brand.sender_name, account_id=thread.account_id)]
