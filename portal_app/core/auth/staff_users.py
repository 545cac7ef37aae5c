"""Owners manage the console's staff users: list, invite, change a role, deactivate, reset TOTP.

An invitation creates the user with a password nobody knows and emails a single-use link (valid
`INVITE_TTL_SECONDS`) to `/admin/welcome`, where they choose their password; their first login then
enrols TOTP with the QR code, as for every staff member. Deactivating ends their console sessions
(and the portal sessions they opened as a contact); resetting TOTP forgets the secret and ends their
sessions, so the next login enrols again. No change may leave the console without an active owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, func, or_, select

from portal_app.core import audit, clock, notify
from portal_app.core.accounts import check_email
from portal_app.core.auth.staff import MIN_PASSWORD_LENGTH, STAFF_ROLES, StaffContext, create_staff
from portal_app.core.business import branding, business_view
from portal_app.core.db import fetch_page, get_or_not_found
from portal_app.core.errors import DomainError
from portal_app.core.models.auth import PortalSession, StaffSession, StaffUser
from portal_app.core.security import hash_password, hmac_hash, new_token

INVITE_TTL_SECONDS = 72 * 3600
INVITE_PURPOSE = "staff-invite"
PAGE_SIZE = 25
STATUSES = ("active", "invited", "inactive")


@dataclass(frozen=True)
class StaffView:
    id: int
    email: str
    name: str
    role: str
    status: str  # active | invited | inactive
    totp_enabled: bool
    last_login_at: object


def _status(user: StaffUser) -> str:
    if not user.active:
        return "inactive"
    return "invited" if user.invite_token_hash else "active"


def list_staff(db: Session, *, q: str = "", status: str = "", page: int = 1,
               page_size: int = PAGE_SIZE) -> tuple[list[StaffView], int]:
    conds = []
    if q:
        like = f"%{q.lower()}%"
        conds.append(or_(func.lower(StaffUser.email).like(like), func.lower(StaffUser.name).like(like)))
    if status == "inactive":
        conds.append(StaffUser.active.is_(False))
    elif status == "invited":
        conds += [StaffUser.active.is_(True), StaffUser.invite_token_hash.is_not(None)]
    elif status == "active":
        conds += [StaffUser.active.is_(True), StaffUser.invite_token_hash.is_(None)]
    rows, total = fetch_page(db, select(StaffUser).where(*conds).order_by(func.lower(StaffUser.email)),
                             select(func.count()).select_from(StaffUser).where(*conds), page=page, page_size=page_size)
    return [StaffView(u.id, u.email, u.name, u.role, _status(u), u.totp_enabled, u.last_login_at) for u in rows], total


def _active_owners(db: Session) -> int:
    return db.exec(select(func.count()).select_from(StaffUser)
                   .where(StaffUser.role == "owner", StaffUser.active.is_(True))).one()


def _keep_an_owner(db: Session, user: StaffUser, *, role: str, active: bool) -> None:
    """Refuse a change after which no active owner would be left (an owner demoting or deactivating
    themself included): nobody could manage staff or settings any more."""
    was_owner = user.role == "owner" and user.active
    stays_owner = role == "owner" and active
    if was_owner and not stays_owner and _active_owners(db) <= 1:
        raise DomainError("staff_users.error.last_owner")


def _check_role(role: str) -> str:
    if role not in STAFF_ROLES:
        raise DomainError("staff.error.role")
    return role


def _end_sessions(db: Session, user_id: int, reason: str) -> int:
    """End every console session of the user, and the portal sessions opened from them (impersonation)."""
    now = clock.now()
    live = db.exec(select(StaffSession).where(StaffSession.staff_id == user_id,
                                              StaffSession.revoked_at.is_(None))).all()
    for row in live:
        row.revoked_at = now
        db.add(row)
    for portal in db.exec(select(PortalSession).where(PortalSession.impersonator_staff_id == user_id,
                                                      PortalSession.revoked_at.is_(None))):
        portal.revoked_at, portal.revoked_reason = now, reason
        db.add(portal)
    db.flush()
    return len(live)


def _invitation(db: Session, user: StaffUser, lang: str) -> list[notify.Delivery]:
    """A fresh link (the last one stops working) and its email; the stored copy hides the token when a
    real provider sends it."""
    token = new_token()
    user.invite_token_hash = hmac_hash(token, INVITE_PURPOSE)
    user.invite_expires_at = clock.now() + timedelta(seconds=INVITE_TTL_SECONDS)
    db.add(user)
    db.flush()
    brand = branding(db)
    link = notify.portal_url(f"/admin/welcome?token={token}")
    mail = notify.render_email("staff_invitation", lang, brand, link=link, name=user.name or user.email,
                               email=user.email, hours=INVITE_TTL_SECONDS // 3600)
    return [notify.queue_email(db, to=user.email, template="staff_invitation", language=lang, rendered=mail,
                               sender_name=brand.sender_name, sensitive=True, redact=(token,))]


def invite(db: Session, owner: StaffContext, *, email: str, name: str, role: str,
           lang: str = "") -> tuple[StaffUser, list[notify.Delivery]]:
    """Create a staff user (no usable password yet) and queue their invitation; the caller dispatches."""
    email = check_email(email)
    user = create_staff(db, email=email, password=new_token(), name=name[:200], role=_check_role(role))
    deliveries = _invitation(db, user, lang or business_view(db).default_language)
    audit.record(db, owner.actor, "staff.invite", target_type="staff", target_id=user.id, email=user.email,
                 role=role)
    return user, deliveries


def reinvite(db: Session, owner: StaffContext, staff_id: int, lang: str = "") -> list[notify.Delivery]:
    user = get_or_not_found(db, StaffUser, staff_id)
    if not user.active or not user.invite_token_hash:
        raise DomainError("staff_users.error.not_invited")
    deliveries = _invitation(db, user, lang or business_view(db).default_language)
    audit.record(db, owner.actor, "staff.reinvite", target_type="staff", target_id=user.id)
    return deliveries


def change_role(db: Session, owner: StaffContext, staff_id: int, role: str) -> StaffUser:
    user = get_or_not_found(db, StaffUser, staff_id)
    _check_role(role)
    if role == user.role:
        return user
    _keep_an_owner(db, user, role=role, active=user.active)
    before, user.role = user.role, role
    db.add(user)
    db.flush()
    audit.record(db, owner.actor, "staff.role", target_type="staff", target_id=user.id, before=before, after=role)
    return user


def set_active(db: Session, owner: StaffContext, staff_id: int, active: bool) -> StaffUser:
    user = get_or_not_found(db, StaffUser, staff_id)
    if user.active == active:
        return user
    _keep_an_owner(db, user, role=user.role, active=active)
    user.active = active
    db.add(user)
    ended = 0 if active else _end_sessions(db, user.id, "staff_deactivated")
    audit.record(db, owner.actor, "staff.activate" if active else "staff.deactivate", target_type="staff",
                 target_id=user.id, sessions=ended)
    return user


def reset_totp(db: Session, owner: StaffContext, staff_id: int) -> StaffUser:
    """Forget the authenticator: the next login enrols a new one (and every current session ends now)."""
    user = get_or_not_found(db, StaffUser, staff_id)
    user.totp_enabled, user.totp_secret_enc = False, None
    db.add(user)
    ended = _end_sessions(db, user.id, "staff_totp_reset")
    audit.record(db, owner.actor, "staff.totp_reset", target_type="staff", target_id=user.id, sessions=ended)
    return user


def invited_user(db: Session, token: str | None) -> StaffUser | None:
    """The active, invited user whose link this is, while it is valid; None otherwise."""
    if not token or len(token) > 200:
        return None
    user = db.exec(select(StaffUser).where(StaffUser.invite_token_hash == hmac_hash(token, INVITE_PURPOSE))).first()
    if user is None or not user.active or user.invite_expires_at is None or clock.now() >= user.invite_expires_at:
        return None
    return user


def accept_invitation(db: Session, token: str | None, password: str, confirm: str) -> StaffUser:
    """The invited user chooses their password; the link then stops working."""
    user = invited_user(db, token)
    if user is None:
        raise DomainError("staff_users.error.link")
    if password != confirm:
        raise DomainError("staff_users.error.mismatch")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("password.error.too_short", min=MIN_PASSWORD_LENGTH)
    user.password_hash = hash_password(password)  # refuses more than 72 bytes with its own message
    user.invite_token_hash, user.invite_expires_at = None, None
    db.add(user)
    db.flush()
    audit.record(db, audit.Actor("staff", user.id, user.email), "staff.invitation_accepted", target_type="staff",
                 target_id=user.id)
    return user
