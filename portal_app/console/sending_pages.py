"""Console › Sending: is the sender domain set up for email (SPF, DKIM, DMARC), and what to add."""

import reflex as rx

from portal_app.console.sending_state import AdminSendingState
from portal_app.core.registries import NavEntry
from portal_app.core.states.site import SiteState
from portal_app.core.ui.basics import page_header
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page

S = AdminSendingState


def _finding(f) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(
            rx.cond(f.ok, rx.icon("circle_check", color="var(--green-9)", size=18),
                    rx.icon("circle_x", color="var(--red-9)", size=18)),
            rx.text(f.check.upper(), weight="bold"),
            rx.text(SiteState.tr[f.key].to(str), size="2"),
            align="center", spacing="2", wrap="wrap",
        ),
        rx.cond(f.found != "", rx.code(f.found, size="1", style={"word_break": "break-all"})),
        rx.cond(f.fix != "", rx.vstack(rx.text(t("settings.sending.add"), size="2", weight="medium"),
                                       rx.code(f.fix, size="1", style={"word_break": "break-all"}), spacing="1")),
        spacing="2",
    ), width="100%")


@admin_page("/admin/settings/sending", on_load=[S.check_domain], area=S.area,
            nav=NavEntry("admin.nav.sending", "/admin/settings/sending", "globe", 98))
def sending_page() -> rx.Component:
    return rx.vstack(
        page_header("admin.nav.sending",
                    rx.button(rx.icon("refresh_cw", size=14), t("settings.sending.recheck"), on_click=S.check_domain,
                              loading=S.checking, variant="soft", id="recheck-domain")),
        rx.text(t("settings.sending.intro"), " ", rx.el.strong(S.sender_domain), color_scheme="gray", size="2"),
        rx.foreach(S.findings, _finding),
        spacing="4",
        width="100%",
    )
