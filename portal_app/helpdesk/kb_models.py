"""Knowledge base: categories and articles (one row per language; translations share a group key)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.models.base import json_dict_field, utc_field


class KbCategory(SQLModel, table=True):
    """One category for every language: its name is kept per language (`names`: {"en": ..., "fr": ...}),
    so a translated article stays in the same category and the help centre has one shape everywhere."""

    __tablename__ = "kb_category"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    names: dict[str, str] = json_dict_field()
    position: int = 0
    created_at: datetime = utc_field(default_now=True)


class KbArticle(SQLModel, table=True):
    """An article in one language. Its translations share `group_key`: a reader gets the version in
    their language, or the business's default language when there is none."""

    __tablename__ = "kb_article"
    __table_args__ = (
        sa.UniqueConstraint("group_key", "language", name="uq_kb_article_group_language"),
        # The help centre: published articles of one language, by category.
        sa.Index("ix_kb_article_published_language_category", "published", "language", "category_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_key: str = Field(max_length=32)  # indexed by uq_kb_article_group_language
    language: str = Field(max_length=8)
    title: str = Field(max_length=200)
    # The address of this language's version (`/help/article?slug=...`); unique across languages.
    slug: str = Field(max_length=120, unique=True)
    body_md: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, server_default=""))
    # The body's start as plain text, made when saved: lists and suggestions show it without rendering.
    excerpt: str = Field(default="", max_length=200)
    category_id: int | None = Field(default=None, foreign_key="kb_category.id", index=True)
    # Readable without login; otherwise for logged-in customers with the knowledge base.
    public: bool = False
    published: bool = False
    view_count: int = 0
    # "This answered my question": a question that did not become a ticket.
    answered_count: int = 0
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)
    updated_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
