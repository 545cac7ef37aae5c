"""Every email and SMS the portal sends, written before it is sent."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.models.base import utc_field


class OutboundMessage(SQLModel, table=True):
    __tablename__ = "outbound_message"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = utc_field(default_now=True, index=True)
    channel: str = Field(max_length=8)  # email | sms
    recipient: str = Field(max_length=254, index=True)
    template: str = Field(max_length=40)
    language: str = Field(default="en", max_length=8)
    subject: str = Field(default="", max_length=300)
    body_text: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    body_html: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    # Auth messages carry a code: real providers keep only a redacted body here.
    sensitive: bool = False
    status: str = Field(default="queued", max_length=12)  # queued | sent | failed | fallback
    provider: str = Field(default="", max_length=20)
    provider_id: str = Field(default="", max_length=100)
    error: str = Field(default="", max_length=500)
    attempts: int = 0
    sent_at: datetime | None = utc_field(nullable=True)
    contact_id: int | None = Field(default=None, index=True)
    account_id: int | None = Field(default=None, index=True)
    fallback_of_id: int | None = Field(default=None)
    track_clicks: bool = False
