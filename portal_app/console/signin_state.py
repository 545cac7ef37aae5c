"""Console, the contact page's "Sign-in methods" section: the contact's passkeys, removable by staff."""

from __future__ import annotations

from typing import ClassVar

from portal_app.core import accounts, audit
from portal_app.core.auth import devices, passkeys, totp
from portal_app.core.errors import NotFound
from portal_app.core.states.handlers import parse_id, staff_event
from portal_app.core.states.paging import query_int
from portal_app.core.states.signin import SignInRow, passkey_rows, trusted_rows
from portal_app.core.states.staff import StaffState


class ContactSignInState(StaffState):
    # Helping a contact sign in is support's (core/permissions.py): agents may remove a lost passkey.
    area: ClassVar[str] = "support"
    signin_contact_id: int = 0
    passkeys: list[SignInRow] = []
    totp_on: bool = False
    trusted: list[SignInRow] = []

    def _list(self, db) -> None:
        lang = self.lang or "en"
        self.passkeys = passkey_rows(db, self.signin_contact_id, lang)
        self.totp_on = accounts.get_contact(db, self.signin_contact_id).totp_enabled
        self.trusted = trusted_rows(db, self.signin_contact_id, lang)

    @staff_event("read")
    def load_signin(self, db, ctx):
        contact_id = query_int(self, "id")
        self.signin_contact_id = accounts.get_contact(db, contact_id).id if contact_id else 0
        self.passkeys, self.trusted, self.totp_on = [], [], False
        if self.signin_contact_id:
            self._list(db)

    @staff_event
    def remove_passkey(self, db, ctx, passkey_id):
        passkeys.staff_remove(db, ctx.actor, self.signin_contact_id, parse_id(passkey_id))
        self._list(db)
        self._flash("admin.contact.passkey_removed", "info")

    @staff_event
    def reset_totp(self, db, ctx):
        totp.staff_reset(db, ctx.actor, self.signin_contact_id)
        self._list(db)
        self._flash("admin.contact.totp_reset_done", "info")

    @staff_event
    def revoke_trusted(self, db, ctx, trusted_id):
        trusted_id = parse_id(trusted_id)
        if not devices.revoke_trusted(db, self.signin_contact_id, trusted_id):
            raise NotFound()
        contact = accounts.get_contact(db, self.signin_contact_id)
        audit.record(db, ctx.actor, "device.revoke", target_type="contact", target_id=contact.id,
                     account_id=contact.account_id, device=trusted_id)
        self._list(db)
        self._flash("admin.contact.device_revoked", "info")
