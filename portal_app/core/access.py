"""Why a contact can or cannot log in, and their invitation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal_app.core.models.accounts import Account, Contact
from portal_app.core import audit, clock, notify
from portal_app.core.accounts import get_contact
from portal_app.core.business import branding
from portal_app.core.i18n import format_datetime, t
from portal_app.core.auth import passkeys, totp
from portal_app.core.auth.login import recent_attempts
from portal_app.core.notify.receipts import explain


@dataclass(frozen=True)
class Check:
    key: str  # catalogue key of the check's name
    ok: bool
    detail: str = ""


@dataclass
class Diagnosis:
    contact_id: int
    email: str
    can_log_in: bool
    checks: list[Check]
    messages: list[dict]
    attempts: list[dict]
    email_failing: str = ""  # the mark's reason in plain words ("" when not marked)
    mobile_failing: str = ""


def reason(m, lang: str) -> str:
    """A message's fate in plain words: the provider's report, else the dispatcher's status."""
    return explain(m.channel, m.status, m.provider_reason or m.error, m.provider_code, lang)


def answer(m) -> str:
    """What the provider itself said (its code and words), or the dispatcher's last error."""
    return " ".join(x for x in (m.provider_code, m.provider_reason) if x) or m.error


DELIVERED_OR_PENDING = ("queued", "sending", "sent", "delivered", "deferred")


def diagnose(db: Session, contact_id: int, lang: str = "en") -> Diagnosis:
    """The troubleshooting checklist, computed from data, in the order staff would check it."""
    contact = get_contact(db, contact_id)
    account = db.get(Account, contact.account_id)
    msgs, _ = notify.list_messages(db, contact_id=contact.id, page_size=10)
    attempts = recent_attempts(db, email=contact.email, contact_id=contact.id, limit=10)
    last_code = next((m for m in msgs if m.template == "login_code"), None)
    checks = [
        Check("diagnose.contact_active", contact.active),
        Check("diagnose.portal_access", contact.portal_access),
        Check("diagnose.account_active", bool(account and account.active), account.name if account else ""),
        Check("diagnose.exact_email", True, contact.email),
        Check("diagnose.email_working", contact.email_failing_at is None, contact.email_failing_reason),
        Check("diagnose.mobile", bool(contact.mobile), contact.mobile or ""),
        *([Check("diagnose.mobile_working", contact.mobile_failing_at is None, contact.mobile_failing_reason)]
          if contact.mobile else []),
        Check("diagnose.last_code_delivered", last_code is None or last_code.status in DELIVERED_OR_PENDING,
              "" if last_code is None else f"{last_code.channel}: {reason(last_code, lang)}"
              + (f" ({raw})" if (raw := answer(last_code)) else "")),
    ]
    n_passkeys = passkeys.count(db, contact.id)
    passkeys_locked = n_passkeys > 0 and passkeys.locked(db, contact.id)
    checks.append(Check("diagnose.passkeys", n_passkeys > 0 and not passkeys_locked,
                        t(lang, "diagnose.passkeys_locked" if passkeys_locked else "diagnose.passkeys_count",
                          count=n_passkeys)))
    required = totp.required_for(db, contact)
    totp_locked = contact.totp_enabled and \
        totp.failures_last_hour(db, contact.id) >= totp.MAX_FAILURES_PER_CONTACT_PER_HOUR
    totp_state = ("totp_locked" if totp_locked else "totp_on") if contact.totp_enabled else \
        ("totp_missing" if required else "totp_off")
    checks.append(Check("diagnose.totp", totp_state in ("totp_on", "totp_off"), t(lang, f"diagnose.{totp_state}")))
    checks.append(_password_check(db, contact, lang))
    # A required app not set up refuses the code and the password: only a usable passkey lets them in.
    can = contact.active and contact.portal_access and bool(account and account.active) and \
        (totp_state != "totp_missing" or (n_passkeys > 0 and not passkeys_locked))
    return Diagnosis(
        contact_id=contact.id, email=contact.email, can_log_in=can, checks=checks,
        messages=[{"when": format_datetime(m.created_at, lang), "channel": m.channel, "to": m.recipient,
                   "template": m.template, "status": m.status, "error": m.error, "reason": reason(m, lang),
                   "provider": answer(m)} for m in msgs],
        attempts=[{"when": format_datetime(a.created_at, lang), "kind": a.kind, "outcome": a.outcome,
                   "ip": a.client_ip} for a in attempts],
        email_failing=contact.email_failing_reason if contact.email_failing_at else "",
        mobile_failing=contact.mobile_failing_reason if contact.mobile_failing_at else "",
    )


def _password_check(db: Session, contact: Contact, lang: str) -> Check:
    """Password login: offered by the business? set? locked by wrong tries?"""
    from portal_app.core.auth import passwords
    from portal_app.core.models.auth import LoginAttempt
    from sqlmodel import func, select

    if not passwords.enabled(db):
        return Check("diagnose.password", True, t(lang, "diagnose.password_off"))
    if not contact.password_hash:
        return Check("diagnose.password", False, t(lang, "diagnose.password_unset"))
    wrong = db.exec(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.contact_id == contact.id, LoginAttempt.kind == passwords.LOGIN_KIND,
        LoginAttempt.outcome == "wrong", LoginAttempt.created_at > clock.now() - passwords.HOUR)).one()
    locked = wrong >= passwords.MAX_FAILURES_PER_CONTACT_PER_HOUR
    return Check("diagnose.password", not locked, t(lang, "diagnose.password_locked" if locked else "diagnose.password_set"))


def render_invitation(db: Session, contact: Contact) -> notify.Rendered:
    brand = branding(db)
    return notify.render_email("invitation", contact.language, brand, link=notify.portal_url("/login"),
                               name=contact.first_name or contact.full_name, email=contact.email)


def preview_invitation(db: Session, contact_id: int) -> notify.Rendered:
    return render_invitation(db, get_contact(db, contact_id))


def send_invitation(db: Session, actor: audit.Actor, contact_id: int) -> list[notify.Delivery]:
    """Queue the invitation email; the caller dispatches after commit."""
    contact = get_contact(db, contact_id)
    mail = render_invitation(db, contact)
    delivery = notify.queue_email(db, to=contact.email, template="invitation", language=contact.language,
                                  rendered=mail, sender_name=branding(db).sender_name, contact_id=contact.id,
                                  account_id=contact.account_id)
    contact.invited_at = clock.now()
    db.add(contact)
    audit.record(db, actor, "contact.invite", target_type="contact", target_id=contact.id,
                 account_id=contact.account_id)
    return [delivery]


def needs_access_email(contact: Contact) -> bool:
    """Whether a contact still lacks a way in: no portal access, or never sent the access email and never
    logged in. Granting such a contact a right is when the console offers "Give access"."""
    return not contact.portal_access or (contact.invited_at is None and contact.last_login_at is None)


def give_access(db: Session, actor: audit.Actor, contact_id: int) -> list[notify.Delivery]:
    """"Give access": portal access on (recorded when it was off), then the access email. The explicit act
    of the console's offer and of a customer administrator's "resend access"; the caller dispatches."""
    contact = get_contact(db, contact_id)
    if not contact.portal_access:
        contact.portal_access = True
        db.add(contact)
        audit.record(db, actor, "contact.access_given", target_type="contact", target_id=contact.id,
                     account_id=contact.account_id)
    return send_invitation(db, actor, contact.id)
