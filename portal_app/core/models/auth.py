"""Login challenges, attempts and sessions for customers and staff."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.models.base import utc_field


class LoginChallenge(SQLModel, table=True):
    """One code login in progress; unknown emails get one too so every path looks the same."""

    __tablename__ = "login_challenge"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=64, unique=True, index=True)
    email: str = Field(max_length=254, index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    channel: str = Field(default="email", max_length=8)  # sms | email
    code_hash: str = Field(max_length=64)
    codes_sent: int = 1
    failed_attempts: int = 0
    last_sent_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    ended_at: datetime | None = utc_field(nullable=True)
    end_reason: str | None = Field(default=None, max_length=20)
    client_ip: str = Field(default="", max_length=45)
    # Started from a remembered browser (device cookie): its failures are counted apart.
    device: str = Field(default="", max_length=24, sa_column_kwargs={"server_default": ""})
    # "totp": the code was right and the contact's authenticator app is asked next (same challenge).
    second_factor: str = Field(default="", max_length=8, sa_column_kwargs={"server_default": ""})
    created_at: datetime = utc_field(default_now=True, index=True)


class LoginAttempt(SQLModel, table=True):
    """Every login request and its outcome, known address or not (feeds the access diagnosis)."""

    __tablename__ = "login_attempt"
    # The rate limits count recent rows per address, per contact and per client address.
    __table_args__ = (
        sa.Index("ix_login_attempt_ip_time", "client_ip", "created_at"),
        sa.Index("ix_login_attempt_email_time", "email", "created_at"),
        sa.Index("ix_login_attempt_contact_time", "contact_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = utc_field(default_now=True, index=True)
    email: str = Field(default="", max_length=254, index=True)
    contact_id: int | None = Field(default=None, index=True)
    client_ip: str = Field(default="", max_length=45, index=True)
    kind: str = Field(max_length=24)  # code_request, code_verify, resend, password, staff_password, staff_totp
    outcome: str = Field(max_length=32)  # sent, unknown, inactive, no_access, ok, wrong_code, ...
    # The remembered browser (device cookie) that asked, if any: it has a code budget of its own.
    device: str = Field(default="", max_length=24, sa_column_kwargs={"server_default": ""})


class PortalSession(SQLModel, table=True):
    __tablename__ = "portal_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    impersonator_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    # An impersonation lives only as long as the staff member's console session.
    staff_session_id: int | None = Field(default=None, foreign_key="staff_session.id", index=True)
    created_at: datetime = utc_field(default_now=True)
    last_seen_at: datetime = utc_field(default_now=True)
    absolute_expires_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True)
    revoked_reason: str | None = Field(default=None, max_length=30)
    client_ip: str = Field(default="", max_length=45)


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=100)
    # Encrypted with a key derived from the server secret; never sent to a browser.
    totp_secret_enc: str | None = Field(default=None, max_length=300)
    totp_enabled: bool = False
    last_totp_step: int = 0
    role: str = Field(default="staff", max_length=10)  # owner | staff | agent
    # An IANA zone name the staff member chose for the console; "" = their device's zone.
    time_zone: str = Field(default="", max_length=64)
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = utc_field(nullable=True)
    last_login_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)
    # An invitation from an owner: the HMAC of the link's token, until the password is chosen.
    invite_token_hash: str | None = Field(default=None, max_length=64, index=True)
    invite_expires_at: datetime | None = utc_field(nullable=True)


class StaffSession(SQLModel, table=True):
    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    staff_id: int = Field(foreign_key="staff_user.id", index=True)
    mfa_passed: bool = False
    created_at: datetime = utc_field(default_now=True)
    last_seen_at: datetime = utc_field(default_now=True)
    absolute_expires_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True)


class Passkey(SQLModel, table=True):
    """A contact's WebAuthn credential (a discoverable passkey). Only its public key is stored."""

    __tablename__ = "passkey"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    credential_id: str = Field(max_length=400, unique=True, index=True)  # base64url
    public_key: str = Field(max_length=1000)  # COSE key, base64url
    sign_count: int = 0
    name: str = Field(default="", max_length=60)
    created_at: datetime = utc_field(default_now=True)
    last_used_at: datetime | None = utc_field(nullable=True)


class RecoveryCode(SQLModel, table=True):
    """A contact's one-time TOTP recovery code, stored only as its HMAC."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)


class TrustedDevice(SQLModel, table=True):
    """"Trust this browser for 30 days": a remembered browser (its device cookie's id) that skips the
    second factor of this contact until it expires, is revoked, or the contact's access changes."""

    __tablename__ = "trusted_device"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    device_id: str = Field(max_length=24, index=True)
    label: str = Field(default="", max_length=120)
    created_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    last_used_at: datetime | None = utc_field(nullable=True)
    revoked_at: datetime | None = utc_field(nullable=True)


class PasswordLink(SQLModel, table=True):
    """A single-use "set your password" link (first connection or forgotten password): only its HMAC."""

    __tablename__ = "password_link"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = utc_field(default_now=True)
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)
