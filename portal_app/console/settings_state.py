"""Console: business settings, logo and login-page image."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from portal_app.core.auth import staff
from portal_app.core.db import session_scope
from portal_app.core.files import STAGING
from portal_app.core.models.accounts import MODULES
from portal_app.core import business, contrast, i18n
from portal_app.core.states.handlers import staff_event
from portal_app.core.states.staff import StaffState
from portal_app.core.states.uploads import receive_and_store
from portal_app.console.contacts_state import LanguageChoice
from portal_app.core.states.forms import SettingsPage


class AdminSettingsState(SettingsPage, StaffState):
    area: ClassVar[str] = "settings"
    view: business.BusinessView = business.BusinessView("", "", None, None, "", "en", (), "")  # the form's values
    shipped: list[LanguageChoice] = []

    @rx.var
    def contrast_warning(self) -> str:
        """Said when the saved brand colour is hard to read against white or its button text (WCAG 1.4.3)."""
        colour = self.view.brand_color
        if not business.HEX_COLOUR.match(colour or ""):
            return ""
        check = contrast.brand_contrast(colour)
        if check.ok:
            return ""
        return self._t("admin.settings.contrast_warning", colour=colour, ratio=f"{check.on_white:.1f}",
                       minimum=f"{contrast.TEXT_MIN:.1f}")

    @rx.var
    def module_choices(self) -> list[str]:
        return list(MODULES)

    def _fill(self, db) -> None:
        self.view = business.business_view.fresh(db)  # what is stored now: every field is saved back
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

    async def _store_image(self, ctx, which: str, chunks: rx.UploadChunkIterator):
        """Streamed (rx.upload_files_chunk): the staff session first, then the image a chunk at a time as
        it arrives (refused past its limit)."""
        async with self:
            token = self.staff_sid

        def store(db, who, staged):
            return business.store_branding_image(db, who.actor, which, staged[0].path.read_bytes())

        _, previous = await receive_and_store(
            chunks, area=STAGING, resolve=lambda db: staff.resolve(db, token),
            limit_for=lambda db, who: business.IMAGE_MAX_BYTES, store=store, max_files=1,
            too_many_key="files.error.too_many", require_file=True, what="brand image")
        async with self:
            with session_scope() as db:
                self._load_branding(db)
            self._flash("admin.settings.image_saved", "info")
        business.remove_branding_file(previous)  # only once the new one is committed

    @staff_event(background=True)
    async def upload_logo(self, ctx, chunks: rx.UploadChunkIterator):
        await self._store_image(ctx, "logo", chunks)

    @staff_event(background=True)
    async def upload_login_image(self, ctx, chunks: rx.UploadChunkIterator):
        await self._store_image(ctx, "login_image", chunks)
