"""Email into tickets (SendGrid Inbound Parse, see ticket_routes): a reply lands in its ticket, found from
the signed reply-to address the ticket's emails carry (never from the subject); a new email from a known
contact opens a ticket; from an unknown sender whose domain belongs to one account, it creates a contact
on that account without portal access, then a ticket; anything else waits for staff."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from portal_app.core import accounts, audit, clock, notify
from portal_app.core.accounts import effective_rights
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.auth.staff import StaffContext
from portal_app.core.business import business_view
from portal_app.core.config import get_settings
from portal_app.core.conversations import engine
from portal_app.core.db import fetch_page, get_or_not_found
from portal_app.core.errors import DomainError, Forbidden, NotFound
from portal_app.core.models.accounts import Account, Contact
from portal_app.helpdesk import ticket_rules as rules, ticket_settings as settings
from portal_app.helpdesk.ticket_mail import REFERENCE, thread_reference
from portal_app.helpdesk.ticket_models import INBOUND_DISCARDED, KIND, INBOUND_DONE, INBOUND_PENDING, InboundMail

_QUOTE_START = re.compile(r"^(On .{3,200} wrote:|Le .{3,200} a écrit ?:|Am .{3,200} schrieb .{0,200}:|"
                          r"-{2,} ?Original Message ?-{2,}|From: .+)$", re.IGNORECASE)
PENDING_PAGE_SIZE = 20


# ---- receiving -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    outcome: str  # reply | ticket | new_contact | pending | ignored
    conversation_id: int | None = None
    inbound_id: int | None = None


def acting_by_email(db: Session, contact: Contact) -> PortalContext:
    """A contact writing by email acts as they would in the portal (their rights, the business's modules),
    with or without portal access."""
    account = db.get(Account, contact.account_id)
    offered = business_view(db).modules
    return PortalContext(session_id=0, contact_id=contact.id, account_id=account.id, contact_name=contact.full_name,
                         first_name=contact.first_name, email=contact.email, account_name=account.name,
                         language=contact.language, role=contact.portal_role,
                         rights=tuple(m for m in effective_rights(contact) if m in offered), offered=offered)


def fresh_text(text: str) -> str:
    """The new part of an email: what comes before the quoted conversation."""
    kept = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if line.startswith(">") or _QUOTE_START.match(line.strip()):
            break
        kept.append(line)
    return "\n".join(kept).strip()[:engine.BODY_MAX]


def _domain_accounts(db: Session, domain: str) -> list[Account]:
    """Active accounts that list `domain` among their email domains (comma, semicolon or space separated)."""
    candidates = db.exec(select(Account).where(Account.active.is_(True), Account.domains.contains(domain))
                         .limit(20)).all()
    return [a for a in candidates
            if domain in {d.strip().lstrip("@").lower() for d in re.split(r"[,;\s]+", a.domains or "") if d.strip()}]


def _wait(db: Session, sender: str, name: str, subject: str, text: str, reason: str) -> Received:
    row = InboundMail(sender=sender, sender_name=name[:200], subject=subject[:200], body=text, reason=reason,
                      received_at=clock.now())
    db.add(row)
    db.flush()
    audit.record(db, audit.SYSTEM, "ticket.inbound_waiting", target_type="inbound_mail", target_id=row.id,
                 reason=reason)
    return Received("pending", inbound_id=row.id)


def receive(db: Session, *, sender: str, recipients: str, subject: str, text: str,
            headers: str = "") -> tuple[Received, list[notify.Delivery]]:
    """One email to the support address (already authenticated as coming from the webhook)."""
    name, address = parseaddr(sender or "")
    try:
        address = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return Received("ignored"), []
    own = {get_settings().inbound_address, get_settings().email_from.lower()}
    if address in own or "auto-submitted: auto-" in (headers or "").lower():
        return Received("ignored"), []  # our own mail or an automatic answer: no loops
    subject = " ".join((subject or "").split())[:200] or "(no subject)"
    body = fresh_text(text) or subject
    contact = db.exec(select(Contact).where(Contact.email == address, Contact.active.is_(True))).first()
    conversation_id = thread_reference(recipients)
    if conversation_id is not None:
        if contact is None:
            return _wait(db, address, name, subject, body, "not_a_reader"), []
        ctx = acting_by_email(db, contact)
        try:
            deliveries = rules.reply_as_contact(db, ctx, conversation_id, body)
        except DomainError:  # another account's ticket, a colleague's, a billed or closed one
            return _wait(db, address, name, subject, body, "not_a_reader"), []
        return Received("reply", conversation_id=conversation_id), deliveries
    if REFERENCE.search((recipients or "").lower()):
        return _wait(db, address, name, subject, body, "bad_reference"), []
    if not _tickets_offered(db):  # no ticket can be opened: the mail waits for staff, and no contact is made
        return _wait(db, address, name, subject, body, "not_a_reader"), []
    outcome = "ticket"
    if contact is None:
        domain = address.rsplit("@", 1)[1]
        matches = _domain_accounts(db, domain)
        if len(matches) != 1:
            return _wait(db, address, name, subject, body, "unknown_domain" if not matches else "many_accounts"), []
        contact = _new_contact(db, matches[0].id, address, name, audit.SYSTEM)
        outcome = "new_contact"
    return _open_from_mail(db, contact, subject, body, outcome)


def _tickets_offered(db: Session) -> bool:
    return engine.KINDS[KIND].module in business_view(db).modules


def _new_contact(db: Session, account_id: int, address: str, name: str, actor: audit.Actor) -> Contact:
    first, _, last = (name or "").strip().partition(" ")
    return accounts.save_contact(db, actor, accounts.ContactInput(
        account_id=account_id, email=address, first_name=first[:100], last_name=last[:100],
        language=business_view(db).default_language, portal_access=False))


def _open_from_mail(db: Session, contact: Contact, subject: str, body: str,
                    outcome: str) -> tuple[Received, list[notify.Delivery]]:
    cfg = settings.config(db)
    priorities = cfg.codes("priorities")
    conv, _, deliveries = rules.open_ticket(db, acting_by_email(db, contact), title=subject, type=cfg.codes("types")[0],
                                            priority="normal" if "normal" in priorities else priorities[0], body=body)
    return Received(outcome, conversation_id=conv.id), deliveries


# ---- staff: what waits -----------------------------------------------------------------------------------


def pending(db: Session, *, page: int = 1) -> tuple[list[InboundMail], int]:
    from sqlmodel import func

    conds = [InboundMail.status == INBOUND_PENDING]
    return fetch_page(db, select(InboundMail).where(*conds).order_by(InboundMail.received_at.desc(), InboundMail.id.desc()),
                      select(func.count()).select_from(InboundMail).where(*conds), page=page,
                      page_size=PENDING_PAGE_SIZE)


def _pending_row(db: Session, mail_id: int) -> InboundMail:
    row = get_or_not_found(db, InboundMail, mail_id)
    if row.status != INBOUND_PENDING:
        raise NotFound()
    return row


def accept(db: Session, staff: StaffContext, mail_id: int, account_id: int) -> tuple[int, list[notify.Delivery]]:
    """Staff put a waiting email on an account: its sender's contact there (made without portal access when
    new), and a ticket. Returns the ticket's conversation id."""
    row = _pending_row(db, mail_id)
    account = get_or_not_found(db, Account, account_id)
    contact = db.exec(select(Contact).where(Contact.email == row.sender)).first()
    if contact is not None and contact.account_id != account.id:
        raise DomainError("tickets.error.sender_elsewhere")
    if not _tickets_offered(db):  # refused before the contact is made: a refusal is committed with its session
        raise Forbidden()
    if contact is None:
        contact = _new_contact(db, account.id, row.sender, row.sender_name, staff.actor)
    received, deliveries = _open_from_mail(db, contact, row.subject, row.body, "ticket")
    row.status, row.handled_at, row.handled_by_staff_id = INBOUND_DONE, clock.now(), staff.staff_id
    row.conversation_id = received.conversation_id
    db.add(row)
    db.flush()
    audit.record(db, staff.actor, "ticket.inbound_accepted", target_type="inbound_mail", target_id=row.id,
                 account_id=account.id)
    return received.conversation_id, deliveries


def discard(db: Session, staff: StaffContext, mail_id: int) -> None:
    row = _pending_row(db, mail_id)
    row.status, row.handled_at, row.handled_by_staff_id = INBOUND_DISCARDED, clock.now(), staff.staff_id
    db.add(row)
    db.flush()
    audit.record(db, staff.actor, "ticket.inbound_discarded", target_type="inbound_mail", target_id=row.id)




def account_choices(db: Session) -> list[tuple[int, str]]:
    """Active accounts a waiting email may be put on."""
    rows = db.exec(select(Account.id, Account.name, Account.number).where(Account.active.is_(True))
                   .order_by(Account.name, Account.id).limit(500)).all()
    return [(aid, f"{name} ({number})") for aid, name, number in rows]
