"""The customer login page: branded, email first, then the one-time code."""

import reflex as rx

from portal_app.core.registries import PUBLIC_LINKS
from portal_app.core.ui.api import api_url
from portal_app.core.ui.i18n import t
from portal_app.core.ui.basics import alert, column, field
from portal_app.core.ui.login import login_card, step_form
from portal_app.login.state import LoginState
from portal_app.core.states.site import SiteState


def _email_step() -> rx.Component:
    return column(step_form(
        LoginState.submit_email,
        field("login.email_label", "email", type="email", required=True, autocomplete="email",
              placeholder=t("login.email_placeholder"), default_value=LoginState.email, auto_focus=True,
              on_blur=LoginState.keep_email),
        rx.text(t("login.email_help"), size="2", color_scheme="gray"),
        button_key="login.continue", button_id="send-code",
    ), rx.hstack(rx.separator(size="4", flex="1"), rx.text(t("login.or"), size="1", color_scheme="gray"),
                 rx.separator(size="4", flex="1"), align="center", width="100%"),
        rx.button(rx.icon("key_round", size=16), t("passkey.log_in"), on_click=LoginState.start_passkey,
                  variant="outline", size="3", width="100%", id="passkey-login", type="button"),
        rx.cond(LoginState.password_offered,
                rx.button(t("password.with_password"), on_click=LoginState.choose_step("password"), variant="ghost",
                          size="2", type="button")),
    )


def _password_step() -> rx.Component:
    return column(
        step_form(
            LoginState.submit_password,
            field("login.email_label", "email", type="email", required=True, autocomplete="username",
                  default_value=LoginState.email, auto_focus=True, on_blur=LoginState.keep_email),
            field("password.label", "password", type="password", required=True, autocomplete="current-password"),
            button_key="login.verify", button_id="password-login",
        ),
        rx.hstack(
            rx.button(t("password.forgot"), on_click=LoginState.choose_step("forgot"), variant="ghost", size="2"),
            rx.button(t("password.with_code"), on_click=LoginState.choose_step("email"), variant="ghost", size="2"),
            wrap="wrap", spacing="3",
        ),
        spacing="3",
    )


def _forgot_step() -> rx.Component:
    return column(
        step_form(
            LoginState.request_password_link,
            field("login.email_label", "email", type="email", required=True, autocomplete="email",
                  default_value=LoginState.email, auto_focus=True, on_blur=LoginState.keep_email),
            button_key="password.send_link", button_id="send-link",
        ),
        rx.button(t("password.with_password"), on_click=LoginState.choose_step("password"), variant="ghost", size="2"),
        spacing="3",
    )


def _code_step() -> rx.Component:
    return column(
        step_form(
            LoginState.submit_code,
            field("login.code_label", "code", required=True, autocomplete="one-time-code",
                  input_mode="numeric", max_length=8, auto_focus=True, pattern="[0-9 ]*"),
            button_key="login.verify", button_id="verify-code", reset=True,
        ),
        rx.hstack(
            rx.button(t("login.resend"), on_click=LoginState.resend, variant="ghost", size="2"),
            rx.button(t("login.by_email"), on_click=LoginState.send_by_email, variant="ghost", size="2"),
            rx.button(t("login.other_email"), on_click=LoginState.other_email, variant="ghost", size="2"),
            wrap="wrap",
            spacing="3",
        ),
        rx.text(t("login.no_access_hint"), size="1", color_scheme="gray"),
        spacing="3",
    )


def _totp_step() -> rx.Component:
    return column(
        step_form(
            LoginState.submit_totp,
            field("login.totp_label", "code", required=True, autocomplete="one-time-code", max_length=24,
                  auto_focus=True),
            rx.el.label(rx.hstack(rx.checkbox(name="trust", id="f-trust"), rx.text(t("login.trust_browser"), size="2"),
                                  align="center", spacing="2")),
            button_key="login.verify", button_id="verify-totp", reset=True,
        ),
        rx.text(t("login.totp_help"), size="1", color_scheme="gray"),
        rx.button(t("login.other_email"), on_click=LoginState.other_email, variant="ghost", size="2"),
        spacing="3",
    )


@rx.page(route="/login", title="Guichet", on_load=LoginState.login_load)
def login_page() -> rx.Component:
    card = login_card(
        LoginState.set_language, "40px",
        rx.heading(rx.match(LoginState.step, ("code", t("login.code_title")), ("totp", t("login.totp_title")),
                            t("login.title")), size="6", as_="h1"),
        rx.cond(SiteState.login_text != "", rx.text(SiteState.login_text, color_scheme="gray", size="2")),
        alert(LoginState.info_text, "info"),
        alert(LoginState.error_text, "error"),
        rx.match(LoginState.step, ("code", _code_step()), ("totp", _totp_step()), ("password", _password_step()),
                 ("forgot", _forgot_step()), _email_step()),
        # Pages anyone may read that features registered (the help centre): each decides whether it shows.
        *[link.render() for link in sorted(PUBLIC_LINKS, key=lambda link: link.order)],
        style={"border_top": f"4px solid {SiteState.brand_color}"},
    )
    return rx.flex(
        rx.cond(
            SiteState.login_image_url != "",
            rx.box(
                background_image=f"url({api_url(SiteState.login_image_url)})",
                background_size="cover",
                background_position="center",
                flex="1",
                min_height="100vh",
                display=["none", "none", "block"],
                role="img",
                aria_label=SiteState.brand_name,
            ),
        ),
        rx.center(rx.el.main(card, style={"width": "100%", "display": "flex", "justify_content": "center"}),
                  flex="1", padding="1.5em", min_height="100vh"),
        dir=SiteState.text_dir,
        lang=SiteState.lang,
        background="var(--gray-2)",
        width="100%",
    )
