"""Console: business settings, logo and login-page image."""

from __future__ import annotations

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.core.models.accounts import MODULES
from portal_app.core import business, i18n
from portal_app.core.errors import DomainError
from portal_app.core.states.staff import StaffState


class AdminSettingsState(StaffState):
    name: str = ""
    brand_color: str = ""
    login_text: str = ""
    default_language: str = "en"
    languages: list[str] = []
    sender_name: str = ""
    modules: list[str] = []
    shipped: list[dict[str, str]] = []
    form_version: int = 0
    saved: bool = False

    @rx.var
    def module_choices(self) -> list[str]:
        return list(MODULES)

    def _fill(self, db) -> None:
        row = business.get_business(db)
        self.name, self.brand_color, self.login_text = row.name, row.brand_color, row.login_text
        self.default_language, self.languages = row.default_language, list(row.languages or [])
        self.sender_name = row.sender_name
        self.modules = list(row.modules or [])
        self.shipped = [{"code": c, "name": i18n.LANGUAGE_NAMES.get(c, c)} for c in i18n.shipped_languages()]
        self.form_version += 1

    @rx.event
    def load_settings(self):
        self.saved = False
        try:
            with session_scope() as db:
                self._staff(db)
                self._fill(db)
        except DomainError:
            return

    @rx.event
    def save_settings(self, form: dict):
        self.saved = False
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                business.update_business(
                    db, ctx.actor, name=str(form.get("name", "")), brand_color=str(form.get("brand_color", "")),
                    login_text=str(form.get("login_text", "")),
                    default_language=str(form.get("default_language", "")),
                    languages=[c for c in i18n.shipped_languages() if form.get(f"lang_{c}")],
                    sender_name=str(form.get("sender_name", "")),
                    # Password login for customers is not offered yet: the flag keeps its stored value.
                    password_login_enabled=business.get_business(db).password_login_enabled,
                    modules=[m for m in MODULES if form.get(f"module_{m}")],
                )
                self._fill(db)
                self._load_branding(db)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.flash_key = ""
        self.saved = True

    async def _store_image(self, which: str, files: list[rx.UploadFile]):
        if not files:
            return
        data = await files[0].read(business.IMAGE_MAX_BYTES + 1)
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                _, previous = business.store_branding_image(db, ctx.actor, which, data)
                self._load_branding(db)
        except DomainError as exc:
            self._flash_error(exc)
            return
        business.remove_branding_file(previous)  # only once the new one is committed
        self._flash("admin.settings.image_saved", "info")

    @rx.event
    async def upload_logo(self, files: list[rx.UploadFile]):
        await self._store_image("logo", files)

    @rx.event
    async def upload_login_image(self, files: list[rx.UploadFile]):
        await self._store_image("login_image", files)
