"""Console, contact page: the contact's sign-in methods (how many passkeys, each removable)."""

import reflex as rx

from portal_app.console.signin_state import ContactSignInState as S
from portal_app.core.states.site import SiteState
from portal_app.core.ui.basics import column
from portal_app.core.ui.i18n import t


def _rows(rows, icon: str, remove, remove_key: str, detail) -> rx.Component:
    """A list of the contact's passkeys or trusted browsers, each with its remove button."""
    return rx.el.ul(
        rx.foreach(rows, lambda r: rx.el.li(
            rx.hstack(
                rx.icon(icon, size=16),
                rx.text(r.name, size="2", weight="medium", overflow_wrap="anywhere"),
                rx.text(detail(r), size="1", color_scheme="gray"),
                rx.spacer(),
                rx.button(t(remove_key), on_click=remove(r.id), size="1", variant="soft", color_scheme="red"),
                align="center", width="100%",
            ),
            style={"list_style": "none", "padding": "0.2em 0"},
        )),
        style={"padding": "0", "margin": "0"},
    )


def _count(key: str, rows) -> rx.Component:
    return rx.text(SiteState.tr[key].to(str).replace("{count}", rows.length().to(str)), size="2")


def signin_methods_card() -> rx.Component:
    return rx.card(
        column(
            rx.heading(t("admin.contact.signin_methods"), size="4", as_="h2"),
            rx.box(_count("admin.contact.passkeys_count", S.passkeys), id="passkey-count"),
            _rows(S.passkeys, "key_round", S.remove_passkey, "admin.contact.remove_passkey", lambda r: r.since),
            rx.hstack(
                rx.text(rx.cond(S.totp_on, t("admin.contact.totp_on"), t("admin.contact.totp_off")), size="2",
                        id="totp-state"),
                rx.cond(S.totp_on, rx.button(t("admin.contact.totp_reset"), on_click=S.reset_totp, size="1",
                                             variant="soft", color_scheme="red")),
                align="center", spacing="3",
            ),
            _count("admin.contact.trusted_count", S.trusted),
            _rows(S.trusted, "monitor_check", S.revoke_trusted, "admin.contact.revoke_device", lambda r: r.when),
            spacing="2",
        ),
        width="100%",
    )
