"""The console's edit forms: one shape for the account, contact and settings forms."""

import reflex as rx

from portal_app.core.ui.basics import brand_button, checkbox_group, column, module_label  # noqa: F401  (the console's forms use them from here)
from portal_app.core.ui.i18n import t


def edit_form(*fields: rx.Component, on_submit, saved: rx.Var, version: rx.Var, button_id: str | None = None,
              note_key: str | None = None, spacing: str = "3") -> rx.Component:
    """Fields, then Save with its "saved" note. `version` re-creates the form when the state reloads it
    (the fields show their stored values again)."""
    return rx.form(
        column(
            *fields,
            rx.hstack(brand_button(t("admin.save"), type="submit", id=button_id),
                      rx.cond(saved, rx.text(t("admin.saved"), color_scheme="green", role="status")),
                      *([rx.text(t(note_key), size="1", color_scheme="gray")] if note_key else []),
                      align="center", spacing="3", wrap="wrap"),
            spacing=spacing,
        ),
        on_submit=on_submit,
        key=version,
        width="100%",
    )


def flags(*checkboxes: rx.Component) -> rx.Component:
    """A form's yes/no fields on one line (they wrap on a phone)."""
    return rx.hstack(*checkboxes, spacing="5", wrap="wrap")
