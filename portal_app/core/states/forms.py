"""A settings-like page written once: load the stored values into the form, save the form, say "Saved".

    class AdminBillingSettingsState(SettingsPage, StaffState):
        def _fill(self, db) -> None:            # the stored values -> this state's display vars
            ...
        def _save(self, db, ctx, form: dict):   # the submitted form -> the rule that checks and stores it
            ...

The page's on_load is `load_settings`, its form's on_submit `save_settings`, its form's `key` is
`form_version` (the inputs take the stored values again after a save) and `saved_row` shows
"Saved" once it went through. A refusal keeps the form as typed and shows the message."""

from __future__ import annotations

import reflex as rx

from portal_app.core.states.handlers import own_side_event


class SettingsPage(rx.State, mixin=True):
    saved: bool = False
    form_version: int = 0

    def _fill(self, db) -> None:  # pragma: no cover - each page writes its own
        raise NotImplementedError

    def _save(self, db, ctx, form: dict) -> None:  # pragma: no cover - each page writes its own
        raise NotImplementedError

    def _refill(self, db) -> None:
        self._fill(db)
        self.form_version += 1

    @own_side_event
    def load_settings(self, db, ctx):
        self.saved = False
        self._refill(db)

    @own_side_event
    def save_settings(self, db, ctx, form: dict):
        self.saved = False
        self._save(db, ctx, form)
        self._refill(db)
        self.flash_key = ""
        self.saved = True
