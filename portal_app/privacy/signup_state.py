"""The sign-up page's state (`/signup`): email, then code, then name; it ends in the GDPR space."""

from __future__ import annotations

import reflex as rx

from portal_app.core import i18n, notify
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.errors import DomainError
from portal_app.core.states.handlers import public_event
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import PageMessage
from portal_app.privacy import signup


class SignupState(PageMessage, PortalState):
    step: str = "email"  # email | code | name | waiting
    offered: bool = False  # the business turned sign-up on (the login page's link, the page itself)
    info_key: str = ""
    # The sign-up in progress stays on the server, for this tab.
    _signup_id: int = 0

    @rx.var
    def info_text(self) -> str:
        return i18n.t(self.lang or "en", self.info_key) if self.info_key else ""

    def _fail(self, exc: DomainError) -> None:
        super()._fail(exc)
        if exc.key in ("signup.error.expired", "signup.error.off"):
            self._set(step="email", info_key="", _signup_id=0)

    @public_event
    def load_signup_link(self, db):
        self._set(offered=signup.enabled(db))

    @public_event
    def load_signup(self, db):
        self._load_branding(db)
        self._set(offered=signup.enabled(db), error_key="")
        if self.step == "waiting" or not self.offered:
            self._set(step="email", info_key="", _signup_id=0)

    @public_event
    def submit_signup_email(self, db, form: dict):
        self._set(error_key="", info_key="")
        signup_id, deliveries = signup.start(db, str(form.get("email", ""))[:254], self._client_ip())
        notify.dispatch_after_commit(db, deliveries)
        self._set(_signup_id=signup_id, step="code", info_key="signup.code_sent")

    @public_event
    def submit_signup_code(self, db, form: dict):
        self._set(error_key="")
        signup.verify(db, self._signup_id, str(form.get("code", ""))[:20])
        self._set(step="name", info_key="")

    @public_event
    def submit_signup_name(self, db, form: dict):
        self._set(error_key="")
        contact, deliveries = signup.finish(db, self._signup_id, first_name=str(form.get("first_name", "")),
                                            last_name=str(form.get("last_name", "")),
                                            language=self.lang or "")
        notify.dispatch_after_commit(db, deliveries)
        self._set(_signup_id=0)
        if contact is None:
            self._set(step="waiting", info_key="signup.waiting")
            return
        token = portal_sessions.open_session(db, contact.id, client_ip=self._client_ip())
        self.portal_sid = token
        self._apply(portal_sessions.resolve_session(db, token))
        self._set(step="email", info_key="")
        return rx.redirect("/privacy")
