"""The two page shells: the customer portal and the staff console. Each enforces its login."""

from __future__ import annotations

import dataclasses
from typing import Callable

import reflex as rx

from portal_app.core.registries import ADMIN_NAV, PAGE_LOADS, PORTAL_NAV, NavEntry, PageLoad
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import SiteState
from portal_app.core.states.staff import StaffState
from portal_app.core.ui.api import api_url
from portal_app.core.ui.i18n import t
from portal_app.core.ui.basics import alert, language_picker, link_button, loading, until_loaded, web_app_links

PAGE_MAX_WIDTH = "1100px"
# The navigation takes a line of its own under the header's first line (brand, language, logout): however
# many links a business switches on, the logout button never wraps onto a line of its own.
NAV_LINE = {"order": "1", "flex_basis": "100%"}


def _nav_label(entry: NavEntry) -> rx.Component | rx.Var:
    label = t(entry.label_key)
    return rx.hstack(label, entry.badge(), spacing="0", align="center") if entry.badge else label


# Filled as page modules are imported; the shells read them when pages compile, after every import.
PORTAL_NAV.append(NavEntry("nav.home", "/", "house", 0))
ADMIN_NAV.extend([
    NavEntry("admin.nav.accounts", "/admin", "building_2", 10, area="accounts"),
    NavEntry("admin.nav.contacts", "/admin/contacts", "users", 20, area="accounts"),
    NavEntry("admin.nav.deliveries", "/admin/deliveries", "send", 80, area="support"),
    NavEntry("admin.nav.attempts", "/admin/attempts", "key_round", 85, area="support"),
    NavEntry("admin.nav.audit", "/admin/audit", "scroll_text", 90, area="audit"),
    NavEntry("admin.nav.settings", "/admin/settings", "settings", 95, area="settings"),
])


def page_language() -> dict:
    """The props of a page's outermost box: its language and direction from the picker (live), marked
    for assets/direction.js, which copies them onto the document (<html lang dir>)."""
    return {"dir": SiteState.text_dir, "lang": SiteState.lang, "custom_attrs": {"data-page-language": ""}}


def flash_message() -> rx.Component:
    """The page message of a handler that has no place of its own for it (a refusal, a confirmation)."""
    return rx.cond(SiteState.flash_kind == "error", alert(SiteState.flash_text, "error"),
                   alert(SiteState.flash_text, "success"))


def brand_mark(size: str = "32px") -> rx.Component:
    return rx.hstack(
        rx.cond(SiteState.logo_url != "",
                rx.image(src=api_url(SiteState.logo_url), alt=SiteState.brand_name, height=size, width="auto")),
        rx.text(SiteState.brand_name, weight="bold", size="4"),
        align="center",
        spacing="2",
    )


def impersonation_banner() -> rx.Component:
    """Cannot be hidden: staff always see whose portal they are in."""
    return rx.cond(
        PortalState.impersonating,
        rx.hstack(
            rx.icon("eye", size=18),
            rx.text(
                SiteState.tr["impersonation.banner"].to(str)
                .replace("{staff}", PortalState.impersonator_name)
                .replace("{contact}", PortalState.contact_name),
                weight="medium",
            ),
            rx.button(t("impersonation.end"), on_click=PortalState.end_impersonation, color_scheme="amber",
                      variant="solid", size="1"),
            role="status",
            id="impersonation-banner",
            align="center",
            justify="center",
            wrap="wrap",
            spacing="3",
            padding="0.5em 1em",
            background="var(--amber-4)",
            border_bottom="2px solid var(--amber-9)",
            position="sticky",
            top="0",
            z_index="50",
            width="100%",
        ),
    )


def _portal_nav_link(entry: NavEntry) -> rx.Component:
    link = rx.link(_nav_label(entry), href=entry.route, weight="medium", underline="hover", color_scheme="gray",
                   high_contrast=True)
    if not entry.module:
        return link
    return rx.cond((PortalState.modules if entry.right_needed else PortalState.offered_modules)
                   .contains(entry.module), link)


def _portal_nav() -> rx.Component:
    return rx.el.nav(rx.hstack(*[_portal_nav_link(e) for e in sorted(PORTAL_NAV, key=lambda e: e.order)],
                               spacing="4", wrap="wrap"),
                     aria_label=t("nav.menu"), style=NAV_LINE)


def _logout_button() -> rx.Component:
    return rx.button(rx.icon("log_out", size=16), rx.box(t("app.logout"), display=["none", "inline", "inline"]),
                     on_click=PortalState.logout, variant="soft", size="2", aria_label=t("app.logout"))


