"""Customer password login: a business option, off by default (`BusinessSettings.password_login_enabled`).

A contact sets a password (first connection) or a new one (forgotten) through a single-use link valid
one hour, sent by email and built from the configured base URL. Passwords are bcrypt, at least 12
characters, at most 72 bytes (a clear message beyond), and not on the list of common passwords shipped
beside this module. Known, unknown, inactive and access-less addresses get the same answers; unknown
ones spend the same bcrypt time. The login code budgets' spirit holds: caps per contact and client
address, a lock after failures, a login-attempt row for every try.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, func, select

from portal_app.core import audit, clock, notify
from portal_app.core.accounts import check_email, find_login_contact, may_log_in, normalise_email
from portal_app.core.auth import devices, totp
from portal_app.core.auth.login import HOUR, record_attempt
from portal_app.core.auth.sessions import PortalContext, open_session, resolve_session, revoke_contact_sessions
from portal_app.core.business import branding, business_view
from portal_app.core.config import get_settings
from portal_app.core.errors import DomainError
from portal_app.core.models.accounts import Contact
from portal_app.core.models.auth import LoginAttempt, LoginChallenge, PasswordLink
from portal_app.core.security import (BCRYPT_MAX_BYTES, check_password, dummy_password_check, hash_password,
                                      hmac_hash, new_token)

MIN_LENGTH = 12
LINK_TTL_SECONDS = 3600
LINKS_PER_ADDRESS_PER_HOUR = 3  # links asked for one email from one client address
MAX_FAILURES_PER_CONTACT_PER_HOUR = 10
LINK_KIND, LOGIN_KIND, SET_KIND = "password_link", "password", "password_set"
TOKEN_PURPOSE = "password-link"
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in COMMON_FILE.read_text().splitlines()
                     if line.strip() and not line.startswith("#"))


def check_strength(password: str) -> None:
    if len(password.encode()) > BCRYPT_MAX_BYTES:
        raise DomainError("password.error.too_long", max=BCRYPT_MAX_BYTES)
    if len(password) < MIN_LENGTH:
        raise DomainError("password.error.too_short", min=MIN_LENGTH)
    if password.lower() in _common() or len(set(password)) < 4:
        raise DomainError("password.error.common")


def enabled(db: Session) -> bool:
    return business_view(db).password_login_enabled


def _require_enabled(db: Session) -> None:
    if not enabled(db):
        raise DomainError("password.error.off")


def _ip_capped(db: Session, ip: str, kinds: tuple[str, ...], outcomes: tuple[str, ...] | None = None) -> bool:
    query = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.client_ip == ip[:45], LoginAttempt.kind.in_(kinds), LoginAttempt.created_at > clock.now() - HOUR)
    if outcomes:
        query = query.where(LoginAttempt.outcome.in_(outcomes))
    return db.exec(query).one() >= get_settings().login_ip_cap_per_hour


def request_link(db: Session, email: str, client_ip: str = "") -> list[notify.Delivery]:
    """"Set or reset my password": the same answer for every address; a link only to a contact who may log
    in. Returns the email to dispatch after commit (none for unknown addresses)."""
    _require_enabled(db)
    address = normalise_email(email)
    try:
        check_email(address)
    except DomainError:
        raise DomainError("login.error.email_invalid") from None
    if _ip_capped(db, client_ip, (LINK_KIND,)):
        record_attempt(db, email=address, contact_id=None, ip=client_ip, kind=LINK_KIND, outcome="ip_limited")
        raise DomainError("login.error.too_many_requests")
    contact = find_login_contact(db, address)
    status = may_log_in(db, contact)
    contact_id = contact.id if contact else None
    sent = db.exec(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.email == address, LoginAttempt.client_ip == client_ip[:45], LoginAttempt.kind == LINK_KIND,
        LoginAttempt.outcome != "too_many", LoginAttempt.created_at > clock.now() - HOUR)).one()
    if sent >= LINKS_PER_ADDRESS_PER_HOUR:
        record_attempt(db, email=address, contact_id=contact_id, ip=client_ip, kind=LINK_KIND, outcome="too_many")
        raise DomainError("password.error.too_many_links")
    record_attempt(db, email=address, contact_id=contact_id, ip=client_ip, kind=LINK_KIND,
                   outcome="sent" if status == "ok" else status)
    token = new_token()
    brand = branding(db)
    link = notify.portal_url(f"/password?token={token}")
    if status != "ok":
        # The same work as a real link (its hash, its email rendered and written), none of it kept: the time
        # does not tell a known address from an unknown one.
        hmac_hash(token, TOKEN_PURPOSE)
        notify.rehearse_email(db, template="password_first", language=business_view(db).default_language,
                              brand=brand, link=link, minutes=LINK_TTL_SECONDS // 60)
        return []
    now = clock.now()
    db.add(PasswordLink(contact_id=contact.id, token_hash=hmac_hash(token, TOKEN_PURPOSE), created_at=now,
                        expires_at=now + timedelta(seconds=LINK_TTL_SECONDS)))
    db.flush()
    template = "password_reset" if contact.password_hash else "password_first"
    mail = notify.render_email(template, contact.language, brand, link=link, minutes=LINK_TTL_SECONDS // 60)
    return [notify.queue_email(db, to=contact.email, template=template, language=contact.language, rendered=mail,
                               sender_name=brand.sender_name, sensitive=True, redact=(token,),
                               contact_id=contact.id, account_id=contact.account_id)]


def _live_link(db: Session, token: str) -> PasswordLink | None:
    if not token or len(token) > 200:
        return None
    row = db.exec(select(PasswordLink).where(PasswordLink.token_hash == hmac_hash(token, TOKEN_PURPOSE))).first()
    if row is None or row.used_at is not None or clock.now() >= row.expires_at:
        return None
    return row


def link_is_live(db: Session, token: str) -> bool:
    return _live_link(db, token) is not None


def set_password(db: Session, token: str, password: str, client_ip: str = "") -> None:
    """Set the password through a live link; the link dies, and the contact's sessions and trusted
    browsers end (an access change)."""
    _require_enabled(db)
    row = _live_link(db, token)
    contact = db.get(Contact, row.contact_id) if row else None
    if row is None or contact is None or may_log_in(db, contact) != "ok":
        record_attempt(db, email=contact.email if contact else "", contact_id=contact.id if contact else None,
                       ip=client_ip, kind=SET_KIND, outcome="bad_link")
        raise DomainError("password.error.link_over")
    check_strength(password)
    contact.password_hash = hash_password(password)
    row.used_at = clock.now()
    db.add(contact)
    db.add(row)
    for other in db.exec(select(PasswordLink).where(PasswordLink.contact_id == contact.id,
                                                    PasswordLink.used_at.is_(None))).all():
        other.used_at = row.used_at
        db.add(other)
    revoke_contact_sessions(db, contact.id, "password_set")
    record_attempt(db, email=contact.email, contact_id=contact.id, ip=client_ip, kind=SET_KIND, outcome="ok")
    audit.record(db, audit.Actor("contact", contact.id, contact.email, client_ip=client_ip), "password.set",
                 target_type="contact", target_id=contact.id, account_id=contact.account_id)


def login(db: Session, email: str, password: str, client_ip: str = "",
          device_cookie: str = "") -> tuple[str, PortalContext | None, str]:
    """(token, context, "") when logged in; ("", None, challenge id) when the authenticator app is asked
    next (`login.verify_second_factor`). Every refusal is the same "email or password not right"."""
    _require_enabled(db)
    address = normalise_email(email)
    if _ip_capped(db, client_ip, (LOGIN_KIND,), ("wrong", "unknown", "locked")):
        record_attempt(db, email=address, contact_id=None, ip=client_ip, kind=LOGIN_KIND, outcome="ip_limited")
        raise DomainError("login.error.too_many_requests")
    contact = find_login_contact(db, address) if address else None
    status = may_log_in(db, contact)
    if status != "ok" or not contact.password_hash or len(password.encode()) > BCRYPT_MAX_BYTES:
        dummy_password_check(password)  # the same bcrypt time as a known address
        record_attempt(db, email=address, contact_id=contact.id if contact else None, ip=client_ip, kind=LOGIN_KIND,
                       outcome="unknown" if status == "ok" or contact is None else status)
        raise DomainError("password.error.credentials")
    failures = db.exec(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.contact_id == contact.id, LoginAttempt.kind == LOGIN_KIND, LoginAttempt.outcome == "wrong",
        LoginAttempt.created_at > clock.now() - HOUR)).one()
    if failures >= MAX_FAILURES_PER_CONTACT_PER_HOUR:
        dummy_password_check(password)
        record_attempt(db, email=address, contact_id=contact.id, ip=client_ip, kind=LOGIN_KIND, outcome="locked")
        raise DomainError("password.error.credentials")
    if not check_password(password, contact.password_hash):
        record_attempt(db, email=address, contact_id=contact.id, ip=client_ip, kind=LOGIN_KIND, outcome="wrong")
        raise DomainError("password.error.credentials")
    device = devices.recognise(contact, device_cookie)
    if not contact.totp_enabled and totp.required_for(db, contact):
        record_attempt(db, email=address, contact_id=contact.id, ip=client_ip, kind=LOGIN_KIND, outcome="totp_missing")
        raise DomainError("login.error.totp_required")
    now = clock.now()
    if contact.totp_enabled and devices.trusted(db, contact.id, device) is None:
        # The authenticator app next, on a challenge of its own (the same second step as after a code).
        challenge_id = new_token()
        db.add(LoginChallenge(public_id=challenge_id, email=address, contact_id=contact.id, channel="password",
                              code_hash="", last_sent_at=now, expires_at=now + timedelta(seconds=600),
                              client_ip=client_ip[:45], device=device, second_factor="totp", created_at=now))
        record_attempt(db, email=address, contact_id=contact.id, ip=client_ip, kind=LOGIN_KIND,
                       outcome="second_factor", device=device)
        return "", None, challenge_id
    contact.last_login_at = now
    db.add(contact)
    record_attempt(db, email=address, contact_id=contact.id, ip=client_ip, kind=LOGIN_KIND, outcome="ok", device=device)
    token = open_session(db, contact.id, client_ip=client_ip)
    audit.record(db, audit.Actor("contact", contact.id, contact.email, client_ip=client_ip), "portal.login",
                 target_type="contact", target_id=contact.id, account_id=contact.account_id, channel=LOGIN_KIND)
    return token, resolve_session(db, token, touch=False), ""
