"""Privacy tables: the business's GDPR texts, consent purposes and every consent change, data requests
(export, erasure) and pending email or mobile changes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.models.base import json_dict_field, utc_field

KIND_EXPORT = "export"
KIND_ERASURE = "erasure"
KINDS = (KIND_EXPORT, KIND_ERASURE)
# Export: preparing -> building (claimed by one builder) -> ready -> downloaded | expired.
# Erasure: received -> done | refused.
STATUSES = ("received", "preparing", "building", "ready", "downloaded", "expired", "done", "refused", "failed")
OPEN_STATUSES = ("received", "preparing", "building")


class PrivacySettings(SQLModel, table=True):
    """One row: the GDPR space's texts (intro per language code) and the data protection officer's email."""

    __tablename__ = "privacy_settings"

    id: int | None = Field(default=None, primary_key=True)
    intro: dict = json_dict_field()
    dpo_email: str = Field(default="", max_length=254)
    # Self-service sign-up from the login page (a business option, off by default).
    signup_enabled: bool = False
    updated_at: datetime | None = utc_field(nullable=True)


class ConsentPurpose(SQLModel, table=True):
    """Something the business asks consent for (newsletter, surveys...): its name and text per language."""

    __tablename__ = "consent_purpose"

    id: int | None = Field(default=None, primary_key=True)
    names: dict = json_dict_field()
    descriptions: dict = json_dict_field()
    active: bool = True
    order: int = 0
    created_at: datetime = utc_field(default_now=True)


class ConsentEvent(SQLModel, table=True):
    """One grant or withdrawal, never changed afterwards: the latest row per purpose is the contact's
    current answer, and the rows together are its history."""

    __tablename__ = "consent_event"
    __table_args__ = (sa.Index("ix_consent_event_contact_purpose", "contact_id", "purpose_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    contact_id: int = Field(foreign_key="contact.id")
    purpose_id: int = Field(foreign_key="consent_purpose.id")
    granted: bool
    created_at: datetime = utc_field(default_now=True)
    by_label: str = Field(default="", max_length=254)


class PrivacyRequest(SQLModel, table=True):
    """A data request of a contact: the export of what is held, or its erasure. Due a month after receipt."""

    __tablename__ = "privacy_request"
    __table_args__ = (sa.Index("ix_privacy_request_status_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    kind: str = Field(max_length=10)
    status: str = Field(default="received", max_length=12)
    received_at: datetime = utc_field(default_now=True)
    due_at: datetime = utc_field()
    progress: int = 0  # percent, while an export is prepared
    # When a builder claimed it ("building"), and how many builders have: a build left behind by a
    # stopped process goes back to the queue after a while, and fails visibly after a few tries.
    claimed_at: datetime | None = utc_field(nullable=True)
    build_attempts: int = 0
    stored_name: str | None = Field(default=None, max_length=64)
    size_bytes: int = 0
    ready_at: datetime | None = utc_field(nullable=True)
    expires_at: datetime | None = utc_field(nullable=True)
    downloaded_at: datetime | None = utc_field(nullable=True)
    handled_at: datetime | None = utc_field(nullable=True)
    handled_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    note: str = Field(default="", max_length=1000)
    # An export a staff member prepared (not the contact's own request): built the same way, downloaded
    # once by that staff member from the console, never shown to the contact nor in the legal queue.
    requested_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")


class ContactChange(SQLModel, table=True):
    """A change of email or mobile waiting for the code sent to the new address or number."""

    __tablename__ = "contact_change"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    what: str = Field(max_length=10)  # email | mobile
    new_value: str = Field(max_length=254)
    code_hash: str = Field(max_length=64)
    attempts: int = 0
    created_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)


class TeamDelegation(SQLModel, table=True):
    """Staff turned off (or back on) an account's administrators managing their colleagues. No row: on."""

    __tablename__ = "team_delegation"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    enabled: bool = True
    updated_at: datetime | None = utc_field(nullable=True)


class SignupChallenge(SQLModel, table=True):
    """A self-service sign-up in progress: the code sent to the email, then the name. Written for every
    address asked, known or not, so the answers look the same; `contact_id` once the contact exists."""

    __tablename__ = "signup_challenge"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    code_hash: str = Field(default="", max_length=64)
    attempts: int = 0
    client_ip: str = Field(default="", max_length=64, index=True)
    created_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    verified_at: datetime | None = utc_field(nullable=True)
    used_at: datetime | None = utc_field(nullable=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    # Signed up with no account whose email domains match: a waiting contact staff attach to an account.
    waiting: bool = False
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    # The language the person signed up in (their contact's, once staff attach them).
    language: str = Field(default="", max_length=8)
    # When staff attached the waiting sign-up to an account (contact_id set) or rejected it.
    handled_at: datetime | None = utc_field(nullable=True)
