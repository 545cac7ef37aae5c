"""Support tickets, customer and staff side: opening, listing (filters, search, paged in the database),
reading, replying (staff also write internal notes), resolving and reopening, and the queue's
workflow (status, priority, type, assignee, billed flag, one by one or in bulk).

Threads, entries, files, read markers and emails are the conversation engine's (kind "ticket").
Who reads what: every contact reads the tickets they opened while the business offers tickets; account
administrators and contacts with the "tickets" right read the whole account's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, exists, or_
from sqlmodel import Session, func, select

from portal_app.core import audit, clock, notify
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.auth.staff import StaffContext
from portal_app.core.conversations import attachments, engine
from portal_app.core.conversations.engine import Author, EntryView, Kind
from portal_app.core.conversations.models import SIDE_CONTACT, SIDE_STAFF, Conversation, ConversationEntry
from portal_app.core.db import fetch_page, get_or_not_found, paged, read
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import ROLE_ADMIN, Account, Contact
from portal_app.core.models.auth import StaffUser
from portal_app.helpdesk import ticket_settings as settings
from portal_app.helpdesk.ticket_mail import reply_address
from portal_app.helpdesk.ticket_models import AREA, KIND, MODULE, Ticket
from portal_app.helpdesk.ticket_settings import TicketConfig

PAGE_SIZE = 20
BULK_MAX = 100
SEARCH_MAX = 100


def reads_whole_account(ctx: PortalContext) -> bool:
    return ctx.role == ROLE_ADMIN or ctx.can(MODULE)


engine.register_kind(Kind(KIND, MODULE, AREA, whole_account=reads_whole_account, right_needed=False))


@dataclass(frozen=True)
class TicketItem:
    """A line of a ticket list (customer or queue)."""

    id: int  # the conversation's id: what URLs carry
    number: int
    title: str
    status: str
    type: str
    priority: str
    last_entry_at: datetime
    last_customer_entry_at: datetime | None
    unread: bool
    contact_name: str
    account_name: str = ""
    assignee_staff_id: int | None = None
    billed: bool = False


@dataclass(frozen=True)
class TicketDetail:
    conv: Conversation
    ticket: Ticket
    entries: list[EntryView]


def is_closed(conv: Conversation) -> bool:
    return conv.status in settings.CLOSED_STATUSES


def may_reply(cfg: TicketConfig, conv: Conversation, ticket: Ticket) -> bool:
    """A billed ticket is read-only for the customer; a closed one takes a reply only where reopening is allowed."""
    return not ticket.billed and (not is_closed(conv) or cfg.reopen_allowed)


def may_resolve(conv: Conversation, ticket: Ticket) -> bool:
    return not ticket.billed and not is_closed(conv)


def may_reopen(cfg: TicketConfig, conv: Conversation, ticket: Ticket) -> bool:
    return not ticket.billed and is_closed(conv) and cfg.reopen_allowed


_TICKET_OF = select(Ticket).where(Ticket.conversation_id == bindparam("conversation_id"))  # built once


def _ticket_of(db: Session, conv: Conversation) -> Ticket:
    ticket = db.exec(_TICKET_OF, params={"conversation_id": conv.id}).first()
    if ticket is None:
        raise NotFound()
    return ticket


def _name(first: str, last: str, email: str) -> str:
    return f"{first} {last}".strip() or email


def _like(q: str) -> str:
    return f"%{q.strip().lower()[:SEARCH_MAX]}%"


def _search(q: str, *, notes: bool = False):
    return _matches(_like(q), notes=notes)


def _matches(like, *, notes: bool = False):
    """Title, or the text of an entry: customers search what they see, never an internal note."""
    in_entries = exists().where(ConversationEntry.conversation_id == Conversation.id,
                                *([] if notes else [ConversationEntry.internal.is_(False)]),
                                func.lower(ConversationEntry.body).like(like))
    return or_(func.lower(Conversation.subject).like(like), in_entries)


# What a list line shows, as columns: no Conversation or Ticket object is built for a line (an ORM
# object costs more than its row). `unread_for_contact` / `unread_for_staff` read these rows by name.
_LIST_COLUMNS = (Conversation.id, Ticket.number, Conversation.subject, Conversation.status, Ticket.type,
                 Ticket.priority, Conversation.last_entry_at, Conversation.last_customer_entry_at,
                 Conversation.last_staff_entry_at, Conversation.contact_read_at, Conversation.staff_read_at,
                 Conversation.contact_id, Ticket.assignee_staff_id, Ticket.billed,
                 Contact.first_name, Contact.last_name, Contact.email)
# Built once (building a statement costs about as much as running it); each list adds its conditions.
_LIST_QUERY = (select(*_LIST_COLUMNS).join(Ticket, Ticket.conversation_id == Conversation.id)
               .join(Contact, Contact.id == Conversation.contact_id))
_QUEUE_QUERY = (select(*_LIST_COLUMNS, Account.name.label("account_name"))
                .join(Ticket, Ticket.conversation_id == Conversation.id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .join(Account, Account.id == Conversation.account_id))
_LIST_COUNT = select(func.count()).select_from(Conversation).join(Ticket, Ticket.conversation_id == Conversation.id)
_LIST_ORDER = (Conversation.last_entry_at.desc(), Conversation.id.desc())


def _listing(conds: list, *, staff: bool):
    query = _QUEUE_QUERY if staff else _LIST_QUERY
    return query.where(*conds).order_by(*_LIST_ORDER), _LIST_COUNT.where(*conds)


# ---- customers ---------------------------------------------------------------------------------------


def open_ticket(db: Session, ctx: PortalContext, *, title: str, type: str, priority: str,
                body: str) -> tuple[Conversation, Ticket, list[notify.Delivery]]:
    """A new ticket with the files the contact staged for a new ticket."""
    attachments.check_can_write(ctx, KIND)
    cfg = settings.config(db)
    title = engine.clean_subject(title, "tickets.error.title_required")
    text = engine.clean_body(body)
    if type not in cfg.codes("types"):
        raise DomainError("tickets.error.type")
    if priority not in cfg.codes("priorities"):
        raise DomainError("tickets.error.priority")
    conv = engine.open_conversation(db, KIND, account_id=ctx.account_id, contact_id=ctx.contact_id, subject=title,
                                    status=cfg.initial_status)
    _, files = engine.add_entry(db, conv, Author.contact(ctx), text, draft=True)
    ticket = Ticket(conversation_id=conv.id, number=_next_number(db), type=type, priority=priority,
                    created_at=clock.now())
    db.add(ticket)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "ticket.create", target_type="conversation", target_id=conv.id,
                 account_id=ctx.account_id, attachments=files)
    return conv, ticket, _email_staff(db, cfg, conv, ticket, ctx, text)


def _next_number(db: Session) -> int:
    return (db.exec(select(func.max(Ticket.number))).one() or 1000) + 1


def list_tickets(db: Session, ctx: PortalContext, *, status: str = "", priority: str = "",
                 contact_id: int | None = None, q: str = "", page: int = 1, page_size: int = PAGE_SIZE,
                 cfg: TicketConfig | None = None) -> tuple[list[TicketItem], int]:
    """The contact's tickets (the account's for those who read it all), newest activity first. `status` is a
    status customers see; it takes in the hidden statuses shown as it."""
    whole, params = engine.visibility(ctx, KIND)
    cfg = cfg or settings.config(db)
    if status:
        params["statuses"] = cfg.statuses_shown_as(status)
    if priority:
        params["priority"] = priority
    by_contact = bool(contact_id and reads_whole_account(ctx))
    if by_contact:
        params["contact_id"] = contact_id
    if q.strip():
        params["like"] = _like(q)
    query, count = _customer_list_statements(whole, bool(status), bool(priority), by_contact, "like" in params)
    rows, total = fetch_page(db, query, count, page=page, page_size=page_size, params=params)
    return [_item(r, unread=r.contact_id == ctx.contact_id and engine.unread_for_contact(r)) for r in rows], total


@lru_cache(maxsize=64)
def _customer_list_statements(whole_account: bool, status: bool, priority: bool, contact: bool, search: bool):
    """The customer list's page and count statements for one combination of filters, built once."""
    conds = list(engine.visible_conditions(whole_account))
    if status:
        conds.append(Conversation.status.in_(bindparam("statuses", expanding=True)))
    if priority:
        conds.append(Ticket.priority == bindparam("priority"))
    if contact:
        conds.append(Conversation.contact_id == bindparam("contact_id"))
    if search:
        conds.append(_matches(bindparam("like")))
    query, count = _listing(conds, staff=False)
    return paged(query), count


