"""Console: the portal actions editor, its live preview, and "preview as a contact" (impersonation)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from typing import ClassVar

import reflex as rx

from portal_app.core import accounts, business, i18n
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError
from portal_app.core.states.dialogs import Dialogs
from portal_app.core.states.handlers import parse_id, staff_event
from portal_app.core.states.staff import StaffState
from portal_app.dashboard import actions as portal_actions
from portal_app.dashboard.actions import ActionInput, ShownAction


@dataclass(frozen=True)
class ActionRow:
    """One configured action in the editor's list."""

    id: int
    kind: str
    label: str
    icon: str
    target: str
    audience: str
    enabled: bool
    no_page: bool  # its kind has no page yet: customers do not see it
    first: bool
    last: bool


@dataclass(frozen=True)
class LabelLanguage:
    """A language the labels are written in; the business's default one is required."""

    code: str
    name: str
    required: bool


class AdminActionsState(Dialogs, StaffState):
    area: ClassVar[str] = "settings"
    rows: list[ActionRow] = []
    # The form (the dialog "form"): what it starts from, and the action it saves (0: a new one).
    edit: ActionInput = portal_actions.NEW_ACTION
    edit_id: int = 0
    form_version: int = 0
    label_languages: list[LabelLanguage] = []
    default_language: str = "en"
    confirm_delete_id: int = 0
    # Live preview
    preview_lang: str = "en"
    preview_role: str = "admin"
    preview: list[ShownAction] = []

    @rx.var
    def preview_heading(self) -> str:
        return i18n.t(self.preview_lang, "dashboard.actions")

    @rx.var
    def preview_empty(self) -> str:
        return i18n.t(self.preview_lang, "dashboard.no_actions", business=self.brand_name)

    @rx.var
    def kind_choices(self) -> list[str]:
        return list(portal_actions.KINDS)

    @rx.var
    def icon_choices(self) -> list[str]:
        return list(portal_actions.ICONS)

    def _fill(self, db) -> None:
        biz = business.business_view(db)
        lang = self.lang or "en"
        self.default_language = biz.default_language
        offered = business.offered_languages(biz)
        self.label_languages = [LabelLanguage(c, i18n.LANGUAGE_NAMES.get(c, c), c == biz.default_language)
                                for c in [biz.default_language, *[x for x in offered if x != biz.default_language]]]
        if self.preview_lang not in offered:
            self.preview_lang = biz.default_language
        rows = portal_actions.list_actions(db)
        self.rows = [ActionRow(r.id, r.kind, portal_actions.label_for(r.labels or {}, lang, biz.default_language),
                               r.icon, r.target, r.audience, r.enabled, not portal_actions.destination(r),
                               i == 0, i == len(rows) - 1)
                     for i, r in enumerate(rows)]
        self.preview = portal_actions.preview(db, lang=self.preview_lang, role=self.preview_role)

    def _open_form(self, row=None) -> None:
        """The form, for `row` (a PortalAction) or a new action."""
        self.edit_id = 0 if row is None else row.id
        self.edit = portal_actions.NEW_ACTION if row is None else ActionInput.of(row)
        self.form_version += 1
        self.dialog, self.flash_key = "form", ""

    @staff_event("read")
    def load_actions(self, db, ctx):
        self.dialog, self.confirm_delete_id = "", 0
        self._fill(db)

    @staff_event("read")
    def new_action(self, db, ctx):
        self._open_form()

    @staff_event("read")
    def edit_action(self, db, ctx, action_id: int):
        self._open_form(portal_actions.get_action(db, parse_id(action_id)))

    @staff_event("read")
    def form_open_changed(self, db, ctx, is_open: bool):
        self.dialog = "form" if is_open else ""

    @staff_event("read")
    def set_edit_kind(self, db, ctx, kind: str):
        if kind in portal_actions.KINDS:
            icon = self.edit.icon
            if icon == portal_actions.DEFAULT_ICONS.get(self.edit.kind):
                icon = portal_actions.DEFAULT_ICONS[kind]
            self.edit = replace(self.edit, kind=kind, icon=icon)

    @staff_event("read")
    def set_edit_icon(self, db, ctx, icon: str):
        if icon in portal_actions.ICONS:
            self.edit = replace(self.edit, icon=icon)

    @staff_event
    def save_action(self, db, ctx, form: dict):
        data = ActionInput(kind=str(form.get("kind", self.edit.kind)),
                           labels={lang.code: str(form.get(f"label_{lang.code}", ""))[:200]
                                   for lang in self.label_languages},
                           icon=self.edit.icon, target=str(form.get("target", ""))[:600],
                           audience=str(form.get("audience", "everyone")), enabled=bool(form.get("enabled")))
        portal_actions.save_action(db, ctx.actor, data, self.edit_id or None)
        self._fill(db)
        self.dialog = ""
        self._flash("admin.actions.saved")

    @staff_event
    def toggle_enabled(self, db, ctx, action_id: int):
        self.flash_key = ""
        row = portal_actions.get_action(db, parse_id(action_id))
        portal_actions.set_enabled(db, ctx.actor, row.id, not row.enabled)
        self._fill(db)

    @staff_event
    def move(self, db, ctx, action_id: int, delta: int):
        self.flash_key = ""
        portal_actions.move_action(db, ctx.actor, parse_id(action_id), -1 if int(delta) < 0 else 1)
        self._fill(db)

    @staff_event("read")
    def ask_delete(self, db, ctx, action_id: int):
        self.confirm_delete_id = 0
        self.confirm_delete_id = parse_id(action_id)

    @staff_event("read")
    def cancel_delete(self, db, ctx):
        self.confirm_delete_id = 0

    @staff_event
    def confirm_delete(self, db, ctx):
        target, self.confirm_delete_id = self.confirm_delete_id, 0
        portal_actions.delete_action(db, ctx.actor, target)
        self._fill(db)
        self._flash("admin.actions.deleted")

    @staff_event("read")
    def set_preview_lang(self, db, ctx, lang: str):
        if lang in i18n.shipped_languages():
            self.preview_lang = lang
            self._fill(db)

    @staff_event("read")
    def set_preview_role(self, db, ctx, role: str):
        if role in ("admin", "member"):
            self.preview_role = role
            self._fill(db)

    @staff_event("support.write")
    async def preview_as_contact(self, ctx, form: dict):
        """The real dashboard of one contact, through impersonation (audited, with its banner)."""
        email = accounts.normalise_email(str(form.get("email", ""))[:254])
        with session_scope() as db:
            contact = accounts.find_login_contact(db, email)
            if contact is None:
                raise DomainError("admin.actions.unknown_contact")
        return await self._open_portal_as(ctx, contact.id)
