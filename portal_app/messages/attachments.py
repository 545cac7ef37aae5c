"""Message attachments: files uploaded for the message being written (staged), kept until it is sent
or for STAGED_TTL, then claimed by that message. A staged file is its uploader's only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, func, select

from portal_app.core import clock, files as file_intake
from portal_app.core.auth.sessions import PortalContext, require_module
from portal_app.core.auth.staff import StaffContext
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.db import get_or_not_found
from portal_app.core.files import StoredFile
from portal_app.messages.models import MODULE, MessageAttachment, MessageThread, ThreadMessage

AREA = "messages"
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_PER_MESSAGE = 5
# Files uploaded for a message that was never sent are removed after this long.
STAGED_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class AttachmentView:
    id: int
    title: str
    mime_type: str
    size_bytes: int


def check_can_write(ctx: PortalContext) -> int:
    """Before any byte is stored: may this contact write? Returns the attachment size limit."""
    require_module(ctx, MODULE)
    return ATTACHMENT_MAX_BYTES


def _purge_staged(db: Session) -> list[str]:
    old = db.exec(select(MessageAttachment).where(MessageAttachment.message_id.is_(None),
                                                  MessageAttachment.created_at < clock.now() - STAGED_TTL)
                  .limit(100)).all()
    names = [a.stored_name for a in old]
    for a in old:
        db.delete(a)
    db.flush()
    return names


def stage_for_contact(db: Session, ctx: PortalContext, stored: StoredFile) -> tuple[MessageAttachment, list[str]]:
    """Keep an uploaded file until the message it belongs to is sent. Returns it and stale files to remove."""
    require_module(ctx, MODULE)
    staged = db.exec(select(func.count()).select_from(MessageAttachment)
                     .where(MessageAttachment.contact_id == ctx.contact_id, MessageAttachment.message_id.is_(None))).one()
    if staged >= ATTACHMENTS_PER_MESSAGE:
        raise DomainError("messages.error.too_many_files", max=ATTACHMENTS_PER_MESSAGE)
    row = MessageAttachment(contact_id=ctx.contact_id, account_id=ctx.account_id, title=stored.title,
                            stored_name=stored.stored_name, mime_type=stored.mime_type, size_bytes=stored.size_bytes,
                            created_at=clock.now())
    db.add(row)
    db.flush()
    return row, _purge_staged(db)


def stage_for_staff(db: Session, staff: StaffContext, stored: StoredFile) -> tuple[MessageAttachment, list[str]]:
    staged = db.exec(select(func.count()).select_from(MessageAttachment)
                     .where(MessageAttachment.staff_id == staff.staff_id, MessageAttachment.message_id.is_(None))).one()
    if staged >= ATTACHMENTS_PER_MESSAGE:
        raise DomainError("messages.error.too_many_files", max=ATTACHMENTS_PER_MESSAGE)
    row = MessageAttachment(staff_id=staff.staff_id, title=stored.title, stored_name=stored.stored_name,
                            mime_type=stored.mime_type, size_bytes=stored.size_bytes, created_at=clock.now())
    db.add(row)
    db.flush()
    return row, _purge_staged(db)


def staged_for_contact(db: Session, ctx: PortalContext) -> list[AttachmentView]:
    rows = db.exec(select(MessageAttachment).where(MessageAttachment.contact_id == ctx.contact_id,
                                                   MessageAttachment.message_id.is_(None))
                   .order_by(MessageAttachment.id)).all()
    return [view(a) for a in rows]


def staged_for_staff(db: Session, staff: StaffContext) -> list[AttachmentView]:
    rows = db.exec(select(MessageAttachment).where(MessageAttachment.staff_id == staff.staff_id,
                                                   MessageAttachment.message_id.is_(None))
                   .order_by(MessageAttachment.id)).all()
    return [view(a) for a in rows]


def discard_staged(db: Session, *, attachment_id: int, contact_id: int | None = None,
                   staff_id: int | None = None) -> str | None:
    """Remove a staged file of this contact (or staff member); returns its stored name to delete."""
    row = get_or_not_found(db, MessageAttachment, attachment_id)
    if row.message_id is not None or (contact_id is None and staff_id is None) \
            or (contact_id is not None and row.contact_id != contact_id) \
            or (staff_id is not None and row.staff_id != staff_id):
        raise NotFound()
    name = row.stored_name
    db.delete(row)
    db.flush()
    return name


def view(a: MessageAttachment) -> AttachmentView:
    return AttachmentView(id=a.id, title=a.title, mime_type=a.mime_type, size_bytes=a.size_bytes)


def claim_staged(db: Session, message: ThreadMessage, thread: MessageThread, *, contact_id: int | None = None,
                 staff_id: int | None = None) -> int:
    """The message being sent takes its author's staged files (at most ATTACHMENTS_PER_MESSAGE)."""
    if contact_id is not None:
        cond = MessageAttachment.contact_id == contact_id
    else:
        cond = MessageAttachment.staff_id == staff_id
    rows = db.exec(select(MessageAttachment).where(cond, MessageAttachment.message_id.is_(None))
                   .order_by(MessageAttachment.id).limit(ATTACHMENTS_PER_MESSAGE)).all()
    for a in rows:
        a.message_id, a.thread_id, a.account_id = message.id, thread.id, thread.account_id
        db.add(a)
    db.flush()
    return len(rows)


def remove_files(names: list[str | None]) -> None:
    """Delete stored attachment files (after the transaction that dropped their rows committed)."""
    for name in names:
        file_intake.remove(AREA, name)
