"""What the documents pages show: small typed rows of display values (never a stored file name)."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.core import files as file_intake, i18n
from portal_app.documents.models import SOURCE_CUSTOMER
from portal_app.documents.rules import DocItem


def kind(mime: str) -> str:
    """How the page previews a file: "pdf", "image" (raster only) or "file" (download only)."""
    if mime == "application/pdf":
        return "pdf"
    if mime in file_intake.INLINE_TYPES:
        return "image"
    return "file"


@dataclass(frozen=True)
class FolderRow:
    id: int
    name: str
    count: int

    @classmethod
    def all_of(cls, found: list[tuple[int, str, int]]) -> list[FolderRow]:
        return [cls(fid, name, n) for fid, name, n in found]


@dataclass(frozen=True)
class DocumentRow:
    """A line of the customer's list."""

    id: int
    title: str
    folder: str
    when: str
    size: str
    new: bool
    kind: str  # pdf | image | file
    mine: bool  # sent by this account's contacts
    version: int

    @classmethod
    def of(cls, d: DocItem, lang: str) -> DocumentRow:
        return cls(d.id, d.title, d.folder_name, i18n.format_day(d.created_at, lang),
                   i18n.format_size(d.size_bytes, lang), d.is_new, kind(d.mime_type), d.source == SOURCE_CUSTOMER,
                   d.version)


@dataclass(frozen=True)
class StaffDocumentRow:
    """A line of the console's list of one account's documents."""

    id: int
    title: str
    folder: str
    folder_id: int  # 0: outside any folder
    when: str
    size: str
    shared: bool
    received: bool  # sent by the customer
    new: bool
    inline: bool
    version: int

    @classmethod
    def of(cls, d: DocItem, lang: str) -> StaffDocumentRow:
        return cls(d.id, d.title, d.folder_name, d.folder_id or 0, i18n.format_datetime(d.updated_at, lang),
                   i18n.format_size(d.size_bytes, lang), d.shared, d.source == SOURCE_CUSTOMER, d.is_new, d.inline,
                   d.version)


@dataclass(frozen=True)
class AccountPick:
    """An account found by the console's picker."""

    id: int
    name: str
    number: str


@dataclass(frozen=True)
class NewDocRow:
    """A line of the home page's "new documents" card."""

    id: int
    title: str
    when: str
    size: str
    inline: bool

    @classmethod
    def of(cls, d: DocItem, lang: str) -> NewDocRow:
        return cls(d.id, d.title, i18n.format_date(d.created_at, lang), i18n.format_size(d.size_bytes, lang),
                   d.inline)
