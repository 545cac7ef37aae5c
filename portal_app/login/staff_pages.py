"""Console login: password, then a TOTP code (with enrolment by QR code the first time)."""

import reflex as rx

from portal_app.core.ui.api import api_url
from portal_app.core.ui.i18n import t
from portal_app.core.ui.basics import alert, column, field
from portal_app.login.ui import key_frame, login_card, step_form
from portal_app.login.staff_state import StaffLoginState


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


@rx.page(route="/admin/login", title="Guichet · Console", on_load=StaffLoginState.staff_login_load)
def staff_login_page() -> rx.Component:
    return rx.center(
        login_card(
            StaffLoginState.set_language, "32px",
            rx.heading(t("admin.login.title"), size="6", as_="h1"),
            alert(StaffLoginState.error_text, "error"),
            rx.match(
                StaffLoginState.step,
                ("totp", _totp_form()),
                ("enrol", _enrol_step()),
                _password_step(),
            ),
        ),
        min_height="100vh",
        padding="1.5em",
        background="var(--gray-2)",
    )
