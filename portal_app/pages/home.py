"""The customer's home page: a greeting, the account, and what this contact can use."""

import reflex as rx

from ..components.booking_cards import UpcomingBookingsCardState, upcoming_bookings_card
from ..components.billing_cards import billing_home_cards
from ..components.i18n import t
from ..components.shells import portal_page
from ..states.billing import BillingSummaryState
from ..states.portal import PortalState
from ..states.site import SiteState


def _module_badge(module: rx.Var) -> rx.Component:
    return rx.badge(SiteState.tr["module." + module].to(str), size="2", variant="soft")


@portal_page("/", on_load=[UpcomingBookingsCardState.load_upcoming_bookings, BillingSummaryState.load_summary])
def home_page() -> rx.Component:
    return rx.vstack(
        rx.heading(SiteState.tr["home.greeting"].to(str).replace("{name}", PortalState.first_name), size="7",
                   as_="h1", id="greeting"),
        rx.text(SiteState.tr["home.account"].to(str).replace("{account}", PortalState.account_name),
                color_scheme="gray"),
        rx.card(
            rx.vstack(
                rx.text(SiteState.tr["home.intro"].to(str).replace("{business}", SiteState.brand_name)),
                rx.heading(t("home.your_access"), size="3", as_="h2"),
                rx.hstack(
                    rx.cond(PortalState.role == "admin",
                            rx.badge(t("home.role_admin"), color_scheme="green", size="2"),
                            rx.badge(t("home.role_member"), size="2")),
                    rx.foreach(PortalState.modules, _module_badge),
                    wrap="wrap",
                    spacing="2",
                ),
                spacing="3",
            ),
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.icon("inbox", size=28, color="var(--gray-9)"),
                rx.text(t("home.empty_title"), weight="bold"),
                rx.text(SiteState.tr["home.empty_text"].to(str).replace("{business}", SiteState.brand_name),
                        color_scheme="gray", size="2"),
                align="center",
                spacing="2",
                padding="1.5em",
            ),
            width="100%",
        ),
        upcoming_bookings_card(),
        billing_home_cards(),
        spacing="4",
        width="100%",
    )
