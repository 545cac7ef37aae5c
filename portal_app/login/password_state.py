"""The "choose your password" page a single-use link opens (first connection or forgotten password)."""

from __future__ import annotations

from portal_app.core.auth import passwords
from portal_app.core.states.handlers import public_event
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import PageMessage


class PasswordState(PageMessage, PortalState):
    link_ok: bool = False
    done: bool = False

    def _token(self) -> str:
        return str(self.router.url.query_parameters.get("token", ""))[:200]

    @public_event
    def password_load(self, db):
        self._load_branding(db)
        self.error_key, self.done = "", False
        self.link_ok = passwords.enabled(db) and passwords.link_is_live(db, self._token())
        if not self.link_ok:
            self.error_key = "password.error.link_over"

    @public_event
    def save_password(self, db, form: dict):
        self.error_key = ""
        passwords.set_password(db, self._token(), str(form.get("password", ""))[:200], self._client_ip())
        self.done, self.link_ok = True, False
