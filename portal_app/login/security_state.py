"""The customer's "Sign-in methods" page: passkeys (add, name, remove)."""

from __future__ import annotations

import json
import reflex as rx

from portal_app.core import i18n
from portal_app.core import accounts
from portal_app.core.auth import devices, passkeys, totp
from portal_app.core.auth.sessions import refuse_when_impersonating
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.states.handlers import parse_id, portal_event
from portal_app.core.states.portal import PortalState
from portal_app.core.states.signin import SignInRow, passkey_rows, trusted_rows
from portal_app.core.states.site import PageMessage


class SecurityState(PageMessage, PortalState):
    passkeys: list[SignInRow] = []
    # The home page's "use a passkey next time" card: a contact without a passkey, not impersonated.
    offer_passkey: bool = False
    success_key: str = ""
    totp_on: bool = False
    totp_required: bool = False
    totp_enrolling: bool = False
    qr_version: int = 0
    recovery_left: int = 0
    # Shown once, right after enrolment, to the contact who enrolled (cleared on the next load).
    recovery_codes: list[str] = []
    trusted: list[SignInRow] = []
    # The registration ceremony (its challenge, bound to this session) stays on the server.
    _ceremony: str = ""
    _pending_name: str = ""
    _after: str = ""
    # Set when a registration from the home page goes on to this page: its "saved" survives that load.
    _keep_message: bool = False

    @rx.var
    def success_text(self) -> str:
        return i18n.t(self.lang or "en", self.success_key) if self.success_key else ""

    def _list(self, db, ctx) -> None:
        lang = self.lang or "en"
        self.passkeys = passkey_rows(db, ctx.contact_id, lang)
        contact = accounts.get_contact(db, ctx.contact_id)
        self.totp_on, self.totp_required = contact.totp_enabled, totp.required_for(db, contact)
        self.recovery_left = totp.recovery_left(db, contact.id) if contact.totp_enabled else 0
        self.trusted = trusted_rows(db, ctx.contact_id, lang)

    @portal_event
    def load_security(self, db, ctx):
        if not self._keep_message:
            self.error_key = self.success_key = ""
        self._keep_message = False
        self.recovery_codes, self.totp_enrolling = [], False
        self._list(db, ctx)

    @portal_event
    def start_totp(self, db, ctx):
        """A new secret, shown only by the QR and key routes (never in this state)."""
        self.error_key = self.success_key = ""
        totp.start_enrolment(db, ctx)
        self.totp_enrolling, self.qr_version = True, self.qr_version + 1

    @portal_event
    def confirm_totp(self, db, ctx, form: dict):
        self.error_key = self.success_key = ""
        self.recovery_codes = totp.confirm_enrolment(db, ctx, str(form.get("code", ""))[:12])
        self.totp_enrolling, self.success_key = False, "totp.enabled"
        self._list(db, ctx)

    @portal_event
    def disable_totp(self, db, ctx, form: dict):
        self.error_key = self.success_key = ""
        totp.disable(db, ctx, str(form.get("code", ""))[:12])
        self.recovery_codes, self.success_key = [], "totp.disabled"
        self._list(db, ctx)

    @portal_event
    def revoke_trusted(self, db, ctx, trusted_id):
        self.error_key = self.success_key = ""
        refuse_when_impersonating(ctx, "device")
        if not devices.revoke_trusted(db, ctx.contact_id, parse_id(trusted_id)):
            raise NotFound()
        self.success_key = "trusted.revoked"
        self._list(db, ctx)

    @portal_event
    def load_offer(self, db, ctx):
        self._set(offer_passkey=not ctx.impersonating and passkeys.count(db, ctx.contact_id) == 0)

    @portal_event
    def start_registration(self, db, ctx, form: dict):
        """Options made here (the challenge kept server-side), then the browser's authenticator."""
        self.error_key = self.success_key = ""
        options, self._ceremony = passkeys.registration_options(db, ctx)
        self._pending_name = str(form.get("name", ""))[:passkeys.NAME_MAX_CHARS]
        self._after = "/security" if form.get("after") == "security" else ""
        return rx.call_script(f"window.guichetPasskey.create({json.dumps(options)})",
                              callback=SecurityState.finish_registration)

    @portal_event
    def finish_registration(self, db, ctx, response: str):
        ceremony, self._ceremony = self._ceremony, ""  # good once
        if not response:
            raise DomainError("passkey.error.cancelled")
        passkeys.register(db, ctx, ceremony, response, self._pending_name)
        self.success_key = "passkey.added"
        self._list(db, ctx)
        self.offer_passkey = False
        if self._after:
            self._keep_message = True
            return rx.redirect(self._after)

    @portal_event
    def remove_passkey(self, db, ctx, passkey_id):
        self.error_key = self.success_key = ""
        passkeys.remove(db, ctx, parse_id(passkey_id))
        self.success_key = "passkey.removed"
        self._list(db, ctx)
