"""Remembered browsers: a signed cookie a browser gets after a code login, giving it a code budget of its own.

The cookie proves only "this browser once logged in as this contact": it opens nothing by itself. Its
use is availability: strangers who use up the login codes of a contact's address, or of the whole
portal, do not keep the contact out of a browser they logged in from before.

Value: `<device id>.<issued, unix seconds>.<HMAC-SHA256 under the server secret>`. The HMAC covers the
contact's id and email, so the cookie is worth nothing for another contact and dies when the email
changes; `Contact.devices_reset_at` (set by "sign out everywhere" and by every change that ends the
contact's sessions) kills the cookies issued before it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from portal_app.core import clock
from portal_app.core.models.accounts import Contact
from portal_app.core.models.auth import TrustedDevice
from portal_app.core.security import hashes_equal, hmac_hash

DEVICE_COOKIE = "guichet_device"
DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 86400
PURPOSE = "login-device"
_MAX_COOKIE_CHARS = 120
TRUST_DAYS = 30  # "trust this browser": no second factor from it for this long


def _signature(contact: Contact, device_id: str, issued: int) -> str:
    return hmac_hash(f"{contact.id}|{contact.email}|{device_id}|{issued}", PURPOSE)


def recognise(contact: Contact | None, cookie: str | None) -> str:
    """The device id when `cookie` is a live device cookie of this contact, else ""."""
    if contact is None or not cookie or len(cookie) > _MAX_COOKIE_CHARS:
        return ""
    parts = cookie.split(".")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[0]:
        return ""
    device_id, issued, signature = parts[0], int(parts[1]), parts[2]
    if not hashes_equal(_signature(contact, device_id, issued), signature):
        return ""
    now = clock.now().timestamp()
    if not issued <= now < issued + DEVICE_COOKIE_MAX_AGE_SECONDS:
        return ""
    if contact.devices_reset_at is not None and issued <= contact.devices_reset_at.timestamp():
        return ""
    return device_id


def remember(db: Session, contact_id: int, current: str = "") -> str:
    """The device cookie to give a browser that just logged in as this contact: its current one when
    that is still valid for the contact (a device keeps its budget), else a new one."""
    contact = db.get(Contact, contact_id)
    if recognise(contact, current):
        return current
    device_id = secrets.token_urlsafe(12)  # 16 characters
    issued = int(clock.now().timestamp())
    return f"{device_id}.{issued}.{_signature(contact, device_id, issued)}"


def forget_all(db: Session, contacts: list[Contact | None]) -> None:
    """Every device cookie issued so far to these contacts stops counting, and no browser of theirs is
    trusted any more (any change that ends the contact's sessions ends this too)."""
    now = clock.now()
    for contact in filter(None, contacts):
        contact.devices_reset_at = now
        db.add(contact)
        for row in db.exec(select(TrustedDevice).where(TrustedDevice.contact_id == contact.id,
                                                       TrustedDevice.revoked_at.is_(None))).all():
            row.revoked_at = now
            db.add(row)
    db.flush()


# ---- trusted browsers: the device cookie's id, trusted for a second factor (a server-side row) ----

@dataclass(frozen=True)
class TrustedRow:
    id: int
    label: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None


def trust(db: Session, contact_id: int, cookie: str, label: str = "") -> None:
    """After a second factor: the browser with this (valid) device cookie skips it for 30 days."""
    device_id = recognise(db.get(Contact, contact_id), cookie)
    if not device_id:
        return
    now = clock.now()
    db.add(TrustedDevice(contact_id=contact_id, device_id=device_id, label=label[:120], created_at=now,
                         expires_at=now + timedelta(days=TRUST_DAYS)))
    db.flush()


def trusted(db: Session, contact_id: int, device_id: str) -> TrustedDevice | None:
    """The live trust of this browser (device id from a recognised cookie) for this contact, if any."""
    if not device_id:
        return None
    return db.exec(select(TrustedDevice).where(
        TrustedDevice.contact_id == contact_id, TrustedDevice.device_id == device_id,
        TrustedDevice.revoked_at.is_(None), TrustedDevice.expires_at > clock.now())).first()


def list_trusted(db: Session, contact_id: int) -> list[TrustedRow]:
    rows = db.exec(select(TrustedDevice).where(
        TrustedDevice.contact_id == contact_id, TrustedDevice.revoked_at.is_(None),
        TrustedDevice.expires_at > clock.now()).order_by(TrustedDevice.id)).all()
    return [TrustedRow(r.id, r.label, r.created_at, r.expires_at, r.last_used_at) for r in rows]


def revoke_trusted(db: Session, contact_id: int, trusted_id: int) -> bool:
    """Ends one trusted browser of this contact; False when it is not theirs (or not live)."""
    row = db.get(TrustedDevice, trusted_id)
    if row is None or row.contact_id != contact_id or row.revoked_at is not None:
        return False
    row.revoked_at = clock.now()
    db.add(row)
    db.flush()
    return True
