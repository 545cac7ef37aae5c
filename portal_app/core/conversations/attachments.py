"""Files on conversation entries. A file is uploaded while its entry is being written (staged), bound
from that moment to what is being written: a reply to one conversation, or a new conversation of one
kind. The entry takes the files bound to it when it is sent; a staged file is its uploader's only, and
one never sent is removed after STAGED_TTL."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from sqlalchemy import ColumnElement, bindparam
from sqlmodel import Session, func, select

from portal_app.core import audit, clock, files as file_intake
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.auth.staff import StaffContext
from portal_app.core.conversations.engine import (
    AttachmentView, Author, attachment_view, for_contact, for_staff, require_use,
)
from portal_app.core.conversations.models import (
    SIDE_CONTACT, Conversation, ConversationAttachment, ConversationEntry,
)
from portal_app.core.db import get_or_not_found
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.files import StoredFile

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_PER_ENTRY = 5
STAGED_TTL = timedelta(hours=24)


def _uploader(who: Author) -> ColumnElement:
    if who.side == SIDE_CONTACT:
        return ConversationAttachment.contact_id == who.contact_id
    return ConversationAttachment.staff_id == who.staff_id


def _bound(conversation_id: int | None, kind: str) -> list:
    """Files bound to a reply to `conversation_id`, or (None) to a new conversation of `kind`."""
    if conversation_id:
        return [ConversationAttachment.conversation_id == conversation_id]
    return [ConversationAttachment.conversation_id.is_(None), ConversationAttachment.draft_kind == kind]


def check_can_write(ctx: PortalContext, kind: str) -> int:
    """Before any byte is stored: may this contact write? Returns the attachment size limit."""
    require_use(ctx, kind)
    return ATTACHMENT_MAX_BYTES


def _purge_staged(db: Session) -> list[str]:
    old = db.exec(select(ConversationAttachment).where(ConversationAttachment.entry_id.is_(None),
                                                       ConversationAttachment.created_at < clock.now() - STAGED_TTL)
                  .limit(100)).all()
    names = [a.stored_name for a in old]
    for a in old:
        db.delete(a)
    db.flush()
    return names


def _stage(db: Session, who: Author, stored: StoredFile, *, kind: str, conversation_id: int | None,
           account_id: int | None) -> tuple[ConversationAttachment, list[str]]:
    staged = db.exec(select(func.count()).select_from(ConversationAttachment).where(
        _uploader(who), ConversationAttachment.entry_id.is_(None), *_bound(conversation_id, kind))).one()
    if staged >= ATTACHMENTS_PER_ENTRY:
        raise DomainError("messages.error.too_many_files", max=ATTACHMENTS_PER_ENTRY)
    row = ConversationAttachment(contact_id=who.contact_id, staff_id=who.staff_id, account_id=account_id,
                                 conversation_id=conversation_id or None, draft_kind="" if conversation_id else kind,
                                 title=stored.title, stored_name=stored.stored_name, mime_type=stored.mime_type,
                                 size_bytes=stored.size_bytes, created_at=clock.now())
    db.add(row)
    db.flush()
    return row, _purge_staged(db)


def stage_for_contact(db: Session, ctx: PortalContext, stored: StoredFile, *, kind: str,
                      conversation_id: int | None = None) -> tuple[ConversationAttachment, list[str]]:
    """Keep a contact's uploaded file for the reply to `conversation_id` (one they may read), or for
    their new conversation of `kind`. Returns it and stale files to remove."""
    check_can_write(ctx, kind)
    if conversation_id:
        for_contact(db, ctx, conversation_id, kind)
    return _stage(db, Author.contact(ctx), stored, kind=kind, conversation_id=conversation_id,
                  account_id=ctx.account_id)


def stage_for_staff(db: Session, staff: StaffContext, stored: StoredFile, *, kind: str,
                    conversation_id: int) -> tuple[ConversationAttachment, list[str]]:
    """Staff only reply: their files are bound to the conversation being answered."""
    conv = for_staff(db, conversation_id, kind)
    return _stage(db, Author.staff(staff), stored, kind=kind, conversation_id=conv.id, account_id=conv.account_id)


def staged(db: Session, who: Author, *, kind: str, conversation_id: int | None = None) -> list[AttachmentView]:
    """`who`'s files not sent yet, for a reply to `conversation_id` or (None) a new conversation of `kind`."""
    params = {"uploader": who.contact_id if who.side == SIDE_CONTACT else who.staff_id}
    params.update({"conversation_id": conversation_id} if conversation_id else {"kind": kind})
    rows = db.exec(_staged_statement(who.side == SIDE_CONTACT, bool(conversation_id)), params=params).all()
    return [attachment_view(a) for a in rows]


