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

from sqlmodel import Session

from portal_app.core import clock
from portal_app.core.models.accounts import Contact
from portal_app.core.security import hashes_equal, hmac_hash

DEVICE_COOKIE = "guichet_device"
DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 86400
PURPOSE = "login-device"
_MAX_COOKIE_CHARS = 120


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
    """Every device cookie issued so far to these contacts stops counting."""
    now = clock.now()
    for contact in filter(None, contacts):
        contact.devices_reset_at = now
        db.add(contact)
    db.flush()
