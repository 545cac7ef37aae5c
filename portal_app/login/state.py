"""The customer login screen: email, then the one-time code."""

from __future__ import annotations

import json

import reflex as rx

from portal_app.core import i18n, notify
from portal_app.core.auth import devices, login, passkeys, passwords, sessions as portal_sessions
from portal_app.core.errors import DomainError
from portal_app.core.security import only_ascii_digits
from portal_app.core.states.handlers import public_event
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import PageMessage


class LoginState(PageMessage, PortalState):
    step: str = "email"  # email | code | totp (the authenticator app) | password | forgot (ask for a link)
    password_offered: bool = False  # the business offers password login
    email: str = ""
    busy: bool = False
    info_key: str = ""
    _challenge_id: str = ""
    # The passkey login ceremony (its challenge) stays on the server, for this tab.
    _passkey_ceremony: str = ""

    @rx.var
    def info_text(self) -> str:
        if not self.info_key:
            return ""
        return i18n.t(self.lang or "en", self.info_key, email=self.email)

    def _fail(self, exc: DomainError) -> None:
        super()._fail(exc)
        if exc.key in ("login.error.too_many_tries", "login.error.challenge_over"):
            self._restart()

    def _restart(self) -> None:
        self.step = "email"
        self._challenge_id = ""
        self.info_key = ""

    @public_event
    def login_load(self, db):
        """Already logged in? Go home. Else show the branded form."""
        self._load_branding(db)
        if portal_sessions.resolve_session(db, self.portal_sid, touch=False) is not None:
            return rx.redirect("/")
        self.password_offered = passwords.enabled(db)
        self.error_key = ""
        self._exit_to = ""
        if self.step != "code":
            # on_load can run more than once for one visit: the goodbye stays until the next action
            keep = self._goodbye or self.info_key == "login.session_ended"
            self._restart()
            self.info_key = "login.session_ended" if keep else ""
            self._goodbye = False

    @public_event
    def keep_email(self, db, value: str):
        """The address typed so far, kept as the person leaves the field: the step they choose next (a
        password, a forgotten one, a code again) shows it in its own form instead of an empty one."""
        if isinstance(value, str):
            self.email = value[:254].strip()

    @public_event
    def submit_email(self, db, form: dict):
        self.error_key = self.info_key = ""
        self.email = str(form.get("email", ""))[:254].strip()
        sent = login.request_code(db, self.email, self._client_ip(), device_cookie=self.login_device)
        notify.dispatch_after_commit(db, sent.deliveries)
        self._challenge_id = sent.challenge_id
        self.step = "code"
        self.info_key = "login.code_sent"

    def _resend(self, db, by_email: bool):
        self.error_key = ""
        sent = login.resend_code(db, self._challenge_id, self._client_ip(), by_email=by_email,
                                 device_cookie=self.login_device)
        notify.dispatch_after_commit(db, sent.deliveries)
        self.info_key = "login.resent_email" if by_email else "login.resent"

    @public_event
    def resend(self, db):
        self._resend(db, by_email=False)

    @public_event
    def send_by_email(self, db):
        self._resend(db, by_email=True)

    @public_event
    def other_email(self, db):
        self.error_key = ""
        self._restart()

    @public_event
    def submit_code(self, db, form: dict):
        self.error_key = ""
        code = only_ascii_digits(str(form.get("code", "")))
        if len(code) != 6:
            raise DomainError("login.error.code_format")
        token, ctx = login.verify_code(db, self._challenge_id, code, self._client_ip())
        if not token:  # the contact's authenticator app is asked next, on the same challenge
            self.step, self.info_key = "totp", "login.totp_asked"
            return None
        self._logged_in(db, token, ctx)
        return rx.redirect("/")

    @public_event
    def submit_totp(self, db, form: dict):
        """The authenticator app's code (or a recovery code); "trust this browser" skips it for 30 days."""
        self.error_key = ""
        token, ctx = login.verify_second_factor(db, self._challenge_id, str(form.get("code", ""))[:24],
                                                self._client_ip())
        self._logged_in(db, token, ctx)
        if form.get("trust"):
            devices.trust(db, ctx.contact_id, self.login_device, label=self.router.headers.user_agent or "")
        return rx.redirect("/")

    def _logged_in(self, db, token: str, ctx) -> None:
        self.portal_sid = token
        self.login_device = devices.remember(db, ctx.contact_id, self.login_device)
        self._apply(ctx)
        if self._on_offer(ctx.language):
            self._set(lang=ctx.language, lang_pref=ctx.language)
        self._restart()
        self.email = ""

    @public_event
    def start_passkey(self, db):
        """"Log in with a passkey": the server makes the options and keeps the challenge."""
        self.error_key = self.info_key = ""
        options, self._passkey_ceremony = passkeys.authentication_options()
        return rx.call_script(f"window.guichetPasskey.get({json.dumps(options)})",
                              callback=LoginState.finish_passkey)

    @public_event
    def finish_passkey(self, db, response: str):
        ceremony, self._passkey_ceremony = self._passkey_ceremony, ""  # good once
        if not response:
            raise DomainError("passkey.error.cancelled")
        token, ctx = passkeys.login(db, ceremony, response, self._client_ip())
        self._logged_in(db, token, ctx)
        return rx.redirect("/")

    @public_event
    def choose_step(self, db, step: str):
        """Switch between the code, password and "send me a link" forms (the only steps chosen by hand)."""
        if step in ("email", "password", "forgot") and (step == "email" or passwords.enabled(db)):
            self.error_key = self.info_key = ""
            self._restart()
            self.step = step

    @public_event
    def submit_password(self, db, form: dict):
        self.error_key = self.info_key = ""
        self.email = str(form.get("email", ""))[:254].strip()
        token, ctx, challenge = passwords.login(db, self.email, str(form.get("password", ""))[:200],
                                                self._client_ip(), device_cookie=self.login_device)
        if not token:  # the authenticator app next
            self._challenge_id = challenge
            self.step, self.info_key = "totp", "login.totp_asked"
            return None
        self._logged_in(db, token, ctx)
        return rx.redirect("/")

    @public_event
    def request_password_link(self, db, form: dict):
        """First connection or forgotten password: the same answer for every address."""
        self.error_key = self.info_key = ""
        self.email = str(form.get("email", ""))[:254].strip()
        notify.dispatch_after_commit(db, passwords.request_link(db, self.email, self._client_ip()))
        self.info_key = "password.link_sent"
