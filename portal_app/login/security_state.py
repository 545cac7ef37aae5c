"""The customer's "Sign-in methods" page: passkeys (add, name, remove)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import reflex as rx

from portal_app.core import i18n
from portal_app.core.auth import passkeys
from portal_app.core.errors import DomainError
from portal_app.core.states.handlers import parse_id, portal_event
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import PageMessage


@dataclass(frozen=True)
class PasskeyView:
    id: int = 0
    name: str = ""
    created: str = ""
    last_used: str = ""


class SecurityState(PageMessage, PortalState):
    passkeys: list[PasskeyView] = []
    # The home page's "use a passkey next time" card: a contact without a passkey, not impersonated.
    offer_passkey: bool = False
    success_key: str = ""
    # The registration ceremony (its challenge, bound to this session) stays on the server.
    _ceremony: str = ""
    _pending_name: str = ""
    _after: str = ""

    @rx.var
    def success_text(self) -> str:
        return i18n.t(self.lang or "en", self.success_key) if self.success_key else ""

    def _list(self, db, ctx) -> None:
        lang = self.lang or "en"
        self.passkeys = [PasskeyView(p.id, p.name, i18n.format_datetime(p.created_at, lang),
                                     i18n.format_datetime(p.last_used_at, lang) if p.last_used_at else "")
                         for p in passkeys.list_for(db, ctx.contact_id)]

    @portal_event
    def load_security(self, db, ctx):
        self.error_key = self.success_key = ""
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
            return rx.redirect(self._after)

    @portal_event
    def remove_passkey(self, db, ctx, passkey_id):
        self.error_key = self.success_key = ""
        passkeys.remove(db, ctx, parse_id(passkey_id))
        self.success_key = "passkey.removed"
        self._list(db, ctx)
