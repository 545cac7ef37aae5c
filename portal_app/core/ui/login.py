"""What the login pages share (customer, console, password, sign-up): the branded card and a step's form."""

import reflex as rx

from portal_app.core.ui.api import api_url
from portal_app.core.ui.basics import brand_button, column, language_picker, until_loaded, web_app_links
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import brand_mark, page_language


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
        web_app_links(),
        column(
            rx.hstack(brand_mark(logo_size), rx.spacer(), language_picker(on_language), width="100%",
                      align="center", wrap="wrap"),
            heading,
            until_loaded(*body),
        ),
        size="4",
        width="100%",
        max_width="440px",
        **page_language(),
        **card_props,
    )


def key_frame(route: str, version) -> rx.Component:
    """The TOTP key as selectable text, for typing into an authenticator app by hand. It comes from a
    route that checks the session, in a frame: the secret never enters Reflex state."""
    return rx.el.iframe(src=api_url(route + "?v=" + version.to(str)), title=t("totp.manual_key"),
                        style={"width": "100%", "height": "2.4em", "border": "1px solid var(--gray-5)",
                               "border_radius": "6px", "background": "white", "padding": "0.3em"},
                        id="totp-key")
