"""Console login: password, then a TOTP code (with enrolment by QR code the first time)."""

import reflex as rx

from portal_app.core.ui.api import api_url
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import brand_mark
from portal_app.core.ui.basics import alert, brand_button, field, language_picker
from portal_app.login.staff_state import StaffLoginState


def _password_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            field("admin.login.email", "email", type="email", required=True, autocomplete="username"),
            field("admin.login.password", "password", type="password", required=True,
                  autocomplete="current-password"),
            brand_button(t("admin.login.continue"), type="submit", size="3", width="100%"),
            spacing="3",
            width="100%",
        ),
        on_submit=StaffLoginState.submit_password,
        width="100%",
    )


def _totp_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field("admin.login.totp", "code", required=True, autocomplete="one-time-code", input_mode="numeric",
                  max_length=8, auto_focus=True),
            brand_button(t("admin.login.verify"), type="submit", size="3", width="100%"),
            spacing="3",
            width="100%",
        ),
        on_submit=StaffLoginState.submit_totp,
        reset_on_submit=True,
        width="100%",
    )


def _enrol_step() -> rx.Component:
    return rx.vstack(
        rx.text(t("admin.login.enrol_intro"), size="2"),
        rx.center(
            rx.image(src=api_url("/api/admin/totp-enrol.svg?v=" + StaffLoginState.qr_version.to(str)),
                     alt=t("admin.login.enrol_qr_alt"), width="240px", height="auto", id="totp-qr"),
            width="100%",
        ),
        _totp_form(),
        spacing="3",
        width="100%",
    )


@rx.page(route="/admin/login", title="Guichet · Console", on_load=StaffLoginState.staff_login_load)
def staff_login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(brand_mark("32px"), rx.spacer(), language_picker(StaffLoginState.set_language),
                          width="100%", align="center"),
                rx.heading(t("admin.login.title"), size="6", as_="h1"),
                alert(StaffLoginState.error_text, "error"),
                rx.match(
                    StaffLoginState.step,
                    ("totp", _totp_form()),
                    ("enrol", _enrol_step()),
                    _password_step(),
                ),
                spacing="4",
                width="100%",
            ),
            size="4",
            width="100%",
            max_width="440px",
        ),
        min_height="100vh",
        padding="1.5em",
        background="var(--gray-2)",
    )
