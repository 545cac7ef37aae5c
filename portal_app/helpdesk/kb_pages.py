"""The help centre: `/help` (categories, search, articles) and `/help/article?slug=...`. Anyone may
open them; what a visitor sees is decided by the rules (public articles only)."""

import reflex as rx

from portal_app.core.registries import NavEntry
from portal_app.core.states.portal import PortalState
from portal_app.core.ui.basics import back_link, column, empty_note, pager, search_form
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import public_page
from portal_app.helpdesk.kb_components import HELP_ROUTE, article_body, article_url
from portal_app.helpdesk.kb_state import HelpArticleState as A
from portal_app.helpdesk.kb_state import HelpState as S


def _category_button(label, count, active, on_click) -> rx.Component:
    return rx.button(label, *([rx.badge(count, variant="soft", size="1")] if count is not None else []),
                     on_click=on_click, variant=rx.cond(active, "solid", "soft"), color_scheme="gray", size="2",
                     aria_pressed=rx.cond(active, "true", "false"))


def _categories() -> rx.Component:
    return rx.cond(S.categories.length() > 0, rx.el.nav(
        rx.hstack(
            _category_button(t("kb.all_categories"), None, S.category_id == 0, S.show_category(0)),
            rx.foreach(S.categories, lambda c: _category_button(c.name, c.count, S.category_id == c.id,
                                                                 S.show_category(c.id))),
            spacing="2", wrap="wrap"),
        aria_label=t("kb.categories")))


def _article_line(row) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.link(row.title, href=article_url(row.slug), weight="medium", size="3"),
                rx.cond(~row.public, rx.tooltip(rx.icon("lock", size=14, color="var(--gray-10)",
                                                        aria_label=t("kb.customers_only")),
                                                content=t("kb.customers_only"))),
                spacing="2", align="center"),
            rx.text(row.excerpt, size="2", color_scheme="gray"),
            spacing="1", align="start"),
        style={"list_style": "none", "padding": "0.75em 0", "border_bottom": "1px solid var(--gray-4)"},
    )


@public_page(HELP_ROUTE, on_load=[S.load_help],
             nav=NavEntry("nav.help", HELP_ROUTE, "life_buoy", 70, module="knowledge"))
def help_page() -> rx.Component:
    return column(
        rx.heading(t("kb.title"), size="7", as_="h1"),
        rx.cond(
            S.closed,
            empty_note(t("kb.closed")),
            column(
                rx.text(t("kb.intro"), color_scheme="gray"),
                search_form(S.search_help, "kb.search"),
                _categories(),
                rx.card(
                    rx.cond(S.rows.length() > 0,
                            rx.el.ul(rx.foreach(S.rows, _article_line), style={"margin": "0", "padding": "0"}),
                            empty_note(t("kb.no_articles"))),
                    width="100%"),
                rx.cond(S.pages > 1, pager(S.page, S.pages, S.total, S.prev_help_page, S.next_help_page)),
                rx.cond(~PortalState.authed, rx.text(t("kb.more_when_logged_in"), " ",
                                                     rx.link(t("app.login"), href="/login"), size="2",
                                                     color_scheme="gray")),
                spacing="3",
            ),
        ),
    )


def _feedback() -> rx.Component:
    return rx.cond(
        PortalState.authed,
        rx.card(
            rx.cond(
                A.answered,
                rx.text(t("kb.answered_thanks"), role="status", color_scheme="green"),
                rx.hstack(rx.text(t("kb.answered_question"), size="2"),
                          rx.button(rx.icon("thumbs_up", size=14), t("kb.answered_button"), on_click=A.mark_answered,
                                    variant="soft", color_scheme="green", size="2", id="kb-answered"),
                          align="center", spacing="3", wrap="wrap"),
            ),
            width="100%"),
    )


@public_page("/help/article", on_load=[A.load_article])
def help_article_page() -> rx.Component:
    return column(
        back_link("kb.back", HELP_ROUTE),
        rx.cond(
            A.found,
            rx.el.article(
                column(
                    rx.heading(A.title, size="7", as_="h1"),
                    rx.hstack(
                        rx.cond(A.category_name != "", rx.badge(A.category_name, variant="soft")),
                        rx.text(t("kb.updated"), " ", A.updated, size="1", color_scheme="gray"),
                        spacing="3", align="center", wrap="wrap"),
                    rx.cond(A.other_language, rx.callout(t("kb.other_language"), icon="languages", size="1",
                                                         color_scheme="gray", width="100%")),
                    rx.card(article_body(A.body_html), width="100%"),
                    _feedback(),
                    spacing="3",
                ),
                style={"width": "100%"},
            ),
            rx.cond(A.missing, rx.card(column(
                rx.heading(t("kb.not_found_title"), size="5", as_="h1"),
                rx.text(t("kb.not_found"), color_scheme="gray"),
                rx.cond(~PortalState.authed, rx.link(t("app.login"), href="/login")),
                spacing="2"), width="100%")),
        ),
    )
