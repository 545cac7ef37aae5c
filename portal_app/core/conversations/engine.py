"""Conversations: opening one, writing entries, reading them with the read markers, who may see what,
and the notices each side gets. Every function takes the session of the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Callable

from sqlalchemy import and_, bindparam, or_
from sqlmodel import Session, select

from portal_app.core import audit, clock, notifications, notify
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.auth.staff import StaffContext
from portal_app.core.business import branding, business_view
from portal_app.core.conversations.models import (
    SIDE_CONTACT, SIDE_STAFF, Conversation, ConversationAttachment, ConversationEntry,
)
from portal_app.core.db import get_or_not_found, read
from portal_app.core.errors import DomainError, Forbidden, NotFound
from portal_app.core.models.accounts import ROLE_ADMIN, Contact

BODY_MAX = 5000
SUBJECT_MAX = 200
EXCERPT_CHARS = 300


@dataclass(frozen=True)
class Kind:
    """One kind of conversation, as its feature registers it."""

    name: str  # "message", "ticket"
    module: str  # the contact right (and module switch) it needs
    area: str  # where its files are kept
    # Who reads every conversation of their account (the others: only the ones they opened).
    whole_account: Callable[[PortalContext], bool] = lambda ctx: ctx.role == ROLE_ADMIN
    # True: a contact needs the `module` right to read or write this kind at all. False: every contact
    # may, on their own conversations, while the business offers the module (the right may then widen
    # what they read, through `whole_account`).
    right_needed: bool = True


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def may_use(ctx: PortalContext, kind: str) -> bool:
    """May this contact read and write conversations of `kind` (their own, at least)?"""
    spec = KINDS[kind]
    return ctx.can(spec.module) if spec.right_needed else spec.module in ctx.offered


def usable_modules(ctx: PortalContext) -> tuple[str, ...]:
    """The contact's rights, and the modules of kinds every contact may use while the business offers them
    (what decides, say, whether a "new ticket" button shows)."""
    extra = {k.module for k in KINDS.values() if not k.right_needed and k.module in ctx.offered}
    return tuple(ctx.rights) + tuple(sorted(extra - set(ctx.rights)))


def require_use(ctx: PortalContext, kind: str) -> None:
    if not may_use(ctx, kind):
        raise Forbidden()


@dataclass(frozen=True)
class Author:
    side: str  # contact | staff
    name: str
    contact_id: int | None = None
    staff_id: int | None = None

    @classmethod
    def contact(cls, ctx: PortalContext) -> Author:
        return cls(SIDE_CONTACT, ctx.contact_name, contact_id=ctx.contact_id)

    @classmethod
    def staff(cls, staff: StaffContext) -> Author:
        # Customers see a staff member's name when there is one, never their email address.
        return cls(SIDE_STAFF, staff.name if staff.name != staff.email else "", staff_id=staff.staff_id)


@dataclass(frozen=True)
class AttachmentView:
    id: int
    title: str
    mime_type: str
    size_bytes: int


@dataclass(frozen=True)
class EntryView:
    id: int
    author_type: str
    author_name: str
    body: str
    created_at: datetime
    internal: bool = False
    attachments: list[AttachmentView] = field(default_factory=list)


# ---- writing ------------------------------------------------------------------------------------


def clean_subject(subject: str, error_key: str) -> str:
    text = " ".join((subject or "").split())
    if not text:
        raise DomainError(error_key)
    return text[:SUBJECT_MAX]


def clean_body(body: str, *, required_key: str = "messages.error.body_required",
               too_long_key: str = "messages.error.body_too_long") -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(required_key)
    if len(text) > BODY_MAX:
        raise DomainError(too_long_key, max=BODY_MAX)
    return text


def open_conversation(db: Session, kind: str, *, account_id: int, contact_id: int, subject: str,
                      status: str) -> Conversation:
    """A new conversation; its first entry is added with `add_entry`."""
    now = clock.now()
    conv = Conversation(kind=kind, account_id=account_id, contact_id=contact_id, subject=subject, status=status,
                        created_at=now, last_entry_at=now)
    db.add(conv)
    db.flush()
    return conv


def add_entry(db: Session, conv: Conversation, author: Author, body: str, *, internal: bool = False,
              draft: bool = False) -> tuple[ConversationEntry, int]:
    """Write an entry; it takes the files its author staged for it (for this conversation, or for a new
    one of its kind when `draft`). Returns the entry and how many files it took."""
    from portal_app.core.conversations import attachments

    now = clock.now()
    entry = ConversationEntry(conversation_id=conv.id, account_id=conv.account_id, author_type=author.side,
                              author_contact_id=author.contact_id, author_staff_id=author.staff_id,
                              author_name=author.name[:200], body=body, internal=internal, created_at=now)
    db.add(entry)
    db.flush()
    files = attachments.claim(db, entry, conv, author, draft=draft)
    if not internal:
        conv.last_entry_at = now
        if author.side == SIDE_CONTACT:
            conv.last_customer_entry_at = now
            if author.contact_id == conv.contact_id:
                conv.contact_read_at = now
        else:
            conv.last_staff_entry_at = conv.staff_read_at = now
    db.add(conv)
    db.flush()
    return entry, files


# ---- who may read what ------------------------------------------------------------------------------


def for_contact(db: Session, ctx: PortalContext, conversation_id: int, kind: str) -> Conversation:
    """A conversation this contact may read: of their account, of a kind they have the right to, and
    theirs unless they read the whole account's. Every refusal is the same "not found", recorded."""
    spec = KINDS[kind]
    conv = get_or_not_found(db, Conversation, conversation_id)
    actor = audit.portal_actor(ctx)
    if conv.kind != kind:
        raise NotFound()
    if conv.account_id != ctx.account_id:
        raise audit.refuse(db, actor, "conversation", conversation_id, "other_account", ctx.account_id)
    if not may_use(ctx, kind):
        raise audit.refuse(db, actor, "conversation", conversation_id, "no_right", ctx.account_id)
    if conv.contact_id != ctx.contact_id and not spec.whole_account(ctx):
        raise audit.refuse(db, actor, "conversation", conversation_id, "other_contact", ctx.account_id)
    return conv


