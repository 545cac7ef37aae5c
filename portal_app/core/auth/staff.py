"""Staff accounts and console login: bcrypt password, then TOTP (enrolled at first login)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pyotp
from sqlmodel import Session, func, select

from portal_app.core.models.auth import LoginAttempt, PortalSession, StaffSession, StaffUser
from portal_app.core import audit, clock
from portal_app.core.accounts import check_email, normalise_email
from portal_app.core.errors import DomainError
from portal_app.core.security import (check_password, decrypt_secret, dummy_password_check, encrypt_secret, hash_password, hmac_hash, new_token, only_ascii_digits)

STAFF_ROLES = ("owner", "staff", "agent")
MIN_PASSWORD_LENGTH = 12
FREE_FAILURES = 3  # then each failure doubles the wait
LOCK_BASE_SECONDS = 30
LOCK_MAX_SECONDS = 15 * 60
# One client address failing for many users (or unknown addresses) waits too.
ADDRESS_MAX_FAILURES = 20
ADDRESS_WINDOW_SECONDS = 15 * 60
STAFF_IDLE_SECONDS = 2 * 3600
STAFF_ABSOLUTE_SECONDS = 12 * 3600
TOKEN_PURPOSE = "staff-session"
TOTP_ISSUER = "Guichet"


@dataclass(frozen=True)
class StaffContext:
    staff_id: int
    email: str
    name: str
    role: str
    mfa_passed: bool
    totp_enabled: bool
    session_id: int | None = None
    time_zone: str = ""  # the staff member's chosen zone, "" = their device's

    @property
    def actor(self) -> audit.Actor:
        return audit.Actor("staff", self.staff_id, self.email)


def create_staff(db: Session, *, email: str, password: str, name: str = "", role: str = "staff") -> StaffUser:
    email = check_email(email)
    if role not in STAFF_ROLES:
        raise DomainError("staff.error.role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("password.error.too_short", min=MIN_PASSWORD_LENGTH)
    if db.exec(select(StaffUser).where(StaffUser.email == email)).first():
        raise DomainError("staff.error.email_taken", email=email)
    user = StaffUser(email=email, name=name.strip(), password_hash=hash_password(password), role=role,
                     created_at=clock.now())
    db.add(user)
    db.flush()
    audit.record(db, audit.SYSTEM, "staff.create", target_type="staff", target_id=user.id, email=email)
    return user


def first_owner_email(db: Session) -> str | None:
    """The first active owner's address: where staff notices go when nobody configured one."""
    return db.exec(select(StaffUser.email).where(StaffUser.role == "owner", StaffUser.active.is_(True))
                   .order_by(StaffUser.id)).first()


def _lock_seconds(failures: int) -> int:
    if failures < FREE_FAILURES:
        return 0
    return min(LOCK_BASE_SECONDS * 2 ** (failures - FREE_FAILURES), LOCK_MAX_SECONDS)


STAFF_KINDS = ("staff_password", "staff_totp")


def _fail(db: Session, user: StaffUser, ip: str, kind: str) -> None:
    """A failed password or TOTP code: one row. The throttles below count these rows, so a failure
    from one client address never locks the same user out at another address."""
    now = clock.now()
    user.failed_logins += 1  # shown to staff; the throttle reads the rows
    db.add(user)
    db.add(LoginAttempt(created_at=now, email=user.email, client_ip=ip[:45], kind=kind, outcome="failed"))
    db.flush()


