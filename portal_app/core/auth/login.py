"""Customer login by one-time code: SMS when a mobile is on file, else email.

Numbers follow NIST SP 800-63B and OWASP ASVS (docs/security.md lists them). Every request walks the same path
and writes a login-attempt row whether the address is known or not, so neither the answer nor its
shape tells anyone which addresses have access.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, bindparam, case, or_
from sqlmodel import Session, func, select

from portal_app.core.config import get_settings
from portal_app.core.models.accounts import Account, Contact
from portal_app.core.models.auth import LoginAttempt, LoginChallenge
from portal_app.core import audit, clock, notify
from portal_app.core.accounts import check_email, find_login_contact, login_status, may_log_in, normalise_email
from portal_app.core.business import branding, business_view
from portal_app.core.errors import DomainError
from portal_app.core.auth import devices, totp
from portal_app.core.auth.sessions import PortalContext, open_login_session
from portal_app.core.db import hold
from portal_app.core.security import hashes_equal, hmac_hash, new_code, new_token, only_ascii_digits

CODE_TTL_SECONDS = 10 * 60
MAX_CODE_ATTEMPTS = 5
RESEND_COOLDOWN_SECONDS = 30
MAX_CODES_PER_CONTACT_PER_HOUR = 5  # per requesting client address
MAX_CODES_PER_DEVICE_PER_HOUR = 5  # per browser the contact logged in from (device cookie)
HOUR = timedelta(hours=1)
log = logging.getLogger("guichet.login")


@dataclass
class CodeSent:
    """What the login screen needs after a code request; the same shape for every address."""

    challenge_id: str
    resend_after_seconds: int = RESEND_COOLDOWN_SECONDS
    deliveries: list[notify.Delivery] = field(default_factory=list, repr=False)


def _code_hash(challenge_id: str, code: str) -> str:
    return hmac_hash(f"{challenge_id}:{code}", "login-code")


def _attempt(db: Session, *, email: str, contact_id: int | None, ip: str, kind: str, outcome: str,
             device: str = "") -> None:
    db.add(LoginAttempt(created_at=clock.now(), email=email[:254], contact_id=contact_id,
                        client_ip=ip[:45], kind=kind, outcome=outcome, device=device))
    db.flush()


record_attempt = _attempt  # other login methods (passkeys, TOTP) write the same rows


SENDING_KINDS = ("code_request", "resend")
# Rows that did not send (or pretend to send) a code do not count towards the caps. A request held by
# the portal-wide budget does count: its answer on screen was "code sent", like any other.
NOT_SENT = ("ip_limited", "too_many_codes")
SENT = ("sent_sms", "sent_email")
MAX_FAILURES_PER_CONTACT_PER_DAY = 100  # NIST SP 800-63B 5.2.2: at most 100 consecutive failures
BUDGET_ALERT_ACTION = "login.send_budget_crossed"


# Built once, run with bound values: building a statement cost as much as running it.
_SENDS = and_(LoginAttempt.kind.in_(SENDING_KINDS), LoginAttempt.outcome.not_in(NOT_SENT),
              LoginAttempt.created_at > bindparam("since"))
_TO_ADDRESS = or_(LoginAttempt.email == bindparam("email"), LoginAttempt.contact_id == bindparam("contact_id"))
_FROM_IP = LoginAttempt.client_ip == bindparam("ip")


def _sum(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


# A browser the portal does not remember: the hour's sends to browsers it does not remember, counted three
# ways in one statement: from this client address (its cap), from it to this address or contact (their
# budget for it), and sent for real (the portal-wide budget).
_ANONYMOUS_BUDGETS = select(_sum(_FROM_IP), _sum(and_(_FROM_IP, _TO_ADDRESS)), _sum(LoginAttempt.outcome.in_(SENT))) \
    .where(_SENDS, LoginAttempt.device == "")
# A remembered browser: only its own budget for this address or contact.
_DEVICE_BUDGET = select(func.count()).select_from(LoginAttempt) \
    .where(_SENDS, LoginAttempt.device == bindparam("device"), _TO_ADDRESS)


@dataclass(frozen=True)
class _Budgets:
    """Codes sent in the last hour, as each budget counts them (a remembered browser has only its own)."""

    from_ip: int
    to_address: int  # to this address or contact, from this requester (the device, else the client address)
    portal: int


def _budgets(db: Session, email: str, contact_id: int | None, ip: str, device: str) -> _Budgets:
    """Codes sent (or, for unknown addresses, pretended) in the last hour. Counted per send: a resend on an
    old challenge counts as a new one. For the address or contact: from this requester only, the remembered
    browser `device`, else the client address `ip` (an empty address is one client like any other), so
    strangers elsewhere, or without the device cookie, use up their own budget, not the owner's."""
    params = {"since": clock.now() - HOUR, "email": email, "contact_id": contact_id}
    if device:
        return _Budgets(0, db.exec(_DEVICE_BUDGET, params={**params, "device": device}).one(), 0)
    from_ip, to_address, portal = db.exec(_ANONYMOUS_BUDGETS, params={**params, "ip": ip[:45]}).one()
    return _Budgets(from_ip, to_address, portal)


