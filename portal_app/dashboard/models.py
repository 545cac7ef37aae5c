"""Dashboard buttons the business configures: label per language, icon, kind, target, order, audience."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal_app.core.models.base import json_dict_field, utc_field

AUDIENCE_EVERYONE = "everyone"
AUDIENCE_ADMINS = "admins"


class PortalAction(SQLModel, table=True):
    __tablename__ = "portal_action"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # pay | book | ticket | message | documents | link
    labels: dict = json_dict_field()  # language -> label
    icon: str = Field(default="circle_arrow_right", max_length=40)
    target: str = Field(default="", max_length=500)  # the URL of an external link
    position: int = Field(default=0, index=True)
    enabled: bool = True
    audience: str = Field(default=AUDIENCE_EVERYONE, max_length=10)
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
