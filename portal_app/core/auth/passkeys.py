"""Customer passkeys (WebAuthn, discoverable credentials) with the `webauthn` library.

A contact registers passkeys after a code login; the login page then offers "log in with a passkey"
without an email typed. A passkey login is two factors (something held, unlocked by the device's PIN or
biometrics: user verification is required). The relying party id and the origin come from
`GUICHET_BASE_URL`, never from the request.

Each ceremony's challenge is made here and kept on the server (in the tab's backend-only state, as a
`Ceremony` string this module makes and reads back); what the browser sends is checked against it and
never trusted for the challenge. A registration ceremony is bound to the portal session that started it.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session, func, select
from webauthn import (generate_authentication_options, generate_registration_options, options_to_json,
                      verify_authentication_response, verify_registration_response)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (AuthenticatorSelectionCriteria, PublicKeyCredentialDescriptor,
                                      ResidentKeyRequirement, UserVerificationRequirement)

from portal_app.core import audit, clock
from portal_app.core.accounts import may_log_in
from portal_app.core.business import business_view
from portal_app.core.config import get_settings
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import Contact
from portal_app.core.models.auth import LoginAttempt, Passkey
from portal_app.core.auth.login import HOUR, record_attempt
from portal_app.core.auth.sessions import PortalContext, open_session, refuse_when_impersonating, resolve_session
from portal_app.core.security import hashes_equal, hmac_hash

CEREMONY_TTL_SECONDS = 5 * 60
MAX_PASSKEYS_PER_CONTACT = 10
MAX_FAILURES_PER_CONTACT_PER_HOUR = 10  # then passkey login waits for the failures to age out
NAME_MAX_CHARS = 60
MAX_RESPONSE_CHARS = 20_000  # a credential response from the browser; real ones are about 1-2 kB
KIND = "passkey"
FAILED = ("failed", "locked")
log = logging.getLogger("guichet.passkeys")


@dataclass(frozen=True)
class PasskeyRow:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


def relying_party() -> tuple[str, str]:
    """(RP id, origin) from the configured base URL."""
    parts = urlsplit(get_settings().base_url)
    return parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}"


def _user_handle(contact_id: int) -> bytes:
    """A stable, opaque WebAuthn user handle: no email or id in clear on the authenticator."""
    return bytes.fromhex(hmac_hash(str(contact_id), "webauthn-user")[:32])


def _ceremony(kind: str, challenge: bytes, session_id: int = 0) -> str:
    expires = int(clock.now().timestamp()) + CEREMONY_TTL_SECONDS
    return f"{kind}|{bytes_to_base64url(challenge)}|{session_id}|{expires}"


def _open_ceremony(ceremony: str, kind: str, session_id: int = 0) -> bytes | None:
    """The challenge of a live ceremony of `kind` (and of this session), else None."""
    parts = (ceremony or "").split("|")
    if len(parts) != 4 or parts[0] != kind or not parts[2].isdigit() or not parts[3].isdigit():
        return None
    if int(parts[2]) != session_id or clock.now().timestamp() >= int(parts[3]):
        return None
    return base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))


def _credential(response: str) -> dict:
    if not isinstance(response, str) or not 0 < len(response) <= MAX_RESPONSE_CHARS:
        raise DomainError("passkey.error.failed")
    try:
        data = json.loads(response)
    except ValueError:
        raise DomainError("passkey.error.failed") from None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or len(data["id"]) > 400:
        raise DomainError("passkey.error.failed")
    return data


def count(db: Session, contact_id: int) -> int:
    return db.exec(select(func.count()).select_from(Passkey).where(Passkey.contact_id == contact_id)).one()


def list_for(db: Session, contact_id: int) -> list[PasskeyRow]:
    rows = db.exec(select(Passkey).where(Passkey.contact_id == contact_id).order_by(Passkey.id)).all()
    return [PasskeyRow(p.id, p.name, p.created_at, p.last_used_at) for p in rows]


def locked(db: Session, contact_id: int) -> bool:
    """Has passkey login of this contact had its hour's worth of failures?"""
    return _failures(db, clock.now() - HOUR, contact_id=contact_id) >= MAX_FAILURES_PER_CONTACT_PER_HOUR


# ---- registration (a logged-in contact, never an impersonation) ----

def registration_options(db: Session, ctx: PortalContext) -> tuple[str, str]:
    """(options JSON for navigator.credentials.create, the ceremony to keep server-side)."""
    refuse_when_impersonating(ctx, "passkey")
    if count(db, ctx.contact_id) >= MAX_PASSKEYS_PER_CONTACT:
        raise DomainError("passkey.error.too_many", max=MAX_PASSKEYS_PER_CONTACT)
    rp_id, _ = relying_party()
    existing = db.exec(select(Passkey.credential_id).where(Passkey.contact_id == ctx.contact_id)).all()
    options = generate_registration_options(
        rp_id=rp_id, rp_name=business_view(db).name or "Guichet", user_name=ctx.email,
        user_id=_user_handle(ctx.contact_id), user_display_name=ctx.contact_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=_b64(c)) for c in existing])
    return options_to_json(options), _ceremony("register", options.challenge, ctx.session_id)


