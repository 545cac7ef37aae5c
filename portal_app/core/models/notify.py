"""Every email and SMS the portal sends, written before it is sent: the outbox the dispatcher sends from."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.models.base import utc_field


class OutboundMessage(SQLModel, table=True):
    __tablename__ = "outbound_message"
    # The dispatcher's question, asked every few seconds: which queued rows are due?
    __table_args__ = (sa.Index("ix_outbound_message_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = utc_field(default_now=True, index=True)
    channel: str = Field(max_length=8)  # email | sms
    recipient: str = Field(max_length=254, index=True)
    template: str = Field(max_length=40)
    language: str = Field(default="en", max_length=8)
    sender_name: str = Field(default="", max_length=100)
    # Where a reply goes, when not to the sender (a ticket's signed address); email only.
    reply_to: str = Field(default="", max_length=254)
    subject: str = Field(default="", max_length=300)
    body_text: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    body_html: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    # Auth messages carry a code: with a real provider the columns above hold a redacted copy
    # (`redacted`), and the real one waits encrypted in `sealed` until the row is sent or given up.
    sensitive: bool = False
    redacted: bool = False
    # Fernet token (key derived from the server secret) of what the plain columns do not hold: the
    # real subject and bodies of a redacted row, and an SMS's fallback email. Wiped at the end.
    sealed: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    # queued (due at next_attempt_at) | sending (claimed until claimed_until) | sent | failed (given up)
    # | fallback (an SMS that failed and went by email instead); then, from the provider's reports
    # (core/notify/receipts.py): delivered | deferred | bounced | dropped | blocked | spam_report | undelivered
    status: str = Field(default="queued", max_length=12)
    provider: str = Field(default="", max_length=20)
    provider_id: str = Field(default="", max_length=100, index=True)
    error: str = Field(default="", max_length=500)  # the last attempt's error
    # The provider's last report on the message: its words and code, and when it happened.
    provider_reason: str = Field(default="", max_length=500)
    provider_code: str = Field(default="", max_length=40)
    provider_event_at: datetime | None = utc_field(nullable=True)
    attempts: int = 0
    next_attempt_at: datetime | None = utc_field(nullable=True)
    # A claim: the dispatcher that took the row writes its token and a lease; a dispatcher that dies
    # mid-send leaves a lease that runs out, and the row is taken again.
    claimed_by: str = Field(default="", max_length=32)
    claimed_until: datetime | None = utc_field(nullable=True)
    sent_at: datetime | None = utc_field(nullable=True)
    contact_id: int | None = Field(default=None, index=True)
    account_id: int | None = Field(default=None, index=True)
    fallback_of_id: int | None = Field(default=None)
    track_clicks: bool = False


class EmailTemplate(SQLModel, table=True):
    """A customer email as staff rewrote it, for one language; without a row the catalogue's text is used."""

    __tablename__ = "email_template"
    __table_args__ = (sa.UniqueConstraint("template", "language", name="uq_email_template_template_language"),)

    id: int | None = Field(default=None, primary_key=True)
    template: str = Field(max_length=40)
    language: str = Field(max_length=8)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    updated_at: datetime = utc_field(default_now=True)