def visible_to(ctx: PortalContext, kind: str) -> list:
    """The conditions of a query of this contact's conversations of `kind` (rights checked first)."""
    spec = KINDS[kind]
    require_use(ctx, kind)
    conds = [Conversation.kind == kind, Conversation.account_id == ctx.account_id]
    if not spec.whole_account(ctx):
        conds.append(Conversation.contact_id == ctx.contact_id)
    return conds


def visibility(ctx: PortalContext, kind: str) -> tuple[bool, dict]:
    """`visible_to` for a statement built once: (whether the contact reads the whole account's, the
    parameters of `visible_conditions`). Rights checked first."""
    spec = KINDS[kind]
    require_use(ctx, kind)
    whole = bool(spec.whole_account(ctx))
    params = {"vis_kind": kind, "vis_account_id": ctx.account_id}
    if not whole:
        params["vis_contact_id"] = ctx.contact_id
    return whole, params


@lru_cache(maxsize=2)
def visible_conditions(whole_account: bool) -> tuple:
    """The conditions of `visible_to` with bound parameters (`visibility` gives their values)."""
    conds = [Conversation.kind == bindparam("vis_kind"), Conversation.account_id == bindparam("vis_account_id")]
    if not whole_account:
        conds.append(Conversation.contact_id == bindparam("vis_contact_id"))
    return tuple(conds)


def for_staff(db: Session, conversation_id: int, kind: str) -> Conversation:
    conv = get_or_not_found(db, Conversation, conversation_id)
    if conv.kind != kind:
        raise NotFound()
    return conv


# ---- reading --------------------------------------------------------------------------------------------

UNREAD_BY_CONTACT = and_(Conversation.last_staff_entry_at.is_not(None),
                         or_(Conversation.contact_read_at.is_(None),
                             Conversation.last_staff_entry_at > Conversation.contact_read_at))
UNREAD_BY_STAFF = and_(Conversation.last_customer_entry_at.is_not(None),
                       or_(Conversation.staff_read_at.is_(None),
                           Conversation.last_customer_entry_at > Conversation.staff_read_at))


def unread_for_contact(conv: Conversation) -> bool:
    return conv.last_staff_entry_at is not None and (conv.contact_read_at is None
                                                     or conv.last_staff_entry_at > conv.contact_read_at)


def unread_for_staff(conv: Conversation) -> bool:
    return conv.last_customer_entry_at is not None and (conv.staff_read_at is None
                                                        or conv.last_customer_entry_at > conv.staff_read_at)


def mark_read(db: Session, conv: Conversation, side: str, ctx: PortalContext | None = None) -> None:
    """The reader has seen the conversation. A contact's marker is the opener's own (not a colleague's,
    not staff looking as them)."""
    if side == SIDE_STAFF:
        if unread_for_staff(conv):
            conv.staff_read_at = clock.now()
            db.add(conv)
            db.flush()
        return
    if ctx is not None and conv.contact_id == ctx.contact_id and not ctx.impersonating and unread_for_contact(conv):
        conv.contact_read_at = clock.now()
        db.add(conv)
        db.flush()