def _item(r, *, unread: bool, account_name: str = "") -> TicketItem:
    """A list line from a row of `_LIST_COLUMNS`."""
    return TicketItem(id=r.id, number=r.number, title=r.subject, status=r.status, type=r.type,
                      priority=r.priority, last_entry_at=r.last_entry_at,
                      last_customer_entry_at=r.last_customer_entry_at, unread=unread,
                      contact_name=_name(r.first_name, r.last_name, r.email), account_name=account_name,
                      assignee_staff_id=r.assignee_staff_id, billed=r.billed)


def account_contacts(db: Session, ctx: PortalContext) -> list[tuple[int, str]]:
    """The contacts of the account who opened tickets (the contact filter), for those who read them all."""
    if not engine.may_use(ctx, KIND) or not reads_whole_account(ctx):
        return []
    rows = read(db, _ACCOUNT_CONTACTS, {"account_id": ctx.account_id}).all()
    return [(cid, _name(fn, ln, em)) for cid, fn, ln, em in rows]


_ACCOUNT_CONTACTS = (select(Contact.id, Contact.first_name, Contact.last_name, Contact.email)
                     .where(Contact.account_id == bindparam("account_id"),
                            exists().where(Conversation.contact_id == Contact.id, Conversation.kind == KIND))
                     .order_by(Contact.first_name, Contact.last_name, Contact.id).limit(200))


