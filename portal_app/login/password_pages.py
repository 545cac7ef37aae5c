"""The "choose your password" page (public: the single-use link is the proof)."""

import reflex as rx

from portal_app.core.states.site import SiteState
from portal_app.core.ui.basics import alert, field
from portal_app.core.ui.i18n import t
from portal_app.login.password_state import PasswordState
from portal_app.core.ui.login import login_card, step_form


@rx.page(route="/password", title="Guichet", on_load=PasswordState.password_load)
def password_page() -> rx.Component:
    S = PasswordState
    return rx.center(
        login_card(
            S.set_language, "40px",
            rx.heading(t("password.set_title"), size="6", as_="h1"),
            alert(S.error_text, "error"),
            rx.cond(S.done, alert(t("password.saved"), "success")),
            rx.cond(S.link_ok, step_form(
                S.save_password,
                field("password.new_label", "password", type="password", required=True,
                      autocomplete="new-password", min_length=12),
                button_key="password.save", button_id="save-password", reset=True,
            )),
            rx.link(t("password.to_login"), href="/login", size="2"),
            style={"border_top": f"4px solid {SiteState.brand_color}"},
        ),
        padding="1.5em", min_height="100vh", background="var(--gray-2)", dir=SiteState.text_dir, lang=SiteState.lang,
    )
