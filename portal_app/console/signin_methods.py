"""Console, contact page: the contact's sign-in methods (how many passkeys, each removable)."""

import reflex as rx

from portal_app.console.signin_state import ContactSignInState as S
from portal_app.core.states.site import SiteState
from portal_app.core.ui.basics import column
from portal_app.core.ui.i18n import t


def signin_methods_card() -> rx.Component:
    return rx.card(
        column(
            rx.heading(t("admin.contact.signin_methods"), size="4", as_="h2"),
            rx.text(SiteState.tr["admin.contact.passkeys_count"].to(str).replace("{count}", S.passkeys.length().to(str)), size="2",
                    id="passkey-count"),
            rx.el.ul(
                rx.foreach(S.passkeys, lambda p: rx.el.li(
                    rx.hstack(
                        rx.icon("key_round", size=16),
                        rx.text(p.name, size="2", weight="medium"),
                        rx.text(p.created, size="1", color_scheme="gray"),
                        rx.spacer(),
                        rx.button(t("admin.contact.remove_passkey"), on_click=S.remove_passkey(p.id), size="1",
                                  variant="soft", color_scheme="red"),
                        align="center", width="100%",
                    ),
                    style={"list_style": "none", "padding": "0.2em 0"},
                )),
                style={"padding": "0", "margin": "0"},
            ),
            spacing="2",
        ),
        width="100%",
    )
