"""Support tickets: conversations of kind "ticket" (core/conversations) with their workflow (number, type,
priority, assignee, billed flag), and the business's ticket settings."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.conversations import models as _conversation_tables  # noqa: F401  (the FK's table)
from portal_app.core.models.base import json_list_field, utc_field

MODULE = "tickets"  # the business's module switch, and the right that shows the whole account's tickets
KIND = "ticket"  # the conversation kind
AREA = "tickets"  # where ticket files are kept


class Ticket(SQLModel, table=True):
    """The workflow of one ticket. Its title, status, author, account, entries and files are its
    conversation's."""

    __tablename__ = "ticket"
    __table_args__ = (sa.Index("ix_ticket_assignee", "assignee_staff_id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", unique=True)
    number: int = Field(unique=True)  # what people quote: "#1042"
    type: str = Field(default="", max_length=40)
    priority: str = Field(default="", max_length=40)
    assignee_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    # Billed: the work was invoiced, the ticket is read-only for the customer.
    billed: bool = Field(default=False, sa_column=sa.Column(sa.Boolean, nullable=False, server_default=sa.false()))
    resolved_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)


class TicketSettings(SQLModel, table=True):
    """One row: the business's ticket types, priorities and statuses, and whether customers may reopen.

    Each list holds dicts `{"code": ..., "label": ...}` (an empty label: the catalogue's words for a
    built-in code); a status also has `"shown_as"`: empty when customers see it, else the code of the
    visible status they see in its place."""

    __tablename__ = "ticket_settings"

    id: int | None = Field(default=None, primary_key=True)
    types: list[dict] = json_list_field()
    priorities: list[dict] = json_list_field()
    statuses: list[dict] = json_list_field()
    reopen_allowed: bool = True
    # Where new tickets and customer replies are announced; empty: the first active owner.
    staff_notify_email: str = Field(default="", max_length=254)
    updated_at: datetime | None = utc_field(nullable=True)


INBOUND_PENDING = "pending"
INBOUND_DONE = "done"
INBOUND_DISCARDED = "discarded"


class InboundMail(SQLModel, table=True):
    """An email to the support address that found no thread and no account: it waits for staff."""

    __tablename__ = "inbound_mail"
    __table_args__ = (sa.Index("ix_inbound_mail_status", "status", "received_at"),)

    id: int | None = Field(default=None, primary_key=True)
    sender: str = Field(max_length=254)
    sender_name: str = Field(default="", max_length=200)
    subject: str = Field(default="", max_length=200)
    body: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    reason: str = Field(default="", max_length=40)  # unknown_domain | bad_reference | not_a_reader
    status: str = Field(default=INBOUND_PENDING, max_length=20)
    received_at: datetime = utc_field(default_now=True)
    handled_at: datetime | None = utc_field(nullable=True)
    handled_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id")
