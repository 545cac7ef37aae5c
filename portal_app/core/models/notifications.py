"""What is new for a contact: notifications posted by the modules, and how far each contact has read."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.models.base import json_dict_field, utc_field


class Notification(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_notification_account_id", "account_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    # None: for every contact of the account who may use `module`.
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    kind: str = Field(max_length=40)  # document.new, message.reply, invoice.new, ...
    module: str | None = Field(default=None, max_length=20)  # hidden from contacts without this right
    key: str = Field(max_length=100)  # catalogue key of the text
    params: dict = json_dict_field()
    link: str = Field(default="", max_length=300)  # a portal path
    ref: str = Field(default="", max_length=60, index=True)  # e.g. "document:12", to withdraw it
    created_at: datetime = utc_field(default_now=True)


class NotificationSeen(SQLModel, table=True):
    """One row per contact: every notification up to `last_seen_id` has been seen by them.

    A watermark instead of a row per (notification, contact): an account-wide notice read by Alice
    stays new for Bruno, and the unread count is one index range."""

    __tablename__ = "notification_seen"

    contact_id: int = Field(foreign_key="contact.id", primary_key=True)
    last_seen_id: int = 0
    seen_at: datetime | None = utc_field(nullable=True)
