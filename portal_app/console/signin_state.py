"""Console, the contact page's "Sign-in methods" section: the contact's passkeys, removable by staff."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.core import accounts, i18n
from portal_app.core import audit
from portal_app.core.auth import devices, passkeys, totp
from portal_app.core.errors import NotFound
from portal_app.core.states.handlers import parse_id, staff_event
from portal_app.core.states.paging import query_int
from portal_app.core.states.staff import StaffState


@dataclass(frozen=True)
class StaffPasskeyRow:
    id: int = 0
    name: str = ""
    created: str = ""
    last_used: str = ""


class ContactSignInState(StaffState):
    signin_contact_id: int = 0
    passkeys: list[StaffPasskeyRow] = []
    totp_on: bool = False
    trusted: list[StaffPasskeyRow] = []  # id, label, since, until

    def _list(self, db) -> None:
        lang = self.lang or "en"
        self.passkeys = [StaffPasskeyRow(p.id, p.name, i18n.format_datetime(p.created_at, lang),
                                         i18n.format_datetime(p.last_used_at, lang) if p.last_used_at else "")
                         for p in passkeys.list_for(db, self.signin_contact_id)]
        self.totp_on = accounts.get_contact(db, self.signin_contact_id).totp_enabled
        self.trusted = [StaffPasskeyRow(r.id, r.label, i18n.format_datetime(r.created_at, lang),
                                        i18n.format_datetime(r.expires_at, lang))
                        for r in devices.list_trusted(db, self.signin_contact_id)]

    @staff_event
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