def _locked_for(db: Session, email: str, ip: str) -> int:
    """Seconds this (user, client address) pair must still wait: its failures since its last success
    (within a day) lock it with a growing delay after the free ones. And any client address with too
    many failures across all users in the last window (someone trying many addresses) waits too.
    An empty address is one address like any other: capped, never skipped."""
    now = clock.now()
    ip = ip[:45]
    rows = db.exec(select(LoginAttempt.kind, LoginAttempt.outcome, LoginAttempt.created_at)
                   .where(LoginAttempt.email == email, LoginAttempt.client_ip == ip,
                          LoginAttempt.kind.in_(STAFF_KINDS), LoginAttempt.created_at >= now - timedelta(days=1))
                   .order_by(LoginAttempt.id.desc()).limit(64)).all()
    failures, last_failure = 0, None
    for kind, outcome, at in rows:
        if outcome == "ok" and kind == "staff_totp":  # only a whole login (password and code) clears
            break
        if outcome == "failed":
            failures += 1
            last_failure = last_failure or at
    wait = 0
    if last_failure is not None and _lock_seconds(failures):
        wait = int((last_failure + timedelta(seconds=_lock_seconds(failures)) - now).total_seconds())
    window_start = now - timedelta(seconds=ADDRESS_WINDOW_SECONDS)
    from_address = db.exec(select(func.count()).select_from(LoginAttempt)
                           .where(LoginAttempt.client_ip == ip, LoginAttempt.kind.in_(STAFF_KINDS),
                                  LoginAttempt.outcome.in_(("failed", "unknown")),
                                  LoginAttempt.created_at >= window_start)).one()
    if from_address >= ADDRESS_MAX_FAILURES:
        oldest = db.exec(select(LoginAttempt.created_at)
                         .where(LoginAttempt.client_ip == ip, LoginAttempt.kind.in_(STAFF_KINDS),
                                LoginAttempt.outcome.in_(("failed", "unknown")),
                                LoginAttempt.created_at >= window_start)
                         .order_by(LoginAttempt.created_at).limit(1)).one()
        wait = max(wait, int((oldest + timedelta(seconds=ADDRESS_WINDOW_SECONDS) - now).total_seconds()))
    return max(wait, 0)


def _check_lock(db: Session, user: StaffUser, ip: str) -> None:
    seconds = _locked_for(db, user.email, ip)
    if seconds > 0:
        raise DomainError("staff.error.locked", seconds=seconds + 1)


def login_password(db: Session, email: str, password: str, client_ip: str = "") -> tuple[str, StaffContext]:
    """First step: the password. Returns a session token that still needs TOTP."""
    address = normalise_email(email)
    user = db.exec(select(StaffUser).where(StaffUser.email == address)).first()
    if user is None or not user.active or _locked_for(db, address, client_ip) > 0:
        # Unknown, inactive or locked from this address: the same answer and time as a wrong
        # password, so neither the lock nor the address is revealed.
        dummy_password_check(password)
        db.add(LoginAttempt(created_at=clock.now(), email=address[:254], client_ip=client_ip[:45],
                            kind="staff_password", outcome="unknown" if user is None or not user.active
                            else "locked"))
        db.flush()
        raise DomainError("staff.error.credentials")
    if not check_password(password, user.password_hash):
        _fail(db, user, client_ip, "staff_password")
        raise DomainError("staff.error.credentials")
    if not user.totp_enabled and not user.totp_secret_enc:
        # The enrolment secret is fixed here, in the one event that passed the password: the QR code and
        # the key in text are fetched by two concurrent requests, and a secret made by whichever came
        # first let them show two different keys.
        user.totp_secret_enc = encrypt_secret(pyotp.random_base32())
        db.add(user)
    token = new_token()
    now = clock.now()
    db.add(StaffSession(token_hash=hmac_hash(token, TOKEN_PURPOSE), staff_id=user.id, mfa_passed=False,
                        created_at=now, last_seen_at=now,
                        absolute_expires_at=now + timedelta(seconds=STAFF_ABSOLUTE_SECONDS)))
    db.add(LoginAttempt(created_at=now, email=user.email, client_ip=client_ip[:45], kind="staff_password",
                        outcome="ok"))
    db.flush()
    return token, _context(user, False)


def _context(user: StaffUser, mfa_passed: bool, session_id: int | None = None) -> StaffContext:
    return StaffContext(staff_id=user.id, email=user.email, name=user.name or user.email, role=user.role,
                        mfa_passed=mfa_passed, totp_enabled=user.totp_enabled, session_id=session_id,
                        time_zone=user.time_zone or "")


