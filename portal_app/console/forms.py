"""The console's edit forms: one shape for the account, contact and settings forms."""

from typing import Callable

import reflex as rx

from portal_app.core.states.site import SiteState
from portal_app.core.ui.basics import brand_button, column
from portal_app.core.ui.i18n import t

FIELDSET_STYLE = {"border": "1px solid var(--gray-5)", "border_radius": "8px", "padding": "0.75em"}


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


def module_label(module: rx.Var) -> rx.Var:
    return SiteState.tr["module." + module].to(str)


def checkbox_group(legend_key: str, choices: rx.Var, name: Callable[[rx.Var], rx.Var],
                   checked: Callable[[rx.Var], rx.Var], label: Callable[[rx.Var], rx.Var],
                   help_key: str | None = None) -> rx.Component:
    """A fieldset of checkboxes, one per choice: `name`, `checked` and `label` take the choice."""
    return rx.el.fieldset(
        rx.el.legend(t(legend_key), style={"font_weight": "500"}),
        rx.hstack(rx.foreach(choices, lambda c: rx.el.label(
            rx.el.input(type="checkbox", name=name(c), default_checked=checked(c), style={"margin_inline_end": "0.4em"}),
            label(c),
            style={"display": "flex", "align_items": "center"})), spacing="4", wrap="wrap"),
        *([rx.text(t(help_key), size="1", color_scheme="gray")] if help_key else []),
        style=FIELDSET_STYLE,
    )
