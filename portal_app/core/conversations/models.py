"""Conversation tables: a conversation between one account (the contact who opened it) and the
business, its entries (messages, replies, staff internal notes) and the files attached to entries."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.models.base import utc_field

SIDE_CONTACT = "contact"
SIDE_STAFF = "staff"


class Conversation(SQLModel, table=True):
    """What every conversation has, whatever its kind ("message", "ticket"): who it is with, its subject,
    its status (the kind's vocabulary), and one read marker per side."""

    __tablename__ = "conversation"
    __table_args__ = (
        sa.Index("ix_conversation_account_last", "kind", "account_id", "last_entry_at"),
        sa.Index("ix_conversation_contact_last", "kind", "contact_id", "last_entry_at"),
        sa.Index("ix_conversation_status_last", "kind", "status", "last_entry_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="message", max_length=20)
    account_id: int = Field(foreign_key="account.id")
    contact_id: int = Field(foreign_key="contact.id")  # who opened it
    subject: str = Field(max_length=200)
    status: str = Field(default="open", max_length=10)  # a code of the kind's workflow
    created_at: datetime = utc_field(default_now=True)
    last_entry_at: datetime = utc_field(default_now=True)
    # Unread markers, one per side: a side has unread entries when the other side wrote after it read.
    # Staff internal notes move neither.
    last_customer_entry_at: datetime | None = utc_field(nullable=True)
    last_staff_entry_at: datetime | None = utc_field(nullable=True)
    contact_read_at: datetime | None = utc_field(nullable=True)
    staff_read_at: datetime | None = utc_field(nullable=True)
    # When and by whom it was last closed (a message "handled", a ticket resolved or closed).
    closed_at: datetime | None = utc_field(nullable=True)
    closed_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")


class ConversationEntry(SQLModel, table=True):
    __tablename__ = "conversation_entry"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    author_type: str = Field(max_length=10)  # contact | staff
    author_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    author_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    author_name: str = Field(default="", max_length=200)
    body: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    # A staff note customers never see (nor its files).
    internal: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false()))
    created_at: datetime = utc_field(default_now=True)


class ConversationAttachment(SQLModel, table=True):
    """A file on an entry. Staged (entry empty) between its upload and the entry's sending, and bound from
    its upload to what is being written: a reply to one conversation (`conversation_id`), or a new
    conversation of one kind (`draft_kind`, no conversation yet)."""

    __tablename__ = "conversation_attachment"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int | None = Field(default=None, foreign_key="conversation_entry.id", index=True)
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id", index=True)
    draft_kind: str = Field(default="", max_length=20)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    # Who staged it: exactly one of the two.
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    title: str = Field(max_length=200)
    stored_name: str = Field(max_length=64, unique=True)
    mime_type: str = Field(max_length=100)
    size_bytes: int = 0
    created_at: datetime = utc_field(default_now=True)
