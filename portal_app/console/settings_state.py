"""Console: business settings, logo and login-page image."""

from __future__ import annotations

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.core.models.accounts import MODULES
from portal_app.core import business, i18n
from portal_app.core.states.handlers import staff_event
from portal_app.core.states.staff import StaffState
from portal_app.console.contacts_state import LanguageChoice
from portal_app.core.states.forms import SettingsPage


class AdminSettingsState(SettingsPage, StaffState):
    view: business.BusinessView = business.BusinessView("", "", None, None, "", "en", (), "")  # the form's values
    shipped: list[LanguageChoice] = []

    @rx.var
    def module_choices(self) -> list[str]:
        return list(MODULES)

    def _fill(self, db) -> None:
        business.forget_cached_business()  # the form shows what is stored now, not another worker's cache
        self.view = business.business_view(db)
        self.shipped = LanguageChoice.shipped()

    def _save(self, db, ctx, form: dict) -> None:
        business.update_business(
            db, ctx.actor, name=str(form.get("name", "")), brand_color=str(form.get("brand_color", "")),
            login_text=str(form.get("login_text", "")),
            default_language=str(form.get("default_language", "")),
            languages=[c for c in i18n.shipped_languages() if form.get(f"lang_{c}")],
            sender_name=str(form.get("sender_name", "")),
            password_login_enabled=bool(form.get("password_login_enabled")),
            modules=[m for m in MODULES if form.get(f"module_{m}")],
            customer_totp=str(form.get("customer_totp", "optional")),
        )
        self._load_branding(db)  # this tab's own pages follow the new name, colour and languages

    async def _store_image(self, ctx, which: str, files: list[rx.UploadFile]):
        if not files:
            return
        data = await files[0].read(business.IMAGE_MAX_BYTES + 1)
        with session_scope() as db:
            _, previous = business.store_branding_image(db, ctx.actor, which, data)
            self._load_branding(db)
        business.remove_branding_file(previous)  # only once the new one is committed
        self._flash("admin.settings.image_saved", "info")

    @staff_event
    async def upload_logo(self, ctx, files: list[rx.UploadFile]):
        await self._store_image(ctx, "logo", files)

    @staff_event
    async def upload_login_image(self, ctx, files: list[rx.UploadFile]):
        await self._store_image(ctx, "login_image", files)
