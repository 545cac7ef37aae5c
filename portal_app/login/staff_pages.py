"""Console login: password, then a TOTP code (with enrolment by QR code the first time)."""

import reflex as rx

from portal_app.core.ui.api import api_url
from portal_app.core.ui.i18n import t
from portal_app.core.ui.basics import alert, column, field
from portal_app.core.ui.login import key_frame, login_card, step_form
from portal_app.login.staff_state import StaffLoginState, StaffWelcomeState


def _password_step() -> rx.Component:
    return step_form(
        StaffLoginState.submit_password,
        field("admin.login.email", "email", type="email", required=True, autocomplete="username"),
        field("admin.login.password", "password", type="password", required=True, autocomplete="current-password"),
        button_key="admin.login.continue",
    )


def _totp_form() -> rx.Component:
    return step_form(
        StaffLoginState.submit_totp,
        field("admin.login.totp", "code", required=True, autocomplete="one-time-code", input_mode="numeric",
              max_length=8, auto_focus=True),
        button_key="admin.login.verify", reset=True,
    )


def _enrol_step() -> rx.Component:
    return column(
        rx.text(t("admin.login.enrol_intro"), size="2"),
        rx.center(
            rx.image(src=api_url("/api/admin/totp-enrol.svg?v=" + StaffLoginState.qr_version.to(str)),
                     alt=t("admin.login.enrol_qr_alt"), width="240px", height="auto", id="totp-qr"),
            width="100%",
        ),
        rx.text(t("totp.manual_key"), size="1", color_scheme="gray"),
        key_frame("/api/admin/totp-key", StaffLoginState.qr_version),
        _totp_form(),
        spacing="3",
    )


def _console_card(state, title_key: str, body: rx.Component) -> rx.Component:
    """A console page before the console: the branded card, its heading, the page's message, `body`."""
    return rx.center(
        login_card(state.set_language, "32px", rx.heading(t(title_key), size="6", as_="h1"),
                   alert(state.error_text, "error"), body),
        min_height="100vh",
        padding="1.5em",
        background="var(--gray-2)",
    )


@rx.page(route="/admin/login", title="Guichet · Console", on_load=StaffLoginState.staff_login_load)
def staff_login_page() -> rx.Component:
    return _console_card(StaffLoginState, "admin.login.title", rx.match(
        StaffLoginState.step,
        ("totp", _totp_form()),
        ("enrol", _enrol_step()),
        _password_step(),
    ))


@rx.page(route="/admin/welcome", title="Guichet · Console", on_load=StaffWelcomeState.welcome_load)
def staff_welcome_page() -> rx.Component:
    w = StaffWelcomeState
    return _console_card(w, "staff_users.welcome_title", rx.match(
        w.welcome_step,
        ("done", column(rx.text(t("staff_users.welcome_done"), role="status"),
                        rx.link(t("staff_users.welcome_login"), href="/admin/login"), spacing="3")),
        ("invalid", rx.text(t("staff_users.error.link"), role="alert")),
        column(
            rx.text(t("staff_users.welcome_intro"), size="2"),
            rx.text(w.welcome_email, weight="medium"),
            step_form(
                w.choose_password,
                field("staff_users.new_password", "password", type="password", required=True,
                      autocomplete="new-password"),
                field("staff_users.confirm_password", "confirm", type="password", required=True,
                      autocomplete="new-password"),
                button_key="staff_users.set_password",
            ),
            spacing="3",
        ),
    ))