def entries(db: Session, conversation_id: int, *, side: str) -> list[EntryView]:
    """The entries of a conversation, oldest first, with their files; customers never get internal notes."""
    query, files_query = _entry_statements(side == SIDE_CONTACT)
    rows = read(db, query, {"conversation_id": conversation_id}).all()
    ids = [e.id for e in rows]
    files = read(db, files_query, {"ids": ids}).all() if ids else []
    by_entry: dict[int, list[AttachmentView]] = {}
    for a in files:
        by_entry.setdefault(a.entry_id, []).append(attachment_view(a))
    return [EntryView(id=e.id, author_type=e.author_type, author_name=e.author_name, body=e.body,
                      created_at=e.created_at, internal=e.internal, attachments=by_entry.get(e.id, []))
            for e in rows]


# What a conversation page shows of its entries and their files, as columns (a long conversation would
# otherwise build an ORM object per entry on every load).
_ENTRY_COLUMNS = (ConversationEntry.id, ConversationEntry.author_type, ConversationEntry.author_name,
                  ConversationEntry.body, ConversationEntry.created_at, ConversationEntry.internal)
_FILE_COLUMNS = (ConversationAttachment.id, ConversationAttachment.entry_id, ConversationAttachment.title,
                 ConversationAttachment.mime_type, ConversationAttachment.size_bytes)


@lru_cache(maxsize=2)
def _entry_statements(public_only: bool):
    """The entries' and their files' statements, built once per side (building a statement costs about as
    much as running it)."""
    conds = [ConversationEntry.conversation_id == bindparam("conversation_id")]
    if public_only:
        conds.append(ConversationEntry.internal.is_(False))
    query = select(*_ENTRY_COLUMNS).where(*conds).order_by(ConversationEntry.created_at, ConversationEntry.id)
    files = (select(*_FILE_COLUMNS).where(ConversationAttachment.entry_id.in_(bindparam("ids", expanding=True)))
             .order_by(ConversationAttachment.id))
    return query, files


def attachment_view(a) -> AttachmentView:
    """From an attachment, or a row of its columns."""
    return AttachmentView(id=a.id, title=a.title, mime_type=a.mime_type, size_bytes=a.size_bytes)


def header(db: Session, conv: Conversation) -> tuple[str, str, str]:
    """(contact name, contact email, account name) for the console's view of a conversation."""
    from portal_app.core.models.accounts import Account

    contact = db.get(Contact, conv.contact_id)
    account = db.get(Account, conv.account_id)
    return (contact.full_name if contact else "", contact.email if contact else "", account.name if account else "")


# ---- notices ----------------------------------------------------------------------------------------------


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rstrip() + "…"


def notify_contact(db: Session, conv: Conversation, *, template: str, notice_key: str, link: str,
                   text: str, reply_to: str = "") -> list[notify.Delivery]:
    """Staff wrote: a notice on the opener's dashboard, and an email in their language when they can log in."""
    spec = KINDS[conv.kind]
    notifications.post(db, account_id=conv.account_id, contact_id=conv.contact_id, kind=f"{conv.kind}.reply",
                       key=notice_key, params={"subject": conv.subject}, link=link,
                       # The opener may read their own conversation without the right when the kind allows it.
                       module=spec.module if spec.right_needed else None,
                       ref=f"conversation:{conv.id}")
    contact = db.get(Contact, conv.contact_id)
    if contact is None or not contact.active or not contact.portal_access:
        return []
    brand = branding(db)
    mail = notify.render_email(template, contact.language, brand, link=notify.portal_url(link),
                               name=contact.first_name or contact.full_name, subject=conv.subject,
                               excerpt=excerpt(text))
    return [notify.queue_email(db, to=contact.email, template=template, language=contact.language, rendered=mail,
                               sender_name=brand.sender_name, contact_id=contact.id, account_id=conv.account_id,
                               reply_to=reply_to)]


def notify_staff(db: Session, conv: Conversation, ctx: PortalContext, *, to: str | None, template: str, link: str,
                 text: str) -> list[notify.Delivery]:
    """A customer wrote: an email to `to` in the business's default language (staff have no language)."""
    if not to:
        return []
    lang = business_view(db).default_language
    brand = branding(db)
    mail = notify.render_email(template, lang, brand, link=notify.portal_url(link), name=ctx.contact_name,
                               account=ctx.account_name, subject=conv.subject, excerpt=excerpt(text))
    return [notify.queue_email(db, to=to, template=template, language=lang, rendered=mail,
                               sender_name=brand.sender_name, account_id=conv.account_id)]