@lru_cache(maxsize=4)
def _staged_statement(contact: bool, bound: bool):
    """`staged`'s statement (the conditions of `_uploader` and `_bound`), built once per shape; columns, no
    ORM object: every conversation page load runs it."""
    uploader = ConversationAttachment.contact_id if contact else ConversationAttachment.staff_id
    where = ([ConversationAttachment.conversation_id == bindparam("conversation_id")] if bound else
             [ConversationAttachment.conversation_id.is_(None), ConversationAttachment.draft_kind == bindparam("kind")])
    return (select(ConversationAttachment.id, ConversationAttachment.title, ConversationAttachment.mime_type,
                   ConversationAttachment.size_bytes)
            .where(uploader == bindparam("uploader"), ConversationAttachment.entry_id.is_(None), *where)
            .order_by(ConversationAttachment.id))


def discard_staged(db: Session, who: Author, attachment_id: int) -> str:
    """Remove one of `who`'s staged files; returns its stored name to delete after commit."""
    row = get_or_not_found(db, ConversationAttachment, attachment_id)
    mine = row.contact_id == who.contact_id if who.side == SIDE_CONTACT else row.staff_id == who.staff_id
    if row.entry_id is not None or not mine or (who.contact_id is None and who.staff_id is None):
        raise NotFound()
    name = row.stored_name
    db.delete(row)
    db.flush()
    return name


def claim(db: Session, entry: ConversationEntry, conv: Conversation, who: Author, *, draft: bool) -> int:
    """The entry being sent takes the files its author bound to it (at most ATTACHMENTS_PER_ENTRY)."""
    rows = db.exec(select(ConversationAttachment).where(
        _uploader(who), ConversationAttachment.entry_id.is_(None),
        *_bound(None if draft else conv.id, conv.kind)).order_by(ConversationAttachment.id)
        .limit(ATTACHMENTS_PER_ENTRY)).all()
    for a in rows:
        a.entry_id, a.conversation_id, a.account_id, a.draft_kind = entry.id, conv.id, conv.account_id, ""
        db.add(a)
    db.flush()
    return len(rows)


def open_for_contact(db: Session, ctx: PortalContext, attachment_id: int, kind: str) -> ConversationAttachment:
    """A file a contact may download: their own staged file, or one of an entry they may read (never
    of a staff internal note)."""
    row = get_or_not_found(db, ConversationAttachment, attachment_id)
    actor = audit.portal_actor(ctx)
    if row.entry_id is None:
        if row.contact_id != ctx.contact_id:
            raise audit.refuse(db, actor, "conversation_attachment", attachment_id, "other_contact", ctx.account_id)
        return row
    if row.account_id != ctx.account_id:
        raise audit.refuse(db, actor, "conversation_attachment", attachment_id, "other_account", ctx.account_id)
    for_contact(db, ctx, row.conversation_id, kind)
    entry = db.get(ConversationEntry, row.entry_id)
    if entry is None or entry.internal:
        raise audit.refuse(db, actor, "conversation_attachment", attachment_id, "internal", ctx.account_id)
    return row


def open_for_staff(db: Session, staff: StaffContext, attachment_id: int, kind: str) -> ConversationAttachment:
    row = get_or_not_found(db, ConversationAttachment, attachment_id)
    if row.entry_id is None and row.staff_id != staff.staff_id:
        raise NotFound()
    if row.conversation_id is not None and db.get(Conversation, row.conversation_id).kind != kind:
        raise NotFound()
    if row.conversation_id is None and row.draft_kind != kind:
        raise NotFound()
    return row


def remove_files(area: str, names: list[str | None]) -> None:
    """Delete stored attachment files (after the transaction that dropped their rows committed)."""
    for name in names:
        file_intake.remove(area, name)