def read_ticket(db: Session, ctx: PortalContext, conversation_id: int) -> TicketDetail:
    """A ticket and the entries customers see (never an internal note); its author reading it clears its unread mark."""
    conv = engine.for_contact(db, ctx, conversation_id, KIND)
    ticket = _ticket_of(db, conv)
    engine.mark_read(db, conv, SIDE_CONTACT, ctx)
    return TicketDetail(conv, ticket, engine.entries(db, conv.id, side=SIDE_CONTACT))


def _set_status(conv: Conversation, ticket: Ticket, status: str, staff_id: int | None = None) -> None:
    was_closed = is_closed(conv)
    conv.status = status
    if is_closed(conv) and not was_closed:
        conv.closed_at, conv.closed_by_staff_id = clock.now(), staff_id
        ticket.resolved_at = conv.closed_at if status == settings.RESOLVED else ticket.resolved_at
    elif not is_closed(conv):
        conv.closed_at, conv.closed_by_staff_id, ticket.resolved_at = None, None, None


def _writable(db: Session, ctx: PortalContext, conversation_id: int) -> tuple[Conversation, Ticket, TicketConfig]:
    conv = engine.for_contact(db, ctx, conversation_id, KIND)
    ticket = _ticket_of(db, conv)
    if ticket.billed:
        raise DomainError("tickets.error.billed")
    return conv, ticket, settings.config(db)


def reply_as_contact(db: Session, ctx: PortalContext, conversation_id: int, body: str) -> list[notify.Delivery]:
    """A reply; on a closed ticket it reopens it, where the business allows reopening."""
    conv, ticket, cfg = _writable(db, ctx, conversation_id)
    if not may_reply(cfg, conv, ticket):
        raise DomainError("tickets.error.closed")
    text = engine.clean_body(body)
    _, files = engine.add_entry(db, conv, Author.contact(ctx), text)
    reopened = is_closed(conv)
    if reopened:
        _set_status(conv, ticket, settings.OPEN)
    db.add(conv)
    db.add(ticket)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "ticket.reply", target_type="conversation", target_id=conv.id,
                 account_id=ctx.account_id, attachments=files, reopened=reopened)
    return _email_staff(db, cfg, conv, ticket, ctx, text)


def resolve(db: Session, ctx: PortalContext, conversation_id: int) -> None:
    conv, ticket, _ = _writable(db, ctx, conversation_id)
    if not may_resolve(conv, ticket):
        raise DomainError("tickets.error.already_closed")
    _set_status(conv, ticket, settings.RESOLVED)
    db.add(conv)
    db.add(ticket)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "ticket.resolved", target_type="conversation", target_id=conv.id,
                 account_id=ctx.account_id)


def reopen(db: Session, ctx: PortalContext, conversation_id: int) -> None:
    conv, ticket, cfg = _writable(db, ctx, conversation_id)
    if not may_reopen(cfg, conv, ticket):
        raise DomainError("tickets.error.no_reopen")
    _set_status(conv, ticket, settings.OPEN)
    db.add(conv)
    db.add(ticket)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "ticket.reopened", target_type="conversation", target_id=conv.id,
                 account_id=ctx.account_id)


