"""The contact's own data in the GDPR space: what is held, name and language, and a change of email or
mobile confirmed by a code sent to the new address or number (which then ends the other sessions).

The code follows the login code's numbers (core/auth/login.py): same length, lifetime, tries, resend
wait and hourly cap, hashed with the server secret like every code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, func, select

from portal_app.core import audit, clock, i18n, notify
from portal_app.core.accounts import check_email, check_mobile
from portal_app.core.auth import sessions
from portal_app.core.auth.login import (CODE_TTL_SECONDS, HOUR, MAX_CODE_ATTEMPTS, MAX_CODES_PER_CONTACT_PER_HOUR,
                                        RESEND_COOLDOWN_SECONDS)
from portal_app.core.auth.sessions import PortalContext, require_module
from portal_app.core.business import branding, business_view
from portal_app.core.errors import DomainError
from portal_app.core.models.accounts import Account, Contact
from portal_app.core.security import hashes_equal, hmac_hash, new_code, only_ascii_digits
from portal_app.privacy.models import ContactChange

NAME_MAX_CHARS = 100
CODE_PURPOSE = "contact-change-code"
WHATS = ("email", "mobile")


@dataclass(frozen=True)
class PersonalData:
    first_name: str
    last_name: str
    email: str
    mobile: str
    language: str
    role: str
    rights: tuple[str, ...]
    account_name: str
    account_number: str
    created_at: object
    last_login_at: object


def _contact(db: Session, ctx: PortalContext) -> Contact:
    require_module(ctx, "gdpr")
    return db.get(Contact, ctx.contact_id)


def personal_data(db: Session, ctx: PortalContext) -> PersonalData:
    c = _contact(db, ctx)
    account = db.get(Account, c.account_id)
    return PersonalData(c.first_name, c.last_name, c.email, c.mobile or "", c.language, c.portal_role,
                        tuple(c.rights or ()), account.name, account.number, c.created_at, c.last_login_at)


def update_profile(db: Session, ctx: PortalContext, *, first_name: str, last_name: str, language: str) -> Contact:
    """Name and language, the two things a contact edits directly."""
    c = _contact(db, ctx)
    first, last = first_name.strip()[:NAME_MAX_CHARS], last_name.strip()[:NAME_MAX_CHARS]
    if not (first or last):
        raise DomainError("privacy.error.name_required")
    if language not in business_view(db).languages:
        raise DomainError("privacy.error.language")
    c.first_name, c.last_name, c.language = first, last, language
    db.add(c)
    audit.record(db, audit.portal_actor(ctx), "privacy.profile_saved", target_type="contact", target_id=c.id,
                 account_id=c.account_id)
    return c


def _code_hash(change_id: int, code: str) -> str:
    return hmac_hash(f"{change_id}:{code}", CODE_PURPOSE)


def start_change(db: Session, ctx: PortalContext, what: str, raw_value: str) -> tuple[ContactChange, list]:
    """Send a code to the new address or number; returns the pending change and the deliveries to dispatch
    after the commit. Whether the address belongs to someone else is only said after the code (so a
    contact cannot probe which addresses are known)."""
    c = _contact(db, ctx)
    if what not in WHATS:
        raise DomainError("error.not_found")
    value = check_email(raw_value) if what == "email" else check_mobile(raw_value)
    if not value:
        raise DomainError("contact.error.mobile_invalid")
    if value == (c.email if what == "email" else c.mobile):
        raise DomainError("privacy.error.same_value")
    now = clock.now()
    recent = db.exec(select(ContactChange).where(ContactChange.contact_id == c.id,
                                                 ContactChange.created_at > now - HOUR)
                     .order_by(ContactChange.id.desc())).all()
    if recent and recent[0].created_at > now - timedelta(seconds=RESEND_COOLDOWN_SECONDS):
        raise DomainError("privacy.error.wait")
    if len(recent) >= MAX_CODES_PER_CONTACT_PER_HOUR:
        raise DomainError("login.error.too_many_codes")
    for old in recent:  # one pending change at a time
        if old.used_at is None:
            old.used_at = now
            db.add(old)
    change = ContactChange(contact_id=c.id, what=what, new_value=value, code_hash="", created_at=now,
                           expires_at=now + timedelta(seconds=CODE_TTL_SECONDS))
    db.add(change)
    db.flush()
    code = new_code()
    change.code_hash = _code_hash(change.id, code)
    db.add(change)
    brand = branding(db)
    minutes = CODE_TTL_SECONDS // 60
    common = dict(template="contact_change_code", language=c.language, sender_name=brand.sender_name,
                  sensitive=True, redact=(code,), contact_id=c.id, account_id=c.account_id)
    if what == "email":
        mail = notify.render_email("contact_change_code", c.language, brand, code=code, minutes=minutes)
        delivery = notify.queue_email(db, to=value, rendered=mail, **common)
    else:
        text = notify.render_sms("contact_change_code", c.language, brand, code=code, minutes=minutes)
        delivery = notify.queue_sms(db, to=value, text=text, **common)
    audit.record(db, audit.portal_actor(ctx), f"privacy.{what}_change_started", target_type="contact",
                 target_id=c.id, account_id=c.account_id)
    return change, [delivery]


def pending_change(db: Session, ctx: PortalContext) -> ContactChange | None:
    row = db.exec(select(ContactChange).where(ContactChange.contact_id == ctx.contact_id,
                                              ContactChange.used_at.is_(None))
                  .order_by(ContactChange.id.desc())).first()
    return row if row is not None and row.expires_at > clock.now() else None


def confirm_change(db: Session, ctx: PortalContext, typed_code: str) -> Contact:
    """The code sent to the new address or number: right, the change is made and every other session of
    the contact ends; wrong, one of the tries is used (five end the change)."""
    c = _contact(db, ctx)
    change = pending_change(db, ctx)
    if change is None:
        raise DomainError("privacy.error.no_change")
    code = only_ascii_digits(typed_code)
    if not hashes_equal(change.code_hash, _code_hash(change.id, code)):
        change.attempts += 1
        if change.attempts >= MAX_CODE_ATTEMPTS:
            change.used_at = clock.now()
        db.add(change)
        # a wrong try counts: the handler commits what a refusal recorded
        raise DomainError("login.error.wrong_code")
    change.used_at = clock.now()
    db.add(change)
    if change.what == "email":
        taken = db.exec(select(func.count()).select_from(Contact).where(Contact.email == change.new_value,
                                                                        Contact.id != c.id)).one()
        if taken:  # the code is used up; the address stays as it was
            raise DomainError("privacy.error.email_unavailable")
        old, c.email = c.email, change.new_value
    else:
        old, c.mobile = c.mobile, change.new_value
    db.add(c)
    ended = sessions.revoke_other_sessions(db, c.id, ctx.session_id, f"{change.what}_changed")
    audit.record(db, audit.portal_actor(ctx), f"privacy.{change.what}_changed", target_type="contact",
                 target_id=c.id, account_id=c.account_id, sessions_ended=ended, old=_mask(old or ""))
    return c


def _mask(value: str) -> str:
    """Enough of an old address for the audit log to be read, not enough to harvest it."""
    return value[:2] + "…" if value else ""


def language_names(db: Session) -> list[tuple[str, str]]:
    return [(code, i18n.LANGUAGE_NAMES.get(code, code)) for code in business_view(db).languages]
