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
            rx.hstack(
                rx.text(rx.cond(S.totp_on, t("admin.contact.totp_on"), t("admin.contact.totp_off")), size="2",
                        id="totp-state"),
                rx.cond(S.totp_on, rx.button(t("admin.contact.totp_reset"), on_click=S.reset_totp, size="1",
                                             variant="soft", color_scheme="red")),
                align="center", spacing="3",
            ),
            rx.text(SiteState.tr["admin.contact.trusted_count"].to(str).replace("{count}", S.trusted.length().to(str)),
                    size="2"),
            rx.el.ul(
                rx.foreach(S.trusted, lambda d: rx.el.li(
                    rx.hstack(
                        rx.icon("monitor_check", size=16),
                        rx.text(d.name, size="2", overflow_wrap="anywhere"),
                        rx.text(d.last_used, size="1", color_scheme="gray"),
                        rx.spacer(),
                        rx.button(t("admin.contact.revoke_device"), on_click=S.revoke_trusted(d.id), size="1",
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
