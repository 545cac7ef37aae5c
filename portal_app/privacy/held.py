"""What the portal's core tables hold about a contact, registered as the first personal-data entries:
the export reads them, the erasure anonymises them. Features add their own (`registries.personal_data`)."""

from __future__ import annotations

from sqlmodel import Session, select

from portal_app.core import audit, files, registries
from portal_app.core.auth import sessions
from portal_app.core.conversations.engine import KINDS
from portal_app.core.conversations.models import Conversation, ConversationAttachment, ConversationEntry
from portal_app.core.models.accounts import Account, Contact
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.auth import LoginAttempt, PortalSession
from portal_app.core.models.notify import OutboundMessage
from portal_app.privacy.models import ConsentEvent, ContactChange, PrivacyRequest

ERASED_TEXT = "—"
AUDIT_ROWS_EXPORTED = 1000


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _contact(db: Session, c: Contact):
    account = db.get(Account, c.account_id)
    return {"first_name": c.first_name, "last_name": c.last_name, "email": c.email, "mobile": c.mobile,
            "language": c.language, "active": c.active, "portal_access": c.portal_access, "role": c.portal_role,
            "rights": list(c.rights or ()), "created_at": _iso(c.created_at), "last_login_at": _iso(c.last_login_at),
            "invited_at": _iso(c.invited_at), "account": {"name": account.name, "number": account.number}}, []


def _activity(db: Session, c: Contact):
    logins = db.exec(select(LoginAttempt).where(LoginAttempt.contact_id == c.id)
                     .order_by(LoginAttempt.id.desc()).limit(AUDIT_ROWS_EXPORTED)).all()
    portal = db.exec(select(PortalSession).where(PortalSession.contact_id == c.id)
                     .order_by(PortalSession.id.desc()).limit(AUDIT_ROWS_EXPORTED)).all()
    messages = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == c.id)
                       .order_by(OutboundMessage.id.desc()).limit(AUDIT_ROWS_EXPORTED)).all()
    return {
        "login_attempts": [{"at": _iso(a.created_at), "kind": a.kind, "outcome": a.outcome, "ip": a.client_ip}
                           for a in logins],
        "sessions": [{"opened_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at),
                      "ended_at": _iso(s.revoked_at), "by_staff": s.impersonator_staff_id is not None,
                      "ip": s.client_ip} for s in portal],
        # A code message's text is not exported: its code is spent, and the subject says what it was.
        "messages_sent_to_you": [{"at": _iso(m.created_at), "channel": m.channel, "to": m.recipient,
                                  "subject": m.subject, "status": m.status} for m in messages],
    }, []


def _conversations(db: Session, c: Contact):
    mine = db.exec(select(Conversation).where(Conversation.contact_id == c.id).order_by(Conversation.id)).all()
    entries = db.exec(select(ConversationEntry).where(ConversationEntry.author_contact_id == c.id)
                      .order_by(ConversationEntry.id)).all()
    attached = db.exec(select(ConversationAttachment).where(ConversationAttachment.contact_id == c.id)
                       .order_by(ConversationAttachment.id)).all()
    data = {"opened": [{"kind": v.kind, "subject": v.subject, "status": v.status, "at": _iso(v.created_at)}
                       for v in mine],
            "written": [{"conversation": e.conversation_id, "at": _iso(e.created_at), "text": e.body}
                        for e in entries],
            "files": [{"title": a.title, "at": _iso(a.created_at), "size_bytes": a.size_bytes} for a in attached]}
    return data, [(_attachment_area(db, a), a.stored_name, a.title) for a in attached]


def _attachment_area(db: Session, a: ConversationAttachment) -> str:
    conversation = db.get(Conversation, a.conversation_id) if a.conversation_id else None
    kind = KINDS.get(conversation.kind if conversation else a.draft_kind)
    return kind.area if kind else "messages"


def _privacy(db: Session, c: Contact):
    from portal_app.privacy.consents import history_of

    requests = db.exec(select(PrivacyRequest).where(PrivacyRequest.contact_id == c.id)
                       .order_by(PrivacyRequest.id)).all()
    return {"consents": [{"purpose": h.names, "granted": h.granted, "at": _iso(h.at)}
                         for h in history_of(db, c.id, limit=AUDIT_ROWS_EXPORTED)],
            "requests": [{"kind": r.kind, "status": r.status, "received_at": _iso(r.received_at),
                          "due_at": _iso(r.due_at)} for r in requests]}, []


def _erase_core(db: Session, c: Contact, actor: audit.Actor) -> None:
    old_email = c.email
    sessions.revoke_contact_sessions(db, c.id, "erased")
    for entry in db.exec(select(ConversationEntry).where(ConversationEntry.author_contact_id == c.id)).all():
        entry.body, entry.author_name = ERASED_TEXT, ""
        db.add(entry)
    for conversation in db.exec(select(Conversation).where(Conversation.contact_id == c.id)).all():
        conversation.subject = ERASED_TEXT
        db.add(conversation)
    for a in db.exec(select(ConversationAttachment).where(ConversationAttachment.contact_id == c.id)).all():
        files.remove_after_commit(db, _attachment_area(db, a), a.stored_name)
        a.title = ERASED_TEXT
        db.add(a)
    for row in db.exec(select(LoginAttempt).where((LoginAttempt.contact_id == c.id)
                                                  | (LoginAttempt.email == old_email))).all():
        row.email = ""
        db.add(row)
    for m in db.exec(select(OutboundMessage).where((OutboundMessage.contact_id == c.id)
                                                   | (OutboundMessage.recipient == old_email))).all():
        m.recipient, m.subject, m.body_text, m.body_html, m.sealed = ERASED_TEXT, "", "", "", ""
        db.add(m)
    for e in db.exec(select(AuditEvent).where(AuditEvent.actor_label == old_email)).all():
        e.actor_label = ERASED_TEXT
        db.add(e)
    for row in db.exec(select(ConsentEvent).where(ConsentEvent.contact_id == c.id)).all():
        db.delete(row)
    for row in db.exec(select(ContactChange).where(ContactChange.contact_id == c.id)).all():
        db.delete(row)
    for row in db.exec(select(PrivacyRequest).where(PrivacyRequest.contact_id == c.id,
                                                    PrivacyRequest.stored_name.is_not(None))).all():
        files.remove_after_commit(db, "privacy", row.stored_name)
        row.stored_name = None
        db.add(row)
    c.first_name, c.last_name, c.mobile = "", "", None
    c.email = f"erased-{c.id}@erased.invalid"
    c.active, c.portal_access, c.rights = False, False, []
    db.add(c)
    db.flush()


registries.personal_data(registries.PersonalData("contact", _contact, _erase_core))
registries.personal_data(registries.PersonalData("activity", _activity))
registries.personal_data(registries.PersonalData("conversations", _conversations))
registries.personal_data(registries.PersonalData("privacy", _privacy))