def portal_shell(content: rx.Component, public: bool = False, route: str = "") -> rx.Component:
    """The customer portal's page. `public`: a page anyone may read (see `public_page`): a visitor sees
    the page with a "log in" link instead of the navigation; a logged-in contact sees the portal's.
    `route`: the page's own, which the language picker names so the page loads again in the new language."""
    return rx.box(
        rx.el.a(t("app.skip_to_content"), href="#main", class_name="skip-link"),
        web_app_links(),
        impersonation_banner(),
        rx.el.header(
            rx.hstack(
                rx.link(brand_mark(), href="/", underline="none", color="inherit"),
                rx.cond(PortalState.authed, _portal_nav()) if public else _portal_nav(),
                rx.spacer(),
                rx.text(PortalState.account_name, size="2", color_scheme="gray", id="account-name",
                        display=["none", "none", "block"]),
                language_picker(lambda lang: PortalState.choose_language(lang, route)),
                rx.cond(PortalState.authed, _logout_button(),
                        link_button(t("app.login"), href="/login", brand=False, variant="soft", size="2"))
                if public else _logout_button(),
                align="center",
                spacing="4",
                wrap="wrap",
                max_width=PAGE_MAX_WIDTH,
                margin="0 auto",
                padding="0.75em 1em",
            ),
            style={"border_top": f"4px solid {SiteState.brand_color}", "border_bottom": "1px solid var(--gray-5)",
                   "background": "var(--color-panel-solid)"},
        ),
        rx.el.main(
            until_loaded(rx.vstack(flash_message(), content, width="100%", spacing="4")) if public else
            rx.cond(PortalState.authed, until_loaded(rx.vstack(flash_message(), content, width="100%", spacing="4")),
                    loading()),
            id="main",
            style={"max_width": PAGE_MAX_WIDTH, "margin": "0 auto", "padding": "1.5em 1em"},
        ),
        **page_language(),
        min_height="100vh",
        background="var(--gray-2)",
    )


def _admin_nav_link(entry: NavEntry) -> rx.Component:
    link = rx.link(rx.hstack(rx.icon(entry.icon, size=16), _nav_label(entry), spacing="1", align="center"),
                   href=entry.route, underline="hover", color_scheme="gray", high_contrast=True, size="2")
    # Only the roles that may read the link's area see it (the page and its handlers refuse the others).
    return rx.cond(StaffState.staff_areas.contains(entry.area), link) if entry.area else link


def if_permitted(permission: str, component: rx.Component) -> rx.Component:
    """A console button or link shown only to the roles that hold `permission` ("billing.write"); its
    handler refuses the others anyway."""
    return rx.cond(StaffState.staff_permissions.contains(permission), component)


def _role_refused() -> rx.Component:
    return rx.callout(t("error.role_forbidden"), icon="lock", color_scheme="amber", role="alert", id="role-refused")


def admin_shell(content: rx.Component, area: str | None = None, route: str = "") -> rx.Component:
    if area is not None:  # the page of an area this role may not read: a message instead of its content
        content = rx.cond(StaffState.staff_areas.contains(area), content, _role_refused())
    return rx.box(
        rx.el.a(t("app.skip_to_content"), href="#main", class_name="skip-link"),
        web_app_links(),
        rx.el.header(
            rx.hstack(
                brand_mark("28px"),
                rx.badge(t("admin.console"), color_scheme="gray"),
                rx.el.nav(
                    rx.hstack(
                        *[_admin_nav_link(e) for e in sorted(ADMIN_NAV, key=lambda e: e.order)],
                        spacing="4",
                        wrap="wrap",
                    ),
                    aria_label=t("nav.menu"),
                    style=NAV_LINE,
                ),
                rx.spacer(),
                # Their own settings (the time zone): console/me_pages.py.
                rx.link(StaffState.staff_name, href="/admin/me", size="2", color_scheme="gray", id="staff-me",
                        display=["none", "none", "block"]),
                language_picker(lambda lang: StaffState.choose_language(lang, route)),
                rx.button(t("app.logout"), on_click=StaffState.staff_logout, variant="soft", size="2"),
                align="center",
                spacing="4",
                wrap="wrap",
                padding="0.75em 1em",
            ),
            style={"border_top": f"4px solid {SiteState.brand_color}", "border_bottom": "1px solid var(--gray-5)",
                   "background": "var(--color-panel-solid)"},
        ),
        rx.el.main(
            rx.cond(
                StaffState.staff_authed,
                until_loaded(rx.vstack(flash_message(), content, width="100%", spacing="4")),
                loading(),
            ),
            id="main",
            style={"max_width": "1280px", "margin": "0 auto", "padding": "1.5em 1em"},
        ),
        **page_language(),
        min_height="100vh",
        background="var(--gray-2)",
    )


def _registered_page(shell, title: str, open_page, side: str, nav_list: list[NavEntry]):
    def register(route: str, on_load: list | None = None, nav: NavEntry | None = None,
                 **shell_options) -> Callable:
        if nav is not None:
            if shell_options.get("area") and nav.area is None:
                nav = dataclasses.replace(nav, area=shell_options["area"])
            nav_list.append(nav)
        # One load event: the shell's work (branding, the session) and the page's own loads, run
        # together by `open_page` (core/states/handlers.py: run_page_loads).
        PAGE_LOADS[route] = PageLoad(side, tuple(on_load or ()))

        def decorator(fn: Callable[[], rx.Component]):
            @rx.page(route=route, title=title, on_load=[open_page(route)])
            def page() -> rx.Component:
                return shell(fn(), route=route, **shell_options)

            page.__name__ = fn.__name__
            return page

        return decorator

    return register


# Register a customer page: its shell, and the session checked before anything else loads.
portal_page = _registered_page(portal_shell, "Guichet", PortalState.open_page, "portal", PORTAL_NAV)
# Register a customer page anyone may read, logged in or not (the help centre): no redirect to the
# login page; its handlers decide what a visitor may see.
public_page = _registered_page(lambda content, route: portal_shell(content, public=True, route=route), "Guichet",
                               PortalState.open_page, "public", PORTAL_NAV)
# Register a console page: staff session (password + TOTP) checked before it loads. `area=` (the
# page's part of the console, `core/permissions.py`) hides its link and its content from the roles
# that may not read it; its handlers refuse them anyway.
admin_page = _registered_page(admin_shell, "Guichet · Console", StaffState.open_page, "staff", ADMIN_NAV)
