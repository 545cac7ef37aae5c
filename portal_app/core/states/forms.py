"""Edit pages written once: a form that shows stored values and says "Saved".

`EditedForm` is the state side of any edit form: `form_version` re-creates the form when the state
reloads it (the inputs show the stored values again; give the form `key=State.form_version`), and
`saved` shows the note beside the submit button (`saved_row`).

`SettingsPage` is a whole settings-like page on top of it:

    class AdminBillingSettingsState(SettingsPage, StaffState):
        def _fill(self, db) -> None:            # the stored values -> this state's display vars
            ...
        def _save(self, db, ctx, form: dict):   # the submitted form -> the rule that checks and stores it
            ...

The page's on_load is `load_settings` and its form's on_submit `save_settings`. A refusal keeps the
form as typed and shows the message."""

from __future__ import annotations

import reflex as rx

from portal_app.core.states.handlers import own_side_event


class EditedForm(rx.State, mixin=True):
    form_version: int = 0
    saved: bool = False

    def _shown(self) -> None:
        """The form shows the stored values again: re-created, without the "saved" note."""
        self.form_version += 1
        self.saved = False

    def _saved_now(self) -> None:
        """After a save: the page's old message goes, the "saved" note shows."""
        self.flash_key = ""
        self.saved = True


class SettingsPage(EditedForm, mixin=True):
    def _fill(self, db) -> None:  # pragma: no cover - each page writes its own
        raise NotImplementedError

    def _save(self, db, ctx, form: dict) -> None:  # pragma: no cover - each page writes its own
        raise NotImplementedError

    @own_side_event("read")
    def load_settings(self, db, ctx):
        self._fill(db)
        self._shown()

    @own_side_event
    def save_settings(self, db, ctx, form: dict):
        self.saved = False
        self._save(db, ctx, form)
        self._fill(db)
        self._shown()
        self._saved_now()
