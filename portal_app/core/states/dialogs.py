"""One open dialog per page, written once: `Dialogs` replaces the open_x / close_x handler pairs.

    class AdminInvoiceState(Dialogs, StaffState): ...
    rx.button("Void", on_click=S.open_dialog("void"))
    form_dialog(..., open=S.dialog == "void", on_cancel=S.close_dialog, on_submit=S.void)

A handler that finishes the dialog's work closes it with `self.dialog = ""`."""

from __future__ import annotations

import reflex as rx

from portal_app.core.states.handlers import own_side_event

DIALOG_NAME_MAX_CHARS = 40


class Dialogs(rx.State, mixin=True):
    dialog: str = ""  # the open dialog's name; "" when none is open

    @own_side_event("read")  # opening or closing a dialog changes nothing stored
    def open_dialog(self, db, ctx, name: str):
        self.dialog = str(name)[:DIALOG_NAME_MAX_CHARS]

    @own_side_event("read")
    def close_dialog(self, db, ctx):
        self.dialog = ""
