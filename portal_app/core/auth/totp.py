"""Customer TOTP (an authenticator app) as the second step after the login code, with recovery codes.

Optional per contact, or required by the business for account administrators or for everyone
(`BusinessSettings.customer_totp`). The secret is encrypted at rest like the staff one and never enters
Reflex state: the QR code and the key in text come from routes that check the portal session
(core/routes.py). Recovery codes are shown once and stored as HMACs.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import pyotp
from sqlmodel import Session, func, select

from portal_app.core import audit, clock
from portal_app.core.auth.sessions import PortalContext, refuse_when_impersonating
from portal_app.core.business import business_view
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import ROLE_ADMIN, Contact
from portal_app.core.models.auth import LoginAttempt, RecoveryCode
from portal_app.core.security import decrypt_secret, encrypt_secret, hashes_equal, hmac_hash, only_ascii_digits

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_CODE_CHARS = 10  # shown as two groups of five
MAX_FAILURES_PER_CONTACT_PER_HOUR = 10
ISSUER = "Guichet"
KIND = "totp_verify"
HOUR = timedelta(hours=1)


def required_for(db: Session, contact: Contact) -> bool:
    """Does the business require an authenticator app of this contact?"""
    rule = business_view(db).customer_totp
    return rule == "all" or (rule == "admins" and contact.portal_role == ROLE_ADMIN)


def second_factor_due(db: Session, contact: Contact) -> bool:
    return contact.totp_enabled or required_for(db, contact)


# ---- enrolment (the contact, never an impersonation) ----

def start_enrolment(db: Session, ctx: PortalContext) -> None:
    """A fresh pending secret (kept encrypted) for a contact without TOTP; the QR route shows it."""
    refuse_when_impersonating(ctx, "totp")
    contact = db.get(Contact, ctx.contact_id)
    if contact.totp_enabled:
        raise DomainError("totp.error.already_on")
    contact.totp_secret_enc = encrypt_secret(pyotp.random_base32())
    db.add(contact)
    db.flush()


def enrolment_uri(db: Session, ctx: PortalContext | None) -> str | None:
    """The otpauth:// URI of a pending enrolment of the session's contact; None otherwise."""
    if ctx is None or ctx.impersonating:
        return None
    contact = db.get(Contact, ctx.contact_id)
    if contact is None or contact.totp_enabled or not contact.totp_secret_enc:
        return None
    return pyotp.TOTP(decrypt_secret(contact.totp_secret_enc)).provisioning_uri(
        name=contact.email, issuer_name=business_view(db).name or ISSUER)


def _matching_step(contact: Contact, typed: str) -> int | None:
    """The time step of a right code (one step of drift either way) not used before; else None."""
    if not contact.totp_secret_enc or len(typed) != 6:
        return None
    totp = pyotp.TOTP(decrypt_secret(contact.totp_secret_enc))
    now = clock.now()
    for offset in (-1, 0, 1):
        at = now + timedelta(seconds=30 * offset)
        if hashes_equal(totp.at(at), typed):
            step = totp.timecode(at)
            return step if step > contact.last_totp_step else None
    return None


def _new_recovery_codes(db: Session, contact: Contact) -> list[str]:
    for old in db.exec(select(RecoveryCode).where(RecoveryCode.contact_id == contact.id)).all():
        db.delete(old)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_CHARS))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(RecoveryCode(contact_id=contact.id, code_hash=_recovery_hash(contact.id, raw), created_at=clock.now()))
    db.flush()
    return codes


def _recovery_hash(contact_id: int, raw: str) -> str:
    return hmac_hash(f"{contact_id}:{raw}", "totp-recovery")


def confirm_enrolment(db: Session, ctx: PortalContext, code: str) -> list[str]:
    """The first right code switches TOTP on; returns the recovery codes, shown once."""
    refuse_when_impersonating(ctx, "totp")
    contact = db.get(Contact, ctx.contact_id)
    if contact.totp_enabled or not contact.totp_secret_enc:
        raise DomainError("totp.error.no_enrolment")
    step = _matching_step(contact, only_ascii_digits(code, limit=8))
    if step is None:
        raise DomainError("totp.error.wrong")
    contact.totp_enabled, contact.last_totp_step = True, step
    db.add(contact)
    codes = _new_recovery_codes(db, contact)
    audit.record(db, audit.portal_actor(ctx), "totp.enable", target_type="contact", target_id=contact.id,
                 account_id=contact.account_id)
    return codes


def _switch_off(db: Session, contact: Contact) -> None:
    contact.totp_enabled, contact.totp_secret_enc, contact.last_totp_step = False, None, 0
    db.add(contact)
    for old in db.exec(select(RecoveryCode).where(RecoveryCode.contact_id == contact.id)).all():
        db.delete(old)
    db.flush()


def disable(db: Session, ctx: PortalContext, code: str) -> None:
    """The contact switches TOTP off with a current code (not while the business requires it)."""
    refuse_when_impersonating(ctx, "totp")
    contact = db.get(Contact, ctx.contact_id)
    if not contact.totp_enabled:
        raise DomainError("totp.error.no_enrolment")
    if required_for(db, contact):
        raise DomainError("totp.error.required")
    if _matching_step(contact, only_ascii_digits(code, limit=8)) is None:
        raise DomainError("totp.error.wrong")
    _switch_off(db, contact)
    audit.record(db, audit.portal_actor(ctx), "totp.disable", target_type="contact", target_id=contact.id,
                 account_id=contact.account_id)


def staff_reset(db: Session, actor: audit.Actor, contact_id: int) -> None:
    """Staff switch a contact's TOTP off (a lost phone): the contact enrols again."""
    contact = db.get(Contact, contact_id)
    if contact is None:
        raise NotFound()
    _switch_off(db, contact)
    audit.record(db, actor, "totp.reset", target_type="contact", target_id=contact.id, account_id=contact.account_id)


def recovery_left(db: Session, contact_id: int) -> int:
    return db.exec(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.contact_id == contact_id, RecoveryCode.used_at.is_(None))).one()


# ---- the login's second step ----

def failures_last_hour(db: Session, contact_id: int) -> int:
    return db.exec(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.contact_id == contact_id, LoginAttempt.kind == KIND,
        LoginAttempt.outcome.in_(("wrong_totp", "too_many_tries")), LoginAttempt.created_at > clock.now() - HOUR)).one()


def check_login_code(db: Session, contact: Contact, typed: str) -> str:
    """"ok", "recovery" (a recovery code, now used) or "wrong". Marks the TOTP step as used."""
    digits = only_ascii_digits(typed, limit=8)
    step = _matching_step(contact, digits) if contact.totp_enabled else None
    if step is not None:
        contact.last_totp_step = step
        db.add(contact)
        return "ok"
    raw = "".join(ch for ch in (typed or "").lower() if ch in RECOVERY_ALPHABET)[:RECOVERY_CODE_CHARS]
    if contact.totp_enabled and len(raw) == RECOVERY_CODE_CHARS:
        row = db.exec(select(RecoveryCode).where(RecoveryCode.contact_id == contact.id,
                                                 RecoveryCode.code_hash == _recovery_hash(contact.id, raw),
                                                 RecoveryCode.used_at.is_(None))).first()
        if row is not None:
            row.used_at = clock.now()
            db.add(row)
            return "recovery"
    return "wrong"
