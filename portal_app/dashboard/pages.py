"""The customer's dashboard: on the left what is new, on the right the actions the business set up.
One column on a phone, where the actions come first (people come to do one thing)."""

import reflex as rx

from portal_app.core import registries
from portal_app.core.ui.basics import empty_note, titled_card as card
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import portal_page
from portal_app.dashboard.actions import ICONS
from portal_app.dashboard.state import DashboardState
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import SiteState

S = DashboardState
VISUALLY_HIDDEN = {"position": "absolute", "width": "1px", "height": "1px", "overflow": "hidden",
                   "clip": "rect(0 0 0 0)", "white_space": "nowrap"}


def _news_item(item: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.cond(item.unread, rx.badge(t("dashboard.new_badge"), color_scheme="green", size="1")),
            rx.cond(item.link != "", rx.link(item.text, href=item.link, size="2", weight="medium"),
                    rx.text(item.text, size="2", weight="medium")),
            rx.spacer(),
            rx.text(item.when, size="1", color_scheme="gray", white_space="nowrap"),
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


def whats_new_home_card() -> rx.Component:
    return whats_new_card()


registries.home_card(registries.HomeCard("whats_new", "main", 40, whats_new_home_card))


def main_cards() -> list[rx.Component]:
    """The left column, top to bottom: the cards every feature registered, in their order."""
    return [c.render() for c in sorted(registries.HOME_CARDS, key=lambda c: c.order) if c.column == "main"]


def action_icon(name: rx.Var, size: int = 20) -> rx.Component:
    """One of the icons an action may have (lucide needs the name at build time), else a plain arrow."""
    return rx.match(name, *[(icon, rx.icon(icon, size=size)) for icon in ICONS],
                    rx.icon("circle_arrow_right", size=size))


ACTION_STYLE = {"display": "flex", "align_items": "center", "gap": "0.75em", "width": "100%", "padding": "0.85em 1em",
                "border_radius": "8px", "border": "1px solid var(--gray-6)", "background": "var(--color-panel-solid)",
                "color": "var(--gray-12)", "text_decoration": "none", "font_weight": "500", "min_height": "48px"}


def action_button(action: rx.Var) -> rx.Component:
    """One portal action. External links open in a new tab, without giving the other site a handle."""
    inner = [
        rx.box(action_icon(action.icon), color=SiteState.brand_color, display="flex"),
        rx.text(action.label, flex="1", overflow_wrap="anywhere"),
    ]
    return rx.el.li(
        rx.cond(
            action.external,
            rx.el.a(*inner, rx.icon("external_link", size=14, color="var(--gray-9)"),
                    rx.el.span(" (", t("dashboard.opens_new_tab"), ")", style=VISUALLY_HIDDEN),
                    href=action.href, target="_blank", rel="noopener noreferrer", style=ACTION_STYLE,
                    class_name="portal-action"),
            rx.link(*inner, rx.icon("chevron_right", size=16, color="var(--gray-9)"), href=action.href,
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


@portal_page("/", on_load=[S.load_dashboard])
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
            rx.vstack(*main_cards(), spacing="4", width="100%", min_width="0"),
            rx.box(actions_card(), width="100%", min_width="0", order=rx.breakpoints(initial="-1", md="0")),
            spacing="4",
            width="100%",
            grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", md="minmax(0, 3fr) minmax(0, 2fr)"),
        ),
        spacing="5",
        width="100%",
    )
