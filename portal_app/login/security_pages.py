"""The customer's "Sign-in methods" page."""

import reflex as rx

from portal_app.core import registries
from portal_app.core.registries import NavEntry
from portal_app.core.ui.basics import alert, brand_button, column, empty_note, field, page_header, titled_card
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import portal_page
from portal_app.login.security_state import SecurityState

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
                rx.text(t("passkey.added_on"), " ", p.created,
                        rx.cond(p.last_used != "", rx.fragment(" · ", t("passkey.last_used"), " ", p.last_used)),
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


@portal_page("/security", on_load=[SecurityState.load_security],
             nav=NavEntry("nav.security", "/security", "shield_check", 90))
def security_page() -> rx.Component:
    return column(
        page_header("security.title"),
        alert(S.error_text, "error"),
        alert(S.success_text, "success"),
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
