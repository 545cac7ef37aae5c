"""Console, a contact's sign-in methods (issue 12): staff see how many passkeys the contact has and remove
one of that contact only; reset the authenticator app; revoke a trusted browser; nothing without a session."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import select

from portal_app.console.signin_state import ContactSignInState
from portal_app.core import clock
from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Contact
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.auth import Passkey, TrustedDevice
from portal_app.core.security import encrypt_secret
from tests.factories import make_contact, staff_session
from tests.support.states import router_data, sub


def _contact_with_methods(passkeys: int) -> tuple[int, list[int], int]:
    """A contact with `passkeys` passkeys, an authenticator app and one trusted browser."""
    with session_scope() as db:
        c = make_contact(db, email=f"methods-{uuid.uuid4().hex[:8]}@example.com")
        c.totp_enabled, c.totp_secret_enc = True, encrypt_secret("JBSWY3DPEHPK3PXP")
        db.add(c)
        rows = [Passkey(contact_id=c.id, credential_id=uuid.uuid4().hex, public_key="pk", name=f"Key {i}")
                for i in range(passkeys)]
        trusted = TrustedDevice(contact_id=c.id, device_id=uuid.uuid4().hex[:20], label="Laptop",
                                expires_at=clock.now() + timedelta(days=30))
        db.add_all([*rows, trusted])
        db.flush()
        return c.id, [r.id for r in rows], trusted.id


def _page(root, contact_id: int, role: str = "agent") -> ContactSignInState:
    with session_scope() as db:
        token = staff_session(db, role=role)
    page = sub(root, ContactSignInState)
    page.staff_sid = token
    page.router = router_data("/admin/contact", {"id": contact_id})
    page.load_signin()
    return page


def test_staff_see_the_passkeys_and_remove_one_of_that_contact_only(root):
    cid, keys, _ = _contact_with_methods(2)
    _, other_keys, _ = _contact_with_methods(1)
    page = _page(root, cid)  # agents help people sign in (support area)
    assert [p.name for p in page.passkeys] == ["Key 0", "Key 1"] and page.totp_on and len(page.trusted) == 1

    page.remove_passkey(other_keys[0])  # another contact's passkey id
    assert page.flash_key == "error.not_found"
    page.remove_passkey("1 OR 1=1")
    page.remove_passkey(keys[0])
    assert page.flash_key == "admin.contact.passkey_removed" and [p.name for p in page.passkeys] == ["Key 1"]
    with session_scope() as db:
        assert db.get(Passkey, other_keys[0]) is not None and db.get(Passkey, keys[0]) is None
        removed = db.exec(select(AuditEvent).where(AuditEvent.action == "passkey.remove",
                                                   AuditEvent.target_id == cid)).all()
    assert [e.detail["passkey"] for e in removed] == [keys[0]]


def test_staff_reset_the_app_and_revoke_a_trusted_browser_of_that_contact_only(root):
    cid, _, trusted_id = _contact_with_methods(0)
    other, _, other_trusted = _contact_with_methods(0)
    page = _page(root, cid)
    page.revoke_trusted(other_trusted)
    assert page.flash_key == "error.not_found"
    page.revoke_trusted(trusted_id)
    assert page.flash_key == "admin.contact.device_revoked" and page.trusted == []
    page.reset_totp()
    assert page.flash_key == "admin.contact.totp_reset_done" and not page.totp_on
    with session_scope() as db:
        assert not db.get(Contact, cid).totp_enabled and db.get(Contact, cid).totp_secret_enc is None
        assert db.get(Contact, other).totp_enabled
        assert db.get(TrustedDevice, other_trusted).revoked_at is None


def test_without_a_console_session_nothing_is_removed(root):
    cid, keys, trusted_id = _contact_with_methods(1)
    page = sub(root, ContactSignInState)
    page.signin_contact_id = cid
    page.remove_passkey(keys[0])
    page.reset_totp()
    page.revoke_trusted(trusted_id)
    with session_scope() as db:
        assert db.get(Passkey, keys[0]) is not None and db.get(Contact, cid).totp_enabled
        assert db.get(TrustedDevice, trusted_id).revoked_at is None