def _check_budgets(db: Session, email: str, contact_id: int | None, ip: str, device: str, kind: str) -> bool:
    """The code request's caps, in order; raises when one is reached. Returns whether the portal-wide budget
    is spent (asked for every address alike: the same query whatever the address).

    Per client address, whatever the email (a browser the portal does not remember): an empty address is
    capped as one client, a request whose address is unknown must not go uncounted. Then this requester's
    budget for the address or contact. Then the portal's hour's worth of codes to browsers it does not
    remember (the caller holds the code back, the screen says "sent" all the same)."""
    sent = _budgets(db, email, contact_id, ip, device)
    if not device and sent.from_ip >= get_settings().login_ip_cap_per_hour:
        _attempt(db, email=email, contact_id=None, ip=ip, kind="code_request", outcome="ip_limited")
        raise DomainError("login.error.too_many_requests")
    cap = MAX_CODES_PER_DEVICE_PER_HOUR if device else MAX_CODES_PER_CONTACT_PER_HOUR
    if sent.to_address >= cap:
        _attempt(db, email=email, contact_id=contact_id, ip=ip, kind=kind, outcome="too_many_codes", device=device)
        raise DomainError("login.error.too_many_codes")
    return not device and sent.portal >= get_settings().login_send_budget_per_hour


def _alert_staff_once(db: Session) -> list[notify.Delivery]:
    """Tell the owners, once per hour, that the portal-wide budget held codes back."""
    from portal_app.core.notify.alerts import alert_owners_once

    return alert_owners_once(
        db, BUDGET_ALERT_ACTION, "login_budget_alert", "/admin/attempts",
        "login codes held back: the portal sent %s codes in the last hour (GUICHET_LOGIN_SEND_BUDGET); "
        "browsers that logged in before still get theirs. Look at Console > Login attempts.",
        budget=get_settings().login_send_budget_per_hour)


_FAILURES = select(func.count()).select_from(LoginAttempt).where(
    LoginAttempt.contact_id == bindparam("contact_id"), LoginAttempt.kind == "code_verify",
    LoginAttempt.outcome.in_(("wrong_code", "too_many_tries")), LoginAttempt.created_at > bindparam("since"))
_DEVICE_FAILURES = _FAILURES.where(LoginAttempt.device == bindparam("device"))


def _failures_last_day(db: Session, contact_id: int, device: str) -> int:
    """Failed codes of the contact in 24 hours; for a challenge a remembered browser started, that
    browser's own failures, so strangers guessing elsewhere do not lock the owner out of it."""
    params = {"contact_id": contact_id, "since": clock.now() - timedelta(days=1)}
    if device:
        return db.exec(_DEVICE_FAILURES, params={**params, "device": device}).one()
    return db.exec(_FAILURES, params=params).one()


