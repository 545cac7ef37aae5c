"""The business that runs this portal: one row of settings."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal_app.core.models.base import json_list_field, utc_field


class BusinessSettings(SQLModel, table=True):
    __tablename__ = "business_settings"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(default="Guichet", max_length=200)
    brand_color: str = Field(default="#2563eb", max_length=7)
    logo_file: str | None = Field(default=None, max_length=200)
    login_image_file: str | None = Field(default=None, max_length=200)
    login_text: str = Field(default="", max_length=2000)
    default_language: str = Field(default="en", max_length=8)
    languages: list[str] = json_list_field()
    sender_name: str = Field(default="", max_length=200)
    password_login_enabled: bool = False
    # Customer TOTP after the code: "optional" (each contact chooses), "admins" (account administrators
    # must have it), "all" (every contact must).
    customer_totp: str = Field(default="optional", max_length=10, sa_column_kwargs={"server_default": "optional"})
    # Modules the business offers (see models.accounts.MODULES); a contact's rights narrow them further.
    modules: list[str] = json_list_field()
    updated_at: datetime | None = utc_field(nullable=True)
