"""The audit log: who did what, as whom, when."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal_app.core.models.base import json_dict_field, utc_field


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = utc_field(default_now=True, index=True)
    actor_type: str = Field(max_length=10)  # staff | contact | system
    actor_id: int | None = None
    actor_label: str = Field(default="", max_length=254)
    as_contact_id: int | None = Field(default=None)  # set while impersonating
    action: str = Field(max_length=50, index=True)
    target_type: str = Field(default="", max_length=30)
    target_id: int | None = None
    account_id: int | None = Field(default=None, index=True)
    detail: dict = json_dict_field()
    client_ip: str = Field(default="", max_length=45)
