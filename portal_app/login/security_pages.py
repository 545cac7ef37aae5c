"""The customer's "Sign-in methods" page."""

import reflex as rx

from portal_app.core import registries
from portal_app.core.registries import NavEntry
from portal_app.core.ui.basics import alert, brand_button, column, empty_note, field, page_header, titled_card
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import portal_page
from portal_app.core.states.site import SiteState
from portal_app.core.ui.api import api_url
from portal_app.login.security_state import SecurityState
from portal_app.core.ui.login import key_frame

S = SecurityState


def passkey_form(after: str = "") -> rx.Component:
    """Name a new passkey and create it with this device (also offered after a code login)."""
    return rx.form(
        column(
            field("passkey.name_label", "name", placeholder=t("passkey.name_placeholder"), max_length=60),
            rx.el.input(type="hidden", name="after", value=after),
            brand_button(rx.icon("key_round", size=16), t("passkey.add"), type="submit", id="add-passkey"),
            spacing="2",
        ),
        on_submit=S.start_registration,
        width="100%",
    )


def _passkey_row(p: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.icon("key_round", size=18),
            column(
                rx.text(p.name, weight="medium", size="2"),
                rx.text(t("passkey.added_on"), " ", p.since,
                        rx.cond(p.when != "", rx.fragment(" · ", t("passkey.last_used"), " ", p.when)),
                        size="1", color_scheme="gray"),
                spacing="0",
            ),
            rx.spacer(),
            rx.button(t("passkey.remove"), on_click=S.remove_passkey(p.id), variant="soft", color_scheme="red",
                      size="1", aria_label=t("passkey.remove") + " " + p.name),
            align="center",
            width="100%",
        ),
        style={"list_style": "none", "padding": "0.5em 0", "border_bottom": "1px solid var(--gray-4)"},
    )


def _code_form(on_submit, button_key: str, button_id: str, **button_props) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.box(field("totp.code_label", "code", required=True, autocomplete="one-time-code", input_mode="numeric",
                         max_length=8), flex="1", min_width="12em"),
            rx.button(t(button_key), type="submit", id=button_id, **button_props),
            align="end", spacing="2", wrap="wrap", width="100%",
        ),
        on_submit=on_submit, reset_on_submit=True, width="100%",
    )


def _totp_card() -> rx.Component:
    return titled_card(
        "totp.title", "smartphone",
        rx.text(rx.cond(S.totp_required, t("totp.required"), t("totp.explain")), size="2", color_scheme="gray"),
        rx.cond(
            S.totp_on,
            column(
                rx.text(t("totp.on"), " ", SiteState.tr["totp.recovery_left"].to(str).replace(
                    "{count}", S.recovery_left.to(str)), size="2", id="totp-status"),
                rx.cond(S.recovery_codes.length() > 0, column(
                    rx.callout(t("totp.recovery_once"), icon="triangle_alert", color_scheme="amber", width="100%"),
                    rx.el.ul(rx.foreach(S.recovery_codes, lambda c: rx.el.li(rx.code(c))), id="recovery-codes",
                             style={"columns": "2", "font_family": "monospace"}),
                    spacing="2")),
                rx.cond(~S.totp_required,
                        _code_form(S.disable_totp, "totp.disable", "disable-totp", variant="soft", color_scheme="red")),
                spacing="3",
            ),
            rx.cond(
                S.totp_enrolling,
                column(
                    rx.text(t("totp.scan"), size="2"),
                    rx.image(src=api_url("/api/portal/totp-enrol.svg?v=" + S.qr_version.to(str)),
                             alt=t("totp.qr_alt"), width="220px", height="auto", id="totp-qr"),
                    rx.text(t("totp.manual_key"), size="1", color_scheme="gray"),
                    key_frame("/api/portal/totp-key", S.qr_version),
                    _code_form(S.confirm_totp, "totp.confirm", "confirm-totp"),
                    spacing="2",
                ),
                brand_button(rx.icon("smartphone", size=16), t("totp.start"), on_click=S.start_totp, id="start-totp"),
            ),
        ),
    )


def _trusted_card() -> rx.Component:
    return rx.cond(S.trusted.length() > 0, titled_card(
        "trusted.title", "monitor_check",
        rx.text(t("trusted.explain"), size="2", color_scheme="gray"),
        rx.el.ul(rx.foreach(S.trusted, lambda d: rx.el.li(rx.hstack(
            column(rx.text(rx.cond(d.name != "", d.name, t("trusted.unnamed")), size="2", weight="medium",
                           overflow_wrap="anywhere"),
                   rx.text(t("trusted.until"), " ", d.when, size="1", color_scheme="gray"), spacing="0"),
            rx.spacer(),
            rx.button(t("trusted.revoke"), on_click=S.revoke_trusted(d.id), size="1", variant="soft",
                      color_scheme="red"),
            align="center", width="100%"), style={"list_style": "none", "padding": "0.4em 0"})),
            id="trusted-devices", style={"padding": "0", "margin": "0"}),
    ))


@portal_page("/security", on_load=[SecurityState.load_security],
             nav=NavEntry("nav.security", "/security", "shield_check", 90))
def security_page() -> rx.Component:
    return column(
        page_header("security.title"),
        alert(S.error_text, "error"),
        alert(S.success_text, "success"),
        _totp_card(),
        _trusted_card(),
        titled_card(
            "passkey.title", "key_round",
            rx.text(t("passkey.explain"), size="2", color_scheme="gray"),
            rx.cond(S.passkeys.length() > 0,
                    rx.el.ul(rx.foreach(S.passkeys, _passkey_row), id="passkeys",
                             style={"padding": "0", "margin": "0"}),
                    empty_note(t("passkey.none"))),
            passkey_form(),
        ),
    )


def passkey_offer_card() -> rx.Component:
    """Home page, after a code login: "use a passkey next time" (contacts without one)."""
    return rx.cond(
        S.offer_passkey,
        titled_card("passkey.title", "key_round", rx.text(t("passkey.offer"), size="2"),
                    alert(S.error_text, "error"), passkey_form(after="security"), id="passkey-offer"),
    )


registries.home_card(registries.HomeCard("passkey_offer", "main", 5, passkey_offer_card, on_load=S.load_offer))
