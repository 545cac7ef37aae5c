"""Console › Settings › Customer emails: staff rewrite each customer email per language, with a preview
on sample data, and reset it to the shipped text. The rules are core/notify/templates.py."""

from __future__ import annotations

from typing import ClassVar

from portal_app.core import i18n
from portal_app.core.business import branding
from portal_app.core.errors import DomainError
from portal_app.core.notify import templates
from portal_app.core.states.handlers import staff_event
from portal_app.core.states.staff import StaffState


class AdminEmailsState(StaffState):
    area: ClassVar[str] = "settings"

    template: str = ""
    language: str = ""
    template_choices: list[str] = list(templates.EDITABLE)
    language_choices: list[str] = []
    placeholders: list[str] = []
    customised: bool = False
    # The draft being edited (what the preview shows); saved only by "Save".
    draft_subject: str = ""
    draft_body: str = ""
    form_version: int = 0
    preview_subject: str = ""
    preview_html: str = ""
    preview_error: str = ""
    # Each preview mounts a fresh frame (its key): Chromium can leave a frame blank when its srcdoc changes
    # while the previous document is still loading (the empty one at mount, or a draft typed quickly).
    preview_version: int = 0

    def _open(self, db, template: str, language: str) -> None:
        self.language_choices = i18n.shipped_languages()
        self.template = template if template in templates.EDITABLE else templates.EDITABLE[0]
        self.language = language if language in self.language_choices else "en"
        self.placeholders = ["{" + p + "}" for p in templates.placeholders(self.template)]
        self.draft_subject, self.draft_body, self.customised = templates.current_text(db, self.template, self.language)
        self.form_version += 1
        self._preview(db)

    def _preview(self, db) -> None:
        try:
            shown = templates.preview(self.template, self.language, branding(db), self.draft_subject, self.draft_body)
        except DomainError as exc:
            self.preview_error = i18n.t(self.lang or "en", exc.key, **exc.params)
            return
        self.preview_subject, self.preview_html, self.preview_error = shown.subject, shown.html, ""
        self.preview_version += 1

    @staff_event("read")
    def load_emails(self, db, ctx):
        params = self.router.url.query_parameters
        self._open(db, str(params.get("template", "")), str(params.get("lang", "")))

    @staff_event("read")
    def choose(self, db, ctx, form: dict):
        self._open(db, str(form.get("template", "")), str(form.get("language", "")))

    @staff_event("read")
    def edit_subject(self, db, ctx, value: str):
        self.draft_subject = str(value)[: templates.SUBJECT_MAX + 1]
        self._preview(db)

    @staff_event("read")
    def edit_body(self, db, ctx, value: str):
        self.draft_body = str(value)[: templates.BODY_MAX + 1]
        self._preview(db)

    @staff_event
    def save_email(self, db, ctx):
        templates.save_rewrite(db, ctx.actor, self.template, self.language, self.draft_subject, self.draft_body)
        self.customised = True
        self._flash("settings.emails.saved", "info")

    @staff_event
    def reset_email(self, db, ctx):
        templates.reset_rewrite(db, ctx.actor, self.template, self.language)
        db.flush()
        self._open(db, self.template, self.language)
        self._flash("settings.emails.reset_done", "info")