def _session(db: Session, token: str | None) -> tuple[StaffSession, StaffUser] | None:
    if not token or len(token) > 200:
        return None
    row = db.exec(select(StaffSession).where(StaffSession.token_hash == hmac_hash(token, TOKEN_PURPOSE))).first()
    now = clock.now()
    if row is None or row.revoked_at is not None or now >= row.absolute_expires_at \
            or now - row.last_seen_at >= timedelta(seconds=STAFF_IDLE_SECONDS):
        return None
    user = db.get(StaffUser, row.staff_id)
    if user is None or not user.active:
        return None
    return row, user


def resolve(db: Session, token: str | None, *, require_mfa: bool = True) -> StaffContext | None:
    found = _session(db, token)
    if found is None:
        return None
    row, user = found
    if require_mfa and not row.mfa_passed:
        return None
    now = clock.now()
    if (now - row.last_seen_at).total_seconds() >= 60:
        row.last_seen_at = now
        db.add(row)
        db.flush()
    return _context(user, row.mfa_passed, row.id)


def enrolment_uri(db: Session, token: str | None) -> str | None:
    """The otpauth:// URI for a staff member between password and first TOTP; None otherwise."""
    found = _session(db, token)
    if found is None:
        return None
    row, user = found
    if user.totp_enabled or row.mfa_passed or not user.totp_secret_enc:
        return None  # read only: the password step made the secret
    secret = decrypt_secret(user.totp_secret_enc)
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def verify_totp(db: Session, token: str | None, code: str, client_ip: str = "") -> StaffContext:
    """Second step: the TOTP code (which also completes enrolment the first time)."""
    found = _session(db, token)
    if found is None:
        raise DomainError("staff.error.session_over")
    row, user = found
    _check_lock(db, user, client_ip)
    if not user.totp_secret_enc:
        raise DomainError("staff.error.session_over")
    totp = pyotp.TOTP(decrypt_secret(user.totp_secret_enc))
    typed = only_ascii_digits(code, limit=8)
    now = clock.now()
    step = None
    for offset in (-1, 0, 1):  # one step of clock drift either way
        at = now + timedelta(seconds=30 * offset)
        if typed and totp.at(at) == typed:
            step = totp.timecode(at)
            break
    if step is None or step <= user.last_totp_step:  # a code is good once
        _fail(db, user, client_ip, "staff_totp")
        raise DomainError("staff.error.totp_wrong")
    enrolled_now = not user.totp_enabled
    user.totp_enabled = True
    user.last_totp_step = step
    user.failed_logins = 0
    user.last_login_at = now
    row.mfa_passed = True
    row.last_seen_at = now
    db.add(user)
    db.add(row)
    db.add(LoginAttempt(created_at=now, email=user.email, client_ip=client_ip[:45], kind="staff_totp", outcome="ok"))
    db.flush()
    ctx = _context(user, True, row.id)
    audit.record(db, ctx.actor, "staff.totp_enrolled" if enrolled_now else "staff.login",
                 target_type="staff", target_id=user.id)
    return ctx


def session_is_live(row: StaffSession | None, now) -> bool:
    return (row is not None and row.revoked_at is None and now < row.absolute_expires_at
            and now - row.last_seen_at < timedelta(seconds=STAFF_IDLE_SECONDS))


def logout(db: Session, token: str | None) -> None:
    """Ends the console session and every impersonation opened from it."""
    found = _session(db, token)
    if found:
        row, _ = found
        now = clock.now()
        row.revoked_at = now
        db.add(row)
        for portal in db.exec(select(PortalSession).where(PortalSession.staff_session_id == row.id,
                                                          PortalSession.revoked_at.is_(None))):
            portal.revoked_at, portal.revoked_reason = now, "staff_logout"
            db.add(portal)
        db.flush()


def set_time_zone(db: Session, ctx: StaffContext, raw) -> str:
    """The acting staff member's own time zone for the console: "" (as their device) or a known zone name."""
    from portal_app.core import zones

    name = zones.check_choice(raw)
    user = db.get(StaffUser, ctx.staff_id)
    if user is not None and user.time_zone != name:
        user.time_zone = name
        db.add(user)
        audit.record(db, ctx.actor, "staff.time_zone_saved", target_type="staff_user", target_id=user.id,
                     zone=name or "device")
    return name
