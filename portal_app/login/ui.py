"""What the customer and the console login pages share: the branded card and a step's form."""

import reflex as rx

from portal_app.core.ui.basics import brand_button, column, language_picker
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import brand_mark


def step_form(on_submit, *fields: rx.Component, button_key: str, button_id: str | None = None,
              reset: bool = False) -> rx.Component:
    """One step of a login: its fields, then the full-width button that submits them."""
    return rx.form(
        column(*fields, brand_button(t(button_key), type="submit", size="3", width="100%", id=button_id),
               spacing="3"),
        on_submit=on_submit,
        reset_on_submit=reset,
        width="100%",
    )


def login_card(on_language, logo_size: str, heading: rx.Component, *body: rx.Component,
               **card_props) -> rx.Component:
    """The login card: the business's mark and the language picker, the page's heading, then `body`."""
    return rx.card(
        column(
            rx.hstack(brand_mark(logo_size), rx.spacer(), language_picker(on_language), width="100%",
                      align="center", wrap="wrap"),
            heading,
            *body,
        ),
        size="4",
        width="100%",
        max_width="440px",
        **card_props,
    )