def _queue_code(db: Session, contact: Contact, channel: str, code: str) -> list[notify.Delivery]:
    brand = branding(db)
    lang = contact.language
    minutes = CODE_TTL_SECONDS // 60
    mail = notify.render_email("login_code", lang, brand, code=code, minutes=minutes)
    common = dict(template="login_code", language=lang, sender_name=brand.sender_name, sensitive=True,
                  redact=(code,), contact_id=contact.id, account_id=contact.account_id)
    if channel == "sms":
        text = notify.render_sms("login_code", lang, brand, code=code, minutes=minutes)
        return [notify.queue_sms(db, to=contact.mobile, text=text, fallback_email=(contact.email, mail), **common)]
    return [notify.queue_email(db, to=contact.email, rendered=mail, **common)]


def _sms_possible() -> bool:
    return get_settings().sms_provider != "none"


def code_channel(contact: Contact | None, known: bool, *, prefer_email: bool) -> str:
    """SMS when a mobile is on file that is not marked failing, else email. Asking for email is honoured
    unless the email is marked failing (a hard bounce, a drop) and a working mobile is on file."""
    if not known or not contact.mobile or contact.mobile_failing_at is not None or not _sms_possible():
        return "email"
    return "email" if prefer_email and contact.email_failing_at is None else "sms"


def request_code(db: Session, email: str, client_ip: str = "", *, force_email: bool = False,
                 device_cookie: str = "") -> CodeSent:
    """Start a code login. Raises DomainError only for things the person typed or for rate limits.

    `device_cookie`: the browser's device cookie, if any; valid for this contact, it gives the request
    the budget of that browser instead of the client address's."""
    address = normalise_email(email)
    try:
        check_email(address)
    except DomainError:
        raise DomainError("login.error.email_invalid") from None
    contact = find_login_contact(db, address)
    status = may_log_in(db, contact)
    known = status == "ok"
    contact_id = contact.id if contact else None
    device = devices.recognise(contact, device_cookie) if known else ""
    over = _check_budgets(db, address, contact_id, client_ip, device, "code_request")
    held = known and over
    channel = code_channel(contact, known, prefer_email=force_email)
    code, now = new_code(), clock.now()
    challenge_id = new_token()
    db.add(LoginChallenge(public_id=challenge_id, email=address, contact_id=contact_id if known else None,
                          channel=channel, code_hash=_code_hash(challenge_id, code), last_sent_at=now,
                          expires_at=now + timedelta(seconds=CODE_TTL_SECONDS), client_ip=client_ip[:45],
                          device=device, created_at=now))
    _attempt(db, email=address, contact_id=contact_id, ip=client_ip, kind="code_request",
             outcome=_outcome(known, held, channel, status), device=device)
    return CodeSent(challenge_id=challenge_id, deliveries=_deliveries(db, contact, channel, code, known, over))


def _outcome(known: bool, held: bool, channel: str, status: str) -> str:
    return "budget_stopped" if held else f"sent_{channel}" if known else status


