"""The staff console's session and its login (password, then TOTP)."""

from __future__ import annotations

import reflex as rx

from ..config import get_settings
from ..db import session_scope
from ..services import i18n, staff
from ..services.errors import DomainError
from ..services.staff import StaffContext
from .site import SiteState

STAFF_COOKIE = "guichet_staff"


class StaffState(SiteState):
    # The browser's own console token; the server keeps only its hash.
    staff_sid: str = rx.Cookie("", name=STAFF_COOKIE, same_site="strict", secure=get_settings().secure_cookies,
                               max_age=staff.STAFF_ABSOLUTE_SECONDS)
    staff_authed: bool = False
    staff_name: str = ""
    staff_role: str = ""
    flash_key: str = ""
    flash_params: dict[str, str] = {}
    flash_kind: str = "info"  # info | error

    @rx.var
    def flash_text(self) -> str:
        return i18n.t(self.lang or "en", self.flash_key, **self.flash_params) if self.flash_key else ""

    def _flash(self, key: str, kind: str = "info", **params) -> None:
        self.flash_key, self.flash_kind = key, kind
        self.flash_params = {k: str(v) for k, v in params.items()}

    def _flash_error(self, exc: DomainError) -> None:
        self._flash(exc.key, "error", **exc.params)

    def _staff(self, db) -> StaffContext:
        """Every console handler starts here: no live, fully authenticated staff session, no action."""
        ctx = staff.resolve(db, self.staff_sid)
        self.staff_authed = ctx is not None
        if ctx is None:
            raise DomainError("error.session_over")
        self.staff_name, self.staff_role = ctx.name, ctx.role
        return ctx

    @rx.event
    def admin_load(self):
        """on_load of every console page."""
        self.flash_key = ""
        with session_scope() as db:
            self._load_branding(db)
            try:
                self._staff(db)
            except DomainError:
                return rx.redirect("/admin/login")

    @rx.event
    async def staff_logout(self):
        with session_scope() as db:
            staff.logout(db, self.staff_sid)
        # Nothing the console showed stays in this tab's state (it would be sent again on reload).
        pending = list(StaffState.get_substates())
        while pending:
            console_state = pending.pop()
            pending.extend(console_state.get_substates())
            (await self.get_state(console_state)).reset()
        self.reset()
        return [rx.remove_cookie(STAFF_COOKIE, {"path": "/"}), rx.redirect("/admin/login")]


class StaffLoginState(StaffState):
    step: str = "password"  # password | totp | enrol
    error_key: str = ""
    error_params: dict[str, str] = {}
    qr_version: int = 0

    @rx.var
    def error_text(self) -> str:
        return i18n.t(self.lang or "en", self.error_key, **self.error_params) if self.error_key else ""

    def _fail(self, exc: DomainError) -> None:
        self.error_key = exc.key
        self.error_params = {k: str(v) for k, v in exc.params.items()}
        if exc.key == "staff.error.session_over":
            self.step = "password"

    @rx.event
    def staff_login_load(self):
        self.error_key = ""
        with session_scope() as db:
            self._load_branding(db)
            if staff.resolve(db, self.staff_sid) is not None:
                return rx.redirect("/admin")
            if staff.resolve(db, self.staff_sid, require_mfa=False) is None:
                self.step = "password"

    @rx.event
    def submit_password(self, form: dict):
        self.error_key = ""
        try:
            with session_scope() as db:
                token, ctx = staff.login_password(db, str(form.get("email", ""))[:254],
                                                  str(form.get("password", ""))[:1000], self._client_ip())
        except DomainError as exc:
            self._fail(exc)
            return
        self.staff_sid = token
        self.step = "totp" if ctx.totp_enabled else "enrol"
        self.qr_version += 1

    @rx.event
    def submit_totp(self, form: dict):
        self.error_key = ""
        try:
            with session_scope() as db:
                ctx = staff.verify_totp(db, self.staff_sid, str(form.get("code", ""))[:20], self._client_ip())
        except DomainError as exc:
            self._fail(exc)
            return
        self.staff_authed = True
        self.staff_name, self.staff_role = ctx.name, ctx.role
        self.step = "password"
        return rx.redirect("/admin")
