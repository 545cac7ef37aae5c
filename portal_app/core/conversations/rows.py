"""What conversation pages show: small typed rows of display values (never a stored file name)."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.core import files as file_intake, i18n
from portal_app.core.conversations.engine import AttachmentView, EntryView


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    title: str
    size: str
    message_id: int  # the entry it belongs to; 0: staged, not sent yet
    inline: bool

    @classmethod
    def all_of(cls, views: list[AttachmentView], lang: str, entry_id: int = 0) -> list[AttachmentRow]:
        return [cls(a.id, a.title, i18n.format_size(a.size_bytes, lang), entry_id,
                    a.mime_type in file_intake.INLINE_TYPES) for a in views]


@dataclass(frozen=True)
class EntryRow:
    """One entry of a conversation; `mine`: written by the side reading it (the contact, or staff)."""

    id: int
    mine: bool
    author: str
    body: str
    when: str
    internal: bool = False


def entry_rows(views: list[EntryView], lang: str, my_side: str) -> tuple[list[EntryRow], list[AttachmentRow]]:
    """A conversation's entries and their files, as the side `my_side` ("contact" or "staff") reads them."""
    rows = [EntryRow(e.id, e.author_type == my_side, e.author_name, e.body,
                     i18n.format_datetime(e.created_at, lang), e.internal) for e in views]
    files = [row for e in views for row in AttachmentRow.all_of(e.attachments, lang, e.id)]
    return rows, files
