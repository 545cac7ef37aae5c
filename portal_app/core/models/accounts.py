"""Customer accounts and their contacts (the people who log in)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal_app.core.models.base import json_list_field, utc_field

ROLE_ADMIN = "admin"
ROLE_MEMBER = "member"
ROLES = (ROLE_ADMIN, ROLE_MEMBER)

# Modules whose access a contact's rights can narrow.
MODULES = ("invoices", "documents", "bookings", "tickets", "messages", "knowledge", "gdpr")
# What a member may use by default: support functions only.
# What a member's rights may include (the role's ceiling), and what a new member gets. A member opens
# and follows their own tickets without any right; the "tickets" right widens that to every ticket of
# the account, so it may be given but is not by default.
# "gdpr" (the contact's own personal data space) may be given to a member too: a self-service sign-up
# is a member holding that right alone.
MEMBER_RIGHTS = ("tickets", "messages", "knowledge", "gdpr")
MEMBER_DEFAULT_RIGHTS = ("messages", "knowledge")


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    number: str = Field(max_length=40, unique=True, index=True)
    billing_email: str = Field(default="", max_length=254)
    active: bool = True
    domains: str = Field(default="", max_length=500)
    send_consumption_statements: bool = True
    created_at: datetime = utc_field(default_now=True)
    # Postal address (the buyer's address of its e-invoices, EN 16931 BG-8); country: ISO 3166-1 alpha-2.
    street: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=20)
    city: str = Field(default="", max_length=100)
    country: str = Field(default="", max_length=2)


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    # Normalised (trimmed, lower-case) so uniqueness is case-insensitive.
    email: str = Field(max_length=254, unique=True, index=True)
    mobile: str | None = Field(default=None, max_length=20)  # E.164
    language: str = Field(default="en", max_length=8)
    # An IANA zone name the contact chose; "" = their device's zone (core/zones.py).
    time_zone: str = Field(default="", max_length=64)
    active: bool = True
    portal_access: bool = True
    portal_role: str = Field(default=ROLE_MEMBER, max_length=10)
    rights: list[str] = json_list_field()
    invited_at: datetime | None = utc_field(nullable=True)
    last_login_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field(default_now=True)
    # Device cookies issued before this moment no longer count (sign out everywhere, access changed).
    devices_reset_at: datetime | None = utc_field(nullable=True)
    # Customer TOTP (an authenticator app): the secret encrypted under the server secret, never in state.
    totp_secret_enc: str | None = Field(default=None, max_length=300)
    totp_enabled: bool = False
    last_totp_step: int = 0
    # Password login (a business option, off by default): bcrypt, set through an emailed single-use link.
    password_hash: str | None = Field(default=None, max_length=100)
    # An address the provider reported as failing (hard bounce, drop; a mobile failing again and again):
    # the next login code avoids it; staff clear the mark once the address is fixed.
    email_failing_at: datetime | None = utc_field(nullable=True)
    email_failing_reason: str = Field(default="", max_length=300)
    mobile_failing_at: datetime | None = utc_field(nullable=True)
    mobile_failing_reason: str = Field(default="", max_length=300)
    mobile_failures: int = 0  # SMS reported undelivered in a row, reset by a delivery

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email
