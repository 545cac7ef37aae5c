"""Console: the portal actions editor, its live preview, and "preview as a contact" (impersonation)."""

from __future__ import annotations

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.core import accounts, business, i18n
from portal_app.core.auth import impersonation
from portal_app.dashboard import actions as portal_actions
from portal_app.core.errors import DomainError
from portal_app.dashboard.actions import ActionInput
from portal_app.core.states.portal import PortalState
from portal_app.core.states.staff import StaffState


class AdminActionsState(StaffState):
    rows: list[dict[str, str]] = []
    # The form (a dialog): 0 = a new action.
    form_open: bool = False
    edit_id: int = 0
    edit_kind: str = "message"
    edit_icon: str = "message_square"
    edit_target: str = ""
    edit_audience: str = "everyone"
    edit_enabled: bool = True
    edit_labels: dict[str, str] = {}
    form_version: int = 0
    label_languages: list[dict[str, str]] = []
    default_language: str = "en"
    confirm_delete_id: int = 0
    # Live preview
    preview_lang: str = "en"
    preview_role: str = "admin"
    preview: list[dict[str, str]] = []

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
        self._staff(db)
        biz = business.business_view(db)
        lang = self.lang or "en"
        self.default_language = biz.default_language
        offered = business.offered_languages(biz)
        self.label_languages = [{"code": c, "name": i18n.LANGUAGE_NAMES.get(c, c),
                                 "required": "1" if c == biz.default_language else ""}
                                for c in [biz.default_language, *[x for x in offered if x != biz.default_language]]]
        if self.preview_lang not in offered:
            self.preview_lang = biz.default_language
        rows = portal_actions.list_actions(db)
        self.rows = [{"id": str(r.id), "kind": r.kind,
                      "label": portal_actions.label_for(r.labels or {}, lang, biz.default_language),
                      "icon": r.icon, "target": r.target, "audience": r.audience, "enabled": "1" if r.enabled else "",
                      "no_page": "" if portal_actions.destination(r) else "1",
                      "first": "1" if i == 0 else "", "last": "1" if i == len(rows) - 1 else ""}
                     for i, r in enumerate(rows)]
        self.preview = [{"id": str(a.id), "label": a.label, "icon": a.icon, "href": a.href,
                         "external": "1" if a.external else "", "kind": a.kind}
                        for a in portal_actions.preview(db, lang=self.preview_lang, role=self.preview_role)]

    def _run(self, fn=None) -> bool:
        try:
            with session_scope() as db:
                if fn is not None:
                    fn(db)
                self._fill(db)
        except DomainError as exc:
            self._flash_error(exc)
            return False
        except (TypeError, ValueError):  # an id from the browser that is not a number
            self._flash_error(DomainError("error.not_found"))
            return False
        return True

    @rx.event
    def load_actions(self):
        self.form_open, self.confirm_delete_id = False, 0
        self._run()

    @rx.event
    def new_action(self):
        self.edit_id, self.edit_kind, self.edit_icon = 0, "message", "message_square"
        self.edit_target, self.edit_audience, self.edit_enabled, self.edit_labels = "", "everyone", True, {}
        self.form_version += 1
        self.form_open, self.flash_key = True, ""

    @rx.event
    def edit_action(self, action_id: int):
        try:
            with session_scope() as db:
                self._staff(db)
                row = portal_actions.get_action(db, int(action_id))
                self.edit_id, self.edit_kind, self.edit_icon = row.id, row.kind, row.icon
                self.edit_target, self.edit_audience, self.edit_enabled = row.target, row.audience, row.enabled
                self.edit_labels = {str(k): str(v) for k, v in (row.labels or {}).items()}
        except (DomainError, TypeError, ValueError) as exc:
            self._flash_error(exc if isinstance(exc, DomainError) else DomainError("error.not_found"))
            return
        self.form_version += 1
        self.form_open, self.flash_key = True, ""

    @rx.event
    def close_form(self):
        self.form_open = False

    @rx.event
    def form_open_changed(self, is_open: bool):
        self.form_open = bool(is_open)

    @rx.event
    def set_edit_kind(self, kind: str):
        if kind in portal_actions.KINDS:
            if self.edit_icon == portal_actions.DEFAULT_ICONS.get(self.edit_kind):
                self.edit_icon = portal_actions.DEFAULT_ICONS[kind]
            self.edit_kind = kind

    @rx.event
    def set_edit_icon(self, icon: str):
        if icon in portal_actions.ICONS:
            self.edit_icon = icon

    @rx.event
    def save_action(self, form: dict):
        langs = [row["code"] for row in self.label_languages]
        data = ActionInput(kind=str(form.get("kind", self.edit_kind)),
                           labels={c: str(form.get(f"label_{c}", ""))[:200] for c in langs},
                           icon=self.edit_icon, target=str(form.get("target", ""))[:600],
                           audience=str(form.get("audience", "everyone")), enabled=bool(form.get("enabled")))

        def save(db):
            ctx = self._staff(db)
            portal_actions.save_action(db, ctx.actor, data, self.edit_id or None)

        if self._run(save):
            self.form_open = False
            self._flash("admin.actions.saved")

    @rx.event
    def toggle_enabled(self, action_id: int):
        def toggle(db):
            ctx = self._staff(db)
            row = portal_actions.get_action(db, int(action_id))
            portal_actions.set_enabled(db, ctx.actor, row.id, not row.enabled)

        self.flash_key = ""
        self._run(toggle)

    @rx.event
    def move(self, action_id: int, delta: int):
        def do(db):
            ctx = self._staff(db)
            portal_actions.move_action(db, ctx.actor, int(action_id), -1 if int(delta) < 0 else 1)

        self.flash_key = ""
        self._run(do)

    @rx.event
    def ask_delete(self, action_id: int):
        try:
            self.confirm_delete_id = int(action_id)
        except (TypeError, ValueError):
            self.confirm_delete_id = 0

    @rx.event
    def cancel_delete(self):
        self.confirm_delete_id = 0

    @rx.event
    def confirm_delete(self):
        target = self.confirm_delete_id
        self.confirm_delete_id = 0

        def do(db):
            ctx = self._staff(db)
            portal_actions.delete_action(db, ctx.actor, target)

        if self._run(do):
            self._flash("admin.actions.deleted")

    @rx.event
    def set_preview_lang(self, lang: str):
        if lang in i18n.shipped_languages():
            self.preview_lang = lang
            self._run()

    @rx.event
    def set_preview_role(self, role: str):
        if role in ("admin", "member"):
            self.preview_role = role
            self._run()

    @rx.event
    async def preview_as_contact(self, form: dict):
        """The real dashboard of one contact, through impersonation (audited, with its banner)."""
        email = accounts.normalise_email(str(form.get("email", ""))[:254])
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                contact = accounts.find_login_contact(db, email)
                if contact is None:
                    raise DomainError("admin.actions.unknown_contact")
                token = impersonation.start(db, ctx, contact.id, self._client_ip())
        except DomainError as exc:
            self._flash_error(exc)
            return
        portal = await self.get_state(PortalState)
        portal.portal_sid = token
        portal._exit_to = ""
        return rx.redirect("/")
