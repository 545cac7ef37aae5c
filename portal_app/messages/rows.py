"""What the messages pages show: small typed rows of display values."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.core import i18n
from portal_app.messages.rules import ThreadItem


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
