"""Column helpers shared by every table: UTC timestamps and JSON lists."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlmodel import Field


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC (portable across SQLite and PostgreSQL) and always returns aware UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def utc_field(*, nullable: bool = False, index: bool = False, default_now: bool = False):
    """A timezone-aware timestamp column."""
    kwargs = {"default_factory": utcnow} if default_now else {"default": None}
    return Field(sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index), **kwargs)


def json_list_field():
    return Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))


def json_dict_field():
    return Field(default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False))
