"""The sign-up page (`/signup`) and its link on the login page (shown while the business offers it)."""

import reflex as rx

from portal_app.core import registries
from portal_app.core.states.site import SiteState
from portal_app.core.ui.basics import alert, field
from portal_app.core.ui.i18n import t
from portal_app.core.ui.login import login_card, step_form
from portal_app.privacy.signup_state import SignupState

S = SignupState


def _email_step() -> rx.Component:
    return step_form(
        S.submit_signup_email,
        field("login.email_label", "email", type="email", required=True, autocomplete="email",
              placeholder=t("login.email_placeholder"), auto_focus=True),
        rx.text(t("signup.email_help"), size="2", color_scheme="gray"),
        button_key="login.continue", button_id="signup-send-code",
    )


def _code_step() -> rx.Component:
    return step_form(
        S.submit_signup_code,
        field("login.code_label", "code", required=True, autocomplete="one-time-code", input_mode="numeric",
              max_length=8, auto_focus=True, pattern="[0-9 ]*"),
        button_key="signup.verify", button_id="signup-verify", reset=True,
    )


def _name_step() -> rx.Component:
    return step_form(
        S.submit_signup_name,
        field("privacy.first_name", "first_name", autocomplete="given-name", max_length=100, auto_focus=True),
        field("privacy.last_name", "last_name", autocomplete="family-name", max_length=100),
        button_key="signup.finish", button_id="signup-finish",
    )


@rx.page(route="/signup", title="Guichet", on_load=S.load_signup)
def signup_page() -> rx.Component:
    card = login_card(
        S.set_language, "40px",
        rx.heading(t("signup.title"), size="6", as_="h1"),
        alert(S.info_text, "info"),
        alert(S.error_text, "error"),
        rx.cond(S.offered, rx.match(S.step, ("code", _code_step()), ("name", _name_step()),
                                    ("waiting", rx.fragment()), _email_step()),
                rx.text(t("signup.error.off"), size="2", color_scheme="gray")),
        rx.link(t("signup.back_to_login"), href="/login", size="2"),
        style={"border_top": f"4px solid {SiteState.brand_color}"},
    )
    return rx.center(rx.el.main(card, style={"width": "100%", "display": "flex", "justify_content": "center"}),
                     padding="1.5em", min_height="100vh", background="var(--gray-2)", dir=SiteState.text_dir,
                     lang=SiteState.lang, width="100%")


def signup_link() -> rx.Component:
    """The login page's "Create an access" link, shown while the business offers sign-up."""
    return rx.box(rx.cond(S.offered, rx.link(t("signup.link"), href="/signup", size="2", id="signup-link")),
                  on_mount=S.load_signup_link)


registries.public_link(registries.PublicLink("signup", 20, signup_link))
