"""Contact messages: conversations of kind "message" (core/conversations) and where staff hear of them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal_app.core.models.base import utc_field

MODULE = "messages"  # the right a contact needs, and the business's module switch
KIND = "message"  # the conversation kind
STATUS_OPEN = "open"
STATUS_HANDLED = "handled"


class MessageSettings(SQLModel, table=True):
    """One row: where staff notifications of new customer messages go."""

    __tablename__ = "message_settings"

    id: int | None = Field(default=None, primary_key=True)
    # Empty: the first active owner among the staff users.
    staff_notify_email: str = Field(default="", max_length=254)
    updated_at: datetime | None = utc_field(nullable=True)