def open_attachment_for_contact(db: Session, ctx: PortalContext, attachment_id: int):
    return attachments.open_for_contact(db, ctx, attachment_id, KIND)


def _email_staff(db: Session, cfg: TicketConfig, conv: Conversation, ticket: Ticket, ctx: PortalContext,
                 text: str) -> list[notify.Delivery]:
    return engine.notify_staff(db, conv, ctx, to=settings.staff_recipient(db, cfg, ticket.assignee_staff_id),
                               template="ticket_to_staff", link=f"/admin/tickets?ticket={conv.id}", text=text)


# ---- staff ---------------------------------------------------------------------------------------------

ASSIGNEE_ME = "me"
ASSIGNEE_NONE = "none"


def queue(db: Session, staff: StaffContext, *, status: str = "", priority: str = "", type: str = "",
          account_id: int | None = None, assignee: str = "", q: str = "", page: int = 1,
          page_size: int = PAGE_SIZE) -> tuple[list[TicketItem], int]:
    """The staff queue, newest activity first. `status` "" : every ticket not closed; "all": every ticket.
    `assignee`: "me", "none", a staff id, or "" for anyone."""
    conds = [Conversation.kind == KIND]
    if status == "":
        conds.append(Conversation.status.not_in(settings.CLOSED_STATUSES))
    elif status != "all":
        conds.append(Conversation.status == status)
    if priority:
        conds.append(Ticket.priority == priority)
    if type:
        conds.append(Ticket.type == type)
    if account_id:
        conds.append(Conversation.account_id == account_id)
    if assignee == ASSIGNEE_ME:
        conds.append(Ticket.assignee_staff_id == staff.staff_id)
    elif assignee == ASSIGNEE_NONE:
        conds.append(Ticket.assignee_staff_id.is_(None))
    elif assignee.isdigit():
        conds.append(Ticket.assignee_staff_id == int(assignee))
    if q.strip():
        like = f"%{q.strip().lower()[:SEARCH_MAX]}%"
        number = [Ticket.number == int(q.strip().lstrip("#"))] if q.strip().lstrip("#").isdigit() else []
        conds.append(or_(_search(q, notes=True), func.lower(Account.name).like(like), Contact.email.like(like), *number))
        count_joins = True
    else:
        count_joins = False
    query, count = _listing(conds, staff=True)
    if count_joins:  # the search names the contact and the account: the count joins them too
        count = (select(func.count()).select_from(Conversation).join(Ticket, Ticket.conversation_id == Conversation.id)
                 .join(Contact, Contact.id == Conversation.contact_id).join(Account, Account.id == Conversation.account_id)
                 .where(*conds))
    rows, total = fetch_page(db, query, count, page=page, page_size=page_size)
    return [_item(r, unread=engine.unread_for_staff(r), account_name=r.account_name) for r in rows], total


def staff_unread_count(db: Session) -> int:
    """Tickets not closed with a customer entry staff have not read (the console's navigation badge)."""
    return db.exec(select(func.count()).select_from(Conversation).where(
        Conversation.kind == KIND, Conversation.status.not_in(settings.CLOSED_STATUSES),
        engine.UNREAD_BY_STAFF)).one()


def staff_choices(db: Session) -> list[tuple[int, str]]:
    """Active staff members, for assignment."""
    rows = db.exec(select(StaffUser.id, StaffUser.name, StaffUser.email).where(StaffUser.active.is_(True))
                   .order_by(StaffUser.name, StaffUser.email).limit(200)).all()
    return [(sid, name or email) for sid, name, email in rows]


def read_as_staff(db: Session, staff: StaffContext, conversation_id: int) -> TicketDetail:
    conv = engine.for_staff(db, conversation_id, KIND)
    ticket = _ticket_of(db, conv)
    engine.mark_read(db, conv, SIDE_STAFF)
    return TicketDetail(conv, ticket, engine.entries(db, conv.id, side=SIDE_STAFF))


