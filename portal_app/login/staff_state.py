"""The console's login: password, then TOTP (enrolled with a QR code at the first login)."""

from __future__ import annotations

import reflex as rx

from portal_app.core.auth import staff, staff_users
from portal_app.core.errors import DomainError
from portal_app.core.states.handlers import public_event
from portal_app.core.states.site import PageMessage
from portal_app.core.states.staff import StaffState


class StaffLoginState(PageMessage, StaffState):
    step: str = "password"  # password | totp | enrol
    qr_version: int = 0

    def _fail(self, exc: DomainError) -> None:
        super()._fail(exc)
        if exc.key == "staff.error.session_over":
            self.step = "password"

    @public_event
    def staff_login_load(self, db):
        self.error_key = ""
        self._load_branding(db)
        if staff.resolve(db, self.staff_sid) is not None:
            return rx.redirect("/admin")
        if staff.resolve(db, self.staff_sid, require_mfa=False) is None:
            self.step = "password"

    @public_event
    def submit_password(self, db, form: dict):
        self.error_key = ""
        token, ctx = staff.login_password(db, str(form.get("email", ""))[:254],
                                          str(form.get("password", ""))[:1000], self._client_ip())
        self.staff_sid = token
        self.step = "totp" if ctx.totp_enabled else "enrol"
        self.qr_version += 1

    @public_event
    def submit_totp(self, db, form: dict):
        self.error_key = ""
        ctx = staff.verify_totp(db, self.staff_sid, str(form.get("code", ""))[:20], self._client_ip())
        self.staff_authed = True
        self.staff_name, self.staff_role = ctx.name, ctx.role
        self.step = "password"
        return rx.redirect("/admin")


class StaffWelcomeState(PageMessage, StaffState):
    """/admin/welcome?token=…: an invited staff member chooses their password (TOTP follows at login)."""

    welcome_step: str = "form"  # form | done | invalid
    welcome_email: str = ""

    @public_event
    def welcome_load(self, db):
        """Public: the link's token is the only credential, checked here and again on submit."""
        self.error_key = ""
        self._load_branding(db)
        user = staff_users.invited_user(db, self.router.url.query_parameters.get("token", ""))
        self.welcome_step = "form" if user else "invalid"
        self.welcome_email = user.email if user else ""

    @public_event
    def choose_password(self, db, form: dict):
        self.error_key = ""
        staff_users.accept_invitation(db, self.router.url.query_parameters.get("token", ""),
                                      str(form.get("password", ""))[:1000], str(form.get("confirm", ""))[:1000])
        self.welcome_step, self.welcome_email = "done", ""
