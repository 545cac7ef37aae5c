"""What the console's edit pages (account, contact, settings) share on the state side."""

from __future__ import annotations

import reflex as rx


class EditedForm(rx.State, mixin=True):
    """A form that shows stored values and says "saved": `form_version` re-creates the form when the
    state reloads it (the fields show their stored values again), `saved` shows the note."""

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