def reply_as_staff(db: Session, staff: StaffContext, conversation_id: int, body: str, *,
                   internal: bool = False) -> list[notify.Delivery]:
    """A public reply (the contact gets an email in their language and a notice) or an internal note
    (customers never see it, nor its files; nobody is told)."""
    conv = engine.for_staff(db, conversation_id, KIND)
    ticket = _ticket_of(db, conv)
    text = engine.clean_body(body)
    _, files = engine.add_entry(db, conv, Author.staff(staff), text, internal=internal)
    cfg = settings.config(db)
    if not internal and conv.status == cfg.initial_status and conv.status != settings.OPEN:
        conv.status = settings.OPEN  # answered: no longer new
        db.add(conv)
        db.flush()
    audit.record(db, staff.actor, "ticket.staff_note" if internal else "ticket.staff_reply",
                 target_type="conversation", target_id=conv.id, account_id=conv.account_id, attachments=files)
    if internal:
        return []
    return engine.notify_contact(db, conv, template="ticket_reply", notice_key="notification.ticket_reply",
                                 link=f"/tickets/view?id={conv.id}", text=text, reply_to=reply_address(conv.id))


NO_CHANGE = object()


def update_ticket(db: Session, staff: StaffContext, conversation_id: int, *, status: str | None = None,
                  priority: str | None = None, type: str | None = None, billed: bool | None = None,
                  assignee_staff_id=NO_CHANGE, cfg: TicketConfig | None = None) -> tuple[Conversation, Ticket]:
    """Change what staff change on a ticket; every value is checked against the settings."""
    cfg = cfg or settings.config(db)
    conv = engine.for_staff(db, conversation_id, KIND)
    ticket = _ticket_of(db, conv)
    # Every value is checked before anything changes: a refusal is committed with its session.
    if status is not None and status != conv.status and status not in cfg.codes("statuses"):
        raise DomainError("tickets.error.status")
    for name, choices, value in (("priority", "priorities", priority), ("type", "types", type)):
        if value is not None and value != getattr(ticket, name) and value not in cfg.codes(choices):
            raise DomainError(f"tickets.error.{name}")
    if assignee_staff_id is not NO_CHANGE and assignee_staff_id is not None \
            and assignee_staff_id != ticket.assignee_staff_id:
        user = get_or_not_found(db, StaffUser, assignee_staff_id)
        if not user.active:
            raise NotFound()
    changes: dict[str, object] = {}
    if status is not None and status != conv.status:
        _set_status(conv, ticket, status, staff.staff_id)
        changes["status"] = status
    for name, value in (("priority", priority), ("type", type)):
        if value is not None and value != getattr(ticket, name):
            setattr(ticket, name, value)
            changes[name] = value
    if billed is not None and bool(billed) != ticket.billed:
        ticket.billed = changes["billed"] = bool(billed)
    if assignee_staff_id is not NO_CHANGE and assignee_staff_id != ticket.assignee_staff_id:
        ticket.assignee_staff_id = changes["assignee"] = assignee_staff_id
    if changes:
        db.add(conv)
        db.add(ticket)
        db.flush()
        audit.record(db, staff.actor, "ticket.update", target_type="conversation", target_id=conv.id,
                     account_id=conv.account_id, **changes)
    return conv, ticket


def bulk_update(db: Session, staff: StaffContext, conversation_ids: list[int], *, status: str | None = None,
                assignee_staff_id=NO_CHANGE) -> int:
    """The same status or assignee on many tickets at once (at most BULK_MAX); returns how many."""
    ids = list(dict.fromkeys(conversation_ids))
    if not ids:
        raise DomainError("tickets.error.none_selected")
    if len(ids) > BULK_MAX:
        raise DomainError("tickets.error.too_many_selected", max=BULK_MAX)
    cfg = settings.config(db)
    for conversation_id in ids:
        update_ticket(db, staff, conversation_id, status=status, assignee_staff_id=assignee_staff_id, cfg=cfg)
    return len(ids)


def open_attachment_for_staff(db: Session, staff: StaffContext, attachment_id: int):
    return attachments.open_for_staff(db, staff, attachment_id, KIND)


def accounts_with_tickets(db: Session) -> list[tuple[int, str]]:
    """Accounts that have tickets (the queue's account filter)."""
    rows = db.exec(select(Account.id, Account.name).where(
        exists().where(Conversation.account_id == Account.id, Conversation.kind == KIND))
        .order_by(Account.name, Account.id).limit(200)).all()
    return [(aid, name) for aid, name in rows]