def _b64(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _clean_name(name: str, fallback: str) -> str:
    text = " ".join(str(name or "").split())[:NAME_MAX_CHARS]
    return text or fallback


def register(db: Session, ctx: PortalContext, ceremony: str, response: str, name: str = "") -> PasskeyRow:
    """Check the browser's answer against the ceremony kept server-side and store the passkey."""
    refuse_when_impersonating(ctx, "passkey")
    challenge = _open_ceremony(ceremony, "register", ctx.session_id)
    if challenge is None:
        raise DomainError("passkey.error.ceremony_over")
    if count(db, ctx.contact_id) >= MAX_PASSKEYS_PER_CONTACT:
        raise DomainError("passkey.error.too_many", max=MAX_PASSKEYS_PER_CONTACT)
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(credential=_credential(response), expected_challenge=challenge,
                                                expected_rp_id=rp_id, expected_origin=origin,
                                                require_user_verification=True)
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        log.info("passkey registration refused for contact %s: %s", ctx.contact_id, exc)
        raise DomainError("passkey.error.failed") from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.exec(select(Passkey.id).where(Passkey.credential_id == credential_id)).first() is not None:
        raise DomainError("passkey.error.failed")
    row = Passkey(contact_id=ctx.contact_id, credential_id=credential_id,
                  public_key=bytes_to_base64url(verified.credential_public_key), sign_count=verified.sign_count,
                  name=_clean_name(name, f"Passkey {count(db, ctx.contact_id) + 1}"), created_at=clock.now())
    db.add(row)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "passkey.add", target_type="contact", target_id=ctx.contact_id,
                 account_id=ctx.account_id, passkey=row.id)
    return PasskeyRow(row.id, row.name, row.created_at, row.last_used_at)


def remove(db: Session, ctx: PortalContext, passkey_id: int) -> None:
    """The contact removes one of their own passkeys (another contact's id: not found)."""
    refuse_when_impersonating(ctx, "passkey")
    row = db.get(Passkey, passkey_id)
    if row is None or row.contact_id != ctx.contact_id:
        raise NotFound()
    db.delete(row)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), "passkey.remove", target_type="contact", target_id=ctx.contact_id,
                 account_id=ctx.account_id, passkey=passkey_id)


def staff_remove(db: Session, actor: audit.Actor, contact_id: int, passkey_id: int) -> None:
    row = db.get(Passkey, passkey_id)
    if row is None or row.contact_id != contact_id:
        raise NotFound()
    contact = db.get(Contact, contact_id)
    db.delete(row)
    db.flush()
    audit.record(db, actor, "passkey.remove", target_type="contact", target_id=contact_id,
                 account_id=contact.account_id if contact else None, passkey=passkey_id)


# ---- login (no email typed) ----

def authentication_options() -> tuple[str, str]:
    """(options JSON for navigator.credentials.get, the ceremony to keep server-side). Empty
    allowCredentials: the authenticator offers the passkeys it holds for this site."""
    rp_id, _ = relying_party()
    options = generate_authentication_options(rp_id=rp_id, user_verification=UserVerificationRequirement.REQUIRED)
    return options_to_json(options), _ceremony("login", options.challenge)


def _failures(db: Session, since: datetime, **where) -> int:
    query = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.kind == KIND, LoginAttempt.outcome.in_(FAILED), LoginAttempt.created_at > since)
    for column, value in where.items():
        query = query.where(getattr(LoginAttempt, column) == value)
    return db.exec(query).one()


def login(db: Session, ceremony: str, response: str, client_ip: str = "") -> tuple[str, PortalContext]:
    """Check a passkey assertion; on success open a portal session (token, context). Every failure gets
    the same message and a login-attempt row."""
    since = clock.now() - HOUR
    ip = client_ip[:45]
    if _failures(db, since, client_ip=ip) >= get_settings().login_ip_cap_per_hour:
        record_attempt(db, email="", contact_id=None, ip=client_ip, kind=KIND, outcome="ip_limited")
        raise DomainError("login.error.too_many_requests")
    challenge = _open_ceremony(ceremony, "login")
    if challenge is None:
        record_attempt(db, email="", contact_id=None, ip=client_ip, kind=KIND, outcome="expired")
        raise DomainError("passkey.error.ceremony_over")
    data = _credential(response)
    row = db.exec(select(Passkey).where(Passkey.credential_id == data["id"])).first()
    contact = db.get(Contact, row.contact_id) if row else None
    email, contact_id = (contact.email, contact.id) if contact else ("", None)

    def fail(outcome: str) -> DomainError:
        record_attempt(db, email=email, contact_id=contact_id, ip=client_ip, kind=KIND, outcome=outcome)
        return DomainError("passkey.error.failed")

    if row is None or contact is None:
        raise fail("failed")
    if locked(db, contact.id):
        raise fail("locked")
    handle = (data.get("response") or {}).get("userHandle") if isinstance(data.get("response"), dict) else None
    if handle and not hashes_equal(str(handle), bytes_to_base64url(_user_handle(contact.id))):
        raise fail("failed")
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=data, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin,
            credential_public_key=_b64(row.public_key), credential_current_sign_count=row.sign_count,
            require_user_verification=True)
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
        log.info("passkey login refused for contact %s: %s", contact.id, exc)
        raise fail("failed") from None
    if may_log_in(db, contact) != "ok":
        raise fail(may_log_in(db, contact))
    now = clock.now()
    row.sign_count = verified.new_sign_count
    row.last_used_at = now
    contact.last_login_at = now
    db.add(row)
    db.add(contact)
    record_attempt(db, email=email, contact_id=contact.id, ip=client_ip, kind=KIND, outcome="ok")
    token = open_session(db, contact.id, client_ip=client_ip)
    audit.record(db, audit.Actor("contact", contact.id, contact.email, client_ip=client_ip), "portal.login",
                 target_type="contact", target_id=contact.id, account_id=contact.account_id, channel=KIND)
    return token, resolve_session(db, token, touch=False)

