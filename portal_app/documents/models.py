"""Documents shared with a customer account (and received from it), their folders and who opened them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.models.base import utc_field

SOURCE_BUSINESS = "business"  # uploaded by staff
SOURCE_CUSTOMER = "customer"  # sent by a contact: shown to staff as received


class DocumentFolder(SQLModel, table=True):
    __tablename__ = "document_folder"
    __table_args__ = (sa.UniqueConstraint("account_id", "name", name="uq_document_folder_account_name"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=120)
    created_at: datetime = utc_field(default_now=True)


class Document(SQLModel, table=True):
    __table_args__ = (
        # The customer's documents page: one account's shared documents, newest first.
        sa.Index("ix_document_account_shared_created", "account_id", "shared", "created_at"),
        sa.Index("ix_document_account_folder", "account_id", "folder_id"),
        # The customer's folder list: shared documents counted per folder from the index alone.
        sa.Index("ix_document_account_shared_folder", "account_id", "shared", "folder_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    folder_id: int | None = Field(default=None, foreign_key="document_folder.id")
    # Display only: the name the file had on the uploader's machine, cleaned. Never a path.
    title: str = Field(max_length=200)
    # Generated name under data_dir/documents; never derived from anything a user typed.
    stored_name: str = Field(max_length=64, unique=True)
    mime_type: str = Field(max_length=100)
    size_bytes: int = 0
    shared: bool = False
    source: str = Field(default=SOURCE_BUSINESS, max_length=10)
    uploaded_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    uploaded_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    # Received documents: has staff looked at it yet.
    staff_seen: bool = True
    version: int = 1
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime = utc_field(default_now=True)


class DocumentView(SQLModel, table=True):
    """A contact opened (previewed or downloaded) a document: its "new" badge is gone for them."""

    __tablename__ = "document_view"
    __table_args__ = (sa.UniqueConstraint("document_id", "contact_id", name="uq_document_view_doc_contact"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    contact_id: int = Field(foreign_key="contact.id", index=True)
    seen_at: datetime = utc_field(default_now=True)


class DocumentSettings(SQLModel, table=True):
    """One row: the documents module's own settings (kept out of BusinessSettings)."""

    __tablename__ = "document_settings"

    id: int | None = Field(default=None, primary_key=True)
    customer_uploads: bool = False
    max_upload_mb: int = 25
    updated_at: datetime | None = utc_field(nullable=True)
