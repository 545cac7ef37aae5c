"""What the ticket pages show: small typed rows of display values (labels in the reader's language)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_timedelta

from portal_app.core import clock, i18n
from portal_app.helpdesk.ticket_rules import TicketItem, is_closed, may_reopen, may_reply, may_resolve
from portal_app.helpdesk.ticket_settings import CLOSED_STATUSES, TicketConfig


@dataclass(frozen=True)
class Option:
    value: str
    label: str

    @classmethod
    def all_of(cls, pairs) -> list[Option]:
        return [cls(str(v), label) for v, label in pairs]


@dataclass(frozen=True)
class TicketRow:
    """A line of the customer's tickets or of the console's queue. `status`: what the reader sees (a
    customer: the visible status a hidden one is shown as)."""

    id: int
    number: str
    title: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    type_label: str
    contact: str
    when: str
    unread: bool
    account: str = ""
    age: str = ""  # since the last customer entry (the queue)
    assignee: str = ""
    billed: bool = False
    closed: bool = False

    @classmethod
    def of(cls, item: TicketItem, cfg: TicketConfig, lang: str, *, customer: bool,
           staff_names: dict[int, str] | None = None) -> TicketRow:
        status = cfg.shown_status(item.status) if customer else item.status
        return cls(item.id, f"#{item.number}", item.title, status, cfg.label("statuses", status, lang),
                   item.priority, cfg.label("priorities", item.priority, lang), cfg.label("types", item.type, lang),
                   item.contact_name, i18n.format_datetime(item.last_entry_at, lang), item.unread, item.account_name,
                   "" if customer else age(item.last_customer_entry_at, lang),
                   (staff_names or {}).get(item.assignee_staff_id or 0, ""), item.billed,
                   item.status in CLOSED_STATUSES)


def age(since: datetime | None, lang: str) -> str:
    if since is None:
        return ""
    return format_timedelta(clock.now() - since, locale=lang or "en", format="short", threshold=1.1)


@dataclass(frozen=True)
class TicketHead:
    """The heading of the ticket being read, and what its reader may do with it."""

    number: str = ""
    title: str = ""
    status: str = ""
    status_label: str = ""
    priority: str = ""
    priority_label: str = ""
    type: str = ""
    type_label: str = ""
    contact_name: str = ""
    billed: bool = False
    closed: bool = False
    can_reply: bool = False
    can_resolve: bool = False
    can_reopen: bool = False
    # The console only
    contact_email: str = ""
    account_name: str = ""
    account_id: int = 0
    assignee: str = ""  # the staff id, as the select holds it ("" : nobody)
    age: str = ""

    @classmethod
    def of(cls, detail, cfg: TicketConfig, lang: str, *, customer: bool, who: tuple[str, str, str] = ("", "", "")
           ) -> TicketHead:
        conv, ticket = detail.conv, detail.ticket
        status = cfg.shown_status(conv.status) if customer else conv.status
        return cls(f"#{ticket.number}", conv.subject, status, cfg.label("statuses", status, lang), ticket.priority,
                   cfg.label("priorities", ticket.priority, lang), ticket.type, cfg.label("types", ticket.type, lang),
                   who[0], ticket.billed, is_closed(conv), may_reply(cfg, conv, ticket), may_resolve(conv, ticket),
                   may_reopen(cfg, conv, ticket), who[1], who[2], conv.account_id,
                   str(ticket.assignee_staff_id or ""), age(conv.last_customer_entry_at, lang))


@dataclass(frozen=True)
class InboundRow:
    """An email waiting for staff."""

    id: int
    sender: str
    subject: str
    excerpt: str
    when: str
    reason: str

    @classmethod
    def of(cls, mail, lang: str) -> InboundRow:
        sender = f"{mail.sender_name} <{mail.sender}>" if mail.sender_name else mail.sender
        return cls(mail.id, sender, mail.subject, mail.body[:200], i18n.format_datetime(mail.received_at, lang),
                   mail.reason)