def _deliveries(db: Session, contact: Contact | None, channel: str, code: str, known: bool,
                over: bool) -> list[notify.Delivery]:
    """The code for a known contact; over the portal-wide budget, the owners' alert instead (once an hour).
    The screen says "code sent" either way: nothing tells whether the address is known or held back."""
    if over:
        return _alert_staff_once(db)
    if not known:  # the code's email is rendered and written all the same, then dropped: the time does not tell
        notify.rehearse_email(db, template="login_code", language=business_view(db).default_language,
                              brand=branding(db), code=code, minutes=CODE_TTL_SECONDS // 60)
        return []
    return _queue_code(db, contact, channel, code)


# Built once; the challenge's contact and account come with it, held for the event (the caller reads them next).
_CHALLENGE = (select(LoginChallenge, Contact, Account)
              .outerjoin(Contact, Contact.id == LoginChallenge.contact_id)
              .outerjoin(Account, Account.id == Contact.account_id)
              .where(LoginChallenge.public_id == bindparam("public_id")))


def _challenge(db: Session, challenge_id: str) -> LoginChallenge:
    found = db.exec(_CHALLENGE, params={"public_id": challenge_id}).first() if challenge_id else None
    if found is None:
        raise DomainError("login.error.challenge_over")
    row, contact, account = found
    # Held for the event: the caller reads them next, and the device cookie a login gives is signed over
    # the contact (`devices.remember`).
    hold(db, *(r for r in (contact, account) if r is not None))
    if row.ended_at is not None:
        raise DomainError("login.error.too_many_tries" if row.end_reason == "too_many_tries"
                          else "login.error.challenge_over")
    return row


def resend_code(db: Session, challenge_id: str, client_ip: str = "", *, by_email: bool = False,
                device_cookie: str = "") -> CodeSent:
    """A new code for the same challenge: the old one dies, the failure count stays."""
    row = _challenge(db, challenge_id)
    now = clock.now()
    if now - row.created_at > HOUR:  # an old challenge is no loophole around the hourly cap
        raise DomainError("login.error.challenge_over")
    wait = RESEND_COOLDOWN_SECONDS - int((now - row.last_sent_at).total_seconds())
    if wait > 0:
        raise DomainError("login.error.resend_wait", seconds=wait)
    contact = db.get(Contact, row.contact_id) if row.contact_id else None
    known = contact is not None and may_log_in(db, contact) == "ok"
    device = devices.recognise(contact, device_cookie) if known else ""
    over = _check_budgets(db, row.email, row.contact_id, client_ip, device, "resend")
    held = known and over
    channel = code_channel(contact, known, prefer_email=by_email or row.channel == "email")
    code = new_code()
    row.code_hash = _code_hash(row.public_id, code)
    row.codes_sent += 1
    row.channel = channel
    row.last_sent_at = now
    row.expires_at = now + timedelta(seconds=CODE_TTL_SECONDS)
    row.device = device  # whoever asked for the code now is who will type it
    db.add(row)
    _attempt(db, email=row.email, contact_id=row.contact_id, ip=client_ip, kind="resend",
             outcome=_outcome(known, held, channel, "unknown"), device=device)
    return CodeSent(challenge_id=row.public_id, deliveries=_deliveries(db, contact, channel, code, known, over))


def verify_code(db: Session, challenge_id: str, code: str, client_ip: str = "") -> tuple[str, PortalContext | None]:
    """Check a code; on success end the challenge and open a portal session (token, context). When the
    contact's authenticator app is asked next, the challenge stays open for it and ("", None) returns."""
    row = _challenge(db, challenge_id)
    if row.second_factor:
        raise DomainError("login.error.challenge_over")
    now = clock.now()
    typed = only_ascii_digits(code)
    if now >= row.expires_at:
        _attempt(db, email=row.email, contact_id=row.contact_id, ip=client_ip, kind="code_verify", outcome="expired",
                 device=row.device)
        raise DomainError("login.error.code_expired")
    contact = db.get(Contact, row.contact_id) if row.contact_id else None
    matches = hashes_equal(_code_hash(row.public_id, typed), row.code_hash)
    worn_out = contact is not None and \
        _failures_last_day(db, contact.id, row.device) >= MAX_FAILURES_PER_CONTACT_PER_DAY
    status, account = login_status(db, contact)
    if not matches or worn_out or status != "ok":
        _wrong(db, row, client_ip, "code_verify", "wrong_code")
    if not contact.totp_enabled and totp.required_for(db, contact):
        row.ended_at, row.end_reason = now, "totp_missing"
        db.add(row)
        _attempt(db, email=row.email, contact_id=contact.id, ip=client_ip, kind="code_verify", outcome="totp_missing",
                 device=row.device)
        raise DomainError("login.error.totp_required")
    trusted = devices.trusted(db, contact.id, row.device) if contact.totp_enabled else None
    if contact.totp_enabled and trusted is None:
        # The authenticator app next, on the same challenge: a new lifetime and its own tries.
        row.second_factor, row.failed_attempts = "totp", 0
        row.expires_at = now + timedelta(seconds=CODE_TTL_SECONDS)
        db.add(row)
        _attempt(db, email=row.email, contact_id=contact.id, ip=client_ip, kind="code_verify",
                 outcome="second_factor", device=row.device)
        return "", None
    if trusted is not None:
        trusted.last_used_at = now
        db.add(trusted)
    return _open(db, row, contact, account, client_ip, "code_verify", "ok" if trusted is None else "ok_trusted")


def _wrong(db: Session, row: LoginChallenge, client_ip: str, kind: str, outcome: str) -> None:
    """A wrong answer on a challenge: counted, the fifth ends it. Always raises."""
    row.failed_attempts += 1
    if row.failed_attempts >= MAX_CODE_ATTEMPTS:
        row.ended_at, row.end_reason = clock.now(), "too_many_tries"
    db.add(row)
    _attempt(db, email=row.email, contact_id=row.contact_id, ip=client_ip, kind=kind,
             outcome="too_many_tries" if row.ended_at else outcome, device=row.device)
    if row.ended_at:
        raise DomainError("login.error.too_many_tries")
    raise DomainError("login.error.code_wrong", remaining=MAX_CODE_ATTEMPTS - row.failed_attempts)


def _open(db: Session, row: LoginChallenge, contact: Contact, account: Account, client_ip: str, kind: str,
          outcome: str) -> tuple[str, PortalContext]:
    now = clock.now()
    row.ended_at, row.end_reason = now, "used"
    db.add(row)
    contact.last_login_at = now
    db.add(contact)
    _attempt(db, email=row.email, contact_id=contact.id, ip=client_ip, kind=kind, outcome=outcome, device=row.device)
    token, ctx = open_login_session(db, contact, account, client_ip=client_ip)
    audit.record(db, audit.Actor("contact", contact.id, contact.email, client_ip=client_ip), "portal.login",
                 target_type="contact", target_id=contact.id, account_id=contact.account_id,
                 channel=row.channel, **({"second_factor": outcome} if kind == totp.KIND else {}))
    return token, ctx


def verify_second_factor(db: Session, challenge_id: str, typed: str, client_ip: str = "") -> tuple[str, PortalContext]:
    """The authenticator app's code (or a recovery code) after a right login code; opens the session."""
    row = _challenge(db, challenge_id)
    if row.second_factor != "totp":
        raise DomainError("login.error.challenge_over")
    contact = db.get(Contact, row.contact_id) if row.contact_id else None
    status, account = login_status(db, contact)
    if clock.now() >= row.expires_at or status != "ok":
        _attempt(db, email=row.email, contact_id=row.contact_id, ip=client_ip, kind=totp.KIND, outcome="expired",
                 device=row.device)
        raise DomainError("login.error.challenge_over")
    if totp.failures_last_hour(db, contact.id) >= totp.MAX_FAILURES_PER_CONTACT_PER_HOUR:
        _attempt(db, email=row.email, contact_id=contact.id, ip=client_ip, kind=totp.KIND, outcome="locked",
                 device=row.device)
        raise DomainError("login.error.totp_locked")
    result = totp.check_login_code(db, contact, typed)
    if result == "wrong":
        _wrong(db, row, client_ip, totp.KIND, "wrong_totp")
    return _open(db, row, contact, account, client_ip, totp.KIND, "ok" if result == "ok" else "recovery")


def recent_attempts(db: Session, *, email: str = "", contact_id: int | None = None, limit: int = 20):
    query = select(LoginAttempt)
    if contact_id is not None and email:
        query = query.where(or_(LoginAttempt.contact_id == contact_id, LoginAttempt.email == email))
    elif email:
        query = query.where(LoginAttempt.email == normalise_email(email))
    return db.exec(query.order_by(LoginAttempt.id.desc()).limit(limit)).all()
