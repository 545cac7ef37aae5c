"""The customer's dashboard: on the left what is new, on the right the actions the business set up.
One column on a phone, where the actions come first (people come to do one thing)."""

import reflex as rx

from ..components.api import api_url
from ..components.billing_cards import amount_due_card, billed_chart_card
from ..components.booking_cards import UpcomingBookingsCardState, upcoming_bookings_card
from ..components.i18n import t
from ..components.shells import portal_page
from ..services.portal_actions import ICONS
from ..states.billing import BillingSummaryState
from ..states.dashboard import DashboardState
from ..states.portal import PortalState
from ..states.site import SiteState

S = DashboardState
VISUALLY_HIDDEN = {"position": "absolute", "width": "1px", "height": "1px", "overflow": "hidden",
                   "clip": "rect(0 0 0 0)", "white_space": "nowrap"}


def card(title_key: str, icon: str, *children, **props) -> rx.Component:
    """A dashboard card with its heading; cards of other modules can use it too."""
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon(icon, size=18, color="var(--gray-10)"), rx.heading(t(title_key), size="4", as_="h2"),
                      align="center", spacing="2"),
            *children,
            spacing="3",
            width="100%",
        ),
        width="100%",
        **props,
    )


def empty_note(text: rx.Var) -> rx.Component:
    return rx.text(text, color_scheme="gray", size="2")


def _news_item(item: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.cond(item["unread"] != "", rx.badge(t("dashboard.new_badge"), color_scheme="green", size="1")),
            rx.cond(item["link"] != "", rx.link(item["text"], href=item["link"], size="2", weight="medium"),
                    rx.text(item["text"], size="2", weight="medium")),
            rx.spacer(),
            rx.text(item["when"], size="1", color_scheme="gray", white_space="nowrap"),
            align="center",
            spacing="2",
            width="100%",
        ),
        style={"list_style": "none", "padding": "0.4em 0", "border_bottom": "1px solid var(--gray-4)",
               "&:last-child": {"border_bottom": "none"}},
    )


def whats_new_card() -> rx.Component:
    return card(
        "dashboard.whats_new", "bell",
        rx.cond(
            S.news.length() > 0,
            rx.el.ul(rx.foreach(S.news, _news_item), style={"margin": "0", "padding": "0", "width": "100%"}),
            empty_note(SiteState.tr["dashboard.no_news"].to(str).replace("{business}", SiteState.brand_name)),
        ),
        id="whats-new",
    )


def _new_doc(doc: rx.Var) -> rx.Component:
    href = api_url("/api/documents/" + doc["id"] + rx.cond(doc["inline"] != "", "?inline=1", ""))
    return rx.el.li(
        rx.hstack(
            rx.icon("file_text", size=16, color="var(--gray-10)"),
            rx.el.a(doc["title"], href=href, target="_blank", rel="noopener noreferrer",
                    style={"font_weight": "500", "font_size": "0.9em", "overflow_wrap": "anywhere",
                           "color": "var(--accent-11)"}),
            rx.spacer(),
            rx.text(doc["when"], " · ", doc["size"], size="1", color_scheme="gray", white_space="nowrap"),
            align="center",
            spacing="2",
            width="100%",
        ),
        style={"list_style": "none", "padding": "0.4em 0", "border_bottom": "1px solid var(--gray-4)",
               "&:last-child": {"border_bottom": "none"}},
    )


def new_documents_card() -> rx.Component:
    return rx.cond(
        PortalState.modules.contains("documents"),
        card(
            "dashboard.new_documents", "folder_open",
            rx.cond(
                S.new_docs.length() > 0,
                rx.el.ul(rx.foreach(S.new_docs, _new_doc), style={"margin": "0", "padding": "0", "width": "100%"}),
                empty_note(t("dashboard.no_new_documents")),
            ),
            rx.link(t("dashboard.all_documents"), href="/documents", size="2"),
            id="new-documents",
        ),
    )


def left_cards() -> list[rx.Component]:
    """The left column, top to bottom. Each module's card is one line here."""
    return [
        amount_due_card(),  # billing: what is owed, overdue, next due date, pay (invoices right only)
        billed_chart_card(),  # billing: the last 12 months billed
        upcoming_bookings_card(),  # next bookings (shown only with the bookings right)
        whats_new_card(),
        new_documents_card(),
    ]


def _action_icon(name: rx.Var) -> rx.Component:
    return rx.match(name, *[(icon, rx.icon(icon, size=20)) for icon in ICONS], rx.icon("circle_arrow_right", size=20))


ACTION_STYLE = {"display": "flex", "align_items": "center", "gap": "0.75em", "width": "100%", "padding": "0.85em 1em",
                "border_radius": "8px", "border": "1px solid var(--gray-6)", "background": "var(--color-panel-solid)",
                "color": "var(--gray-12)", "text_decoration": "none", "font_weight": "500", "min_height": "48px"}


def action_button(action: rx.Var) -> rx.Component:
    """One portal action. External links open in a new tab, without giving the other site a handle."""
    inner = [
        rx.box(_action_icon(action["icon"]), color=SiteState.brand_color, display="flex"),
        rx.text(action["label"], flex="1", overflow_wrap="anywhere"),
    ]
    return rx.el.li(
        rx.cond(
            action["external"] != "",
            rx.el.a(*inner, rx.icon("external_link", size=14, color="var(--gray-9)"),
                    rx.el.span(" (", t("dashboard.opens_new_tab"), ")", style=VISUALLY_HIDDEN),
                    href=action["href"], target="_blank", rel="noopener noreferrer", style=ACTION_STYLE,
                    class_name="portal-action"),
            rx.link(*inner, rx.icon("chevron_right", size=16, color="var(--gray-9)"), href=action["href"],
                    style=ACTION_STYLE, underline="none", class_name="portal-action"),
        ),
        style={"list_style": "none"},
    )


def actions_list(items: rx.Var) -> rx.Component:
    return rx.el.ul(rx.foreach(items, action_button),
                    style={"margin": "0", "padding": "0", "display": "flex", "flex_direction": "column",
                           "gap": "0.6em", "width": "100%"})


def actions_card() -> rx.Component:
    return card(
        "dashboard.actions", "zap",
        rx.cond(
            S.actions.length() > 0,
            actions_list(S.actions),
            empty_note(SiteState.tr["dashboard.no_actions"].to(str).replace("{business}", SiteState.brand_name)),
        ),
        id="portal-actions",
    )


# The dashboard's load handlers; a module's card adds its own here.
ON_LOAD = [S.load_dashboard, BillingSummaryState.load_summary, UpcomingBookingsCardState.load_upcoming_bookings]


@portal_page("/", on_load=ON_LOAD)
def home_page() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading(SiteState.tr["home.greeting"].to(str).replace("{name}", PortalState.first_name), size="7",
                       as_="h1", id="greeting"),
            rx.text(SiteState.tr["home.account"].to(str).replace("{account}", PortalState.account_name),
                    color_scheme="gray"),
            spacing="1",
        ),
        rx.grid(
            rx.vstack(*left_cards(), spacing="4", width="100%", min_width="0"),
            rx.box(actions_card(), width="100%", min_width="0", order=rx.breakpoints(initial="-1", md="0")),
            spacing="4",
            width="100%",
            grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", md="minmax(0, 3fr) minmax(0, 2fr)"),
        ),
        spacing="5",
        width="100%",
    )
