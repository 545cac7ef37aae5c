"""What the messages pages show: small typed rows of display values (never a stored file name)."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.core import files as file_intake, i18n
from portal_app.messages.attachments import AttachmentView
from portal_app.messages.rules import MessageView, ThreadItem


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    title: str
    size: str
    message_id: int  # 0: staged, not sent yet
    inline: bool

    @classmethod
    def all_of(cls, views: list[AttachmentView], lang: str, message_id: int = 0) -> list[AttachmentRow]:
        return [cls(a.id, a.title, i18n.format_size(a.size_bytes, lang), message_id,
                    a.mime_type in file_intake.INLINE_TYPES) for a in views]


@dataclass(frozen=True)
class ThreadHead:
    """The heading of the thread being read: its subject and status, and (the console only) who wrote."""

    subject: str = ""
    status: str = ""  # open | handled
    contact_name: str = ""
    contact_email: str = ""
    account_name: str = ""
    account_id: int = 0


@dataclass(frozen=True)
class EntryRow:
    """One message of a thread; `mine`: written by the side reading it (the contact, or staff)."""

    id: int
    mine: bool
    author: str
    body: str
    when: str


@dataclass(frozen=True)
class ThreadRow:
    """A line of the customer's threads or of the console's inbox."""

    id: int
    subject: str
    status: str  # open | handled
    when: str
    unread: bool
    sender: str  # who started it
    account: str  # the console's inbox only

    @classmethod
    def of(cls, th: ThreadItem, lang: str) -> ThreadRow:
        return cls(th.id, th.subject, th.status, i18n.format_datetime(th.last_message_at, lang), th.unread,
                   th.contact_name, th.account_name)


def thread_rows(views: list[MessageView], lang: str, my_side: str) -> tuple[list[EntryRow], list[AttachmentRow]]:
    """A thread's messages and their files, as the side `my_side` ("contact" or "staff") reads them."""
    entries = [EntryRow(m.id, m.author_type == my_side, m.author_name, m.body, i18n.format_datetime(m.created_at, lang))
               for m in views]
    files = [row for m in views for row in AttachmentRow.all_of(m.attachments, lang, m.id)]
    return entries, files
