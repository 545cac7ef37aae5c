"""Contact messages: threads between a contact and the business, their messages and attachments."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.models.base import utc_field

MODULE = "messages"  # the right a contact needs, and the business's module switch
STATUS_OPEN = "open"
STATUS_HANDLED = "handled"


class MessageThread(SQLModel, table=True):
    __tablename__ = "message_thread"
    __table_args__ = (
        sa.Index("ix_message_thread_account_last", "account_id", "last_message_at"),
        sa.Index("ix_message_thread_contact_last", "contact_id", "last_message_at"),
        sa.Index("ix_message_thread_status_last", "status", "last_message_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    contact_id: int = Field(foreign_key="contact.id")  # who wrote first
    subject: str = Field(max_length=200)
    status: str = Field(default=STATUS_OPEN, max_length=10)
    created_at: datetime = utc_field(default_now=True)
    last_message_at: datetime = utc_field(default_now=True)
    # Unread markers, one per side: a side has unread messages when the other side wrote after it read.
    last_customer_message_at: datetime | None = utc_field(nullable=True)
    last_staff_message_at: datetime | None = utc_field(nullable=True)
    contact_read_at: datetime | None = utc_field(nullable=True)
    staff_read_at: datetime | None = utc_field(nullable=True)
    handled_at: datetime | None = utc_field(nullable=True)
    handled_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")


class ThreadMessage(SQLModel, table=True):
    __tablename__ = "thread_message"

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="message_thread.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    author_type: str = Field(max_length=10)  # contact | staff
    author_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    author_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    author_name: str = Field(default="", max_length=200)
    body: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = utc_field(default_now=True)


class MessageAttachment(SQLModel, table=True):
    """A file on a message. Staged (message_id empty) between its upload and the message's sending."""

    __tablename__ = "message_attachment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int | None = Field(default=None, foreign_key="thread_message.id", index=True)
    thread_id: int | None = Field(default=None, foreign_key="message_thread.id", index=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    # Who staged it: exactly one of the two.
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    title: str = Field(max_length=200)
    stored_name: str = Field(max_length=64, unique=True)
    mime_type: str = Field(max_length=100)
    size_bytes: int = 0
    created_at: datetime = utc_field(default_now=True)


class MessageSettings(SQLModel, table=True):
    """One row: where staff notifications of new customer messages go."""

    __tablename__ = "message_settings"

    id: int | None = Field(default=None, primary_key=True)
    # Empty: the first active owner among the staff users.
    staff_notify_email: str = Field(default="", max_length=254)
    updated_at: datetime | None = utc_field(nullable=True)
