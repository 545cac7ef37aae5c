"""Knowledge-base pieces: the login page's link to the help centre, an article's body, and the list of
suggested articles that a ticket form shows while its title is typed."""

from __future__ import annotations

import reflex as rx

from portal_app.core import registries
from portal_app.core.ui.i18n import t
from portal_app.helpdesk.kb_state import HelpLinkState

HELP_ROUTE = "/help"
ARTICLE_ROUTE = "/help/article"

# Readable typography for the sanitised HTML (the only markup it can hold: kb_markdown.ALLOWED_TAGS).
ARTICLE_STYLE = {
    "line_height": "1.6",
    "overflow_wrap": "anywhere",
    "& h1, & h2, & h3, & h4": {"margin": "1.2em 0 0.4em", "line_height": "1.3", "font_weight": "600"},
    "& h1": {"font_size": "1.5em"}, "& h2": {"font_size": "1.3em"}, "& h3": {"font_size": "1.1em"},
    "& p, & ul, & ol, & blockquote, & pre, & table": {"margin": "0 0 0.9em"},
    "& > :first-child": {"margin_top": "0"},
    "& ul, & ol": {"padding_inline_start": "1.5em"},
    "& ul": {"list_style": "disc"}, "& ol": {"list_style": "decimal"},
    "& a": {"color": "var(--accent-11)", "text_decoration": "underline"},
    "& code": {"background": "var(--gray-3)", "padding": "0.1em 0.3em", "border_radius": "4px",
               "font_size": "0.9em"},
    "& pre": {"background": "var(--gray-3)", "padding": "0.75em", "border_radius": "6px", "overflow_x": "auto"},
    "& pre code": {"background": "none", "padding": "0"},
    "& blockquote": {"border_inline_start": "3px solid var(--gray-6)", "padding_inline_start": "0.75em",
                     "color": "var(--gray-11)"},
    "& table": {"border_collapse": "collapse", "display": "block", "overflow_x": "auto"},
    "& th, & td": {"border": "1px solid var(--gray-6)", "padding": "0.3em 0.6em"},
    "& img": {"max_width": "100%", "height": "auto"},
}


def article_url(slug: rx.Var) -> rx.Var:
    return ARTICLE_ROUTE + "?slug=" + slug


def article_body(html: rx.Var, **props) -> rx.Component:
    """An article's body: HTML that kb_markdown rendered and sanitised on the server. Never pass
    anything else here: `rx.html` puts its text in the page as markup."""
    return rx.html(html, style=ARTICLE_STYLE, class_name="kb-article", width="100%", **props)


def suggestion_list(rows: rx.Var, on_answered=None) -> rx.Component:
    """Articles that may answer a question (rows of `kb_rules.KbSuggestion`), each opening in a new tab,
    with an optional "this answered my question" button calling `on_answered(article_id)`."""
    def line(row: rx.Var) -> rx.Component:
        return rx.el.li(
            rx.vstack(
                rx.link(row.title, href=article_url(row.slug), target="_blank", rel="noopener",
                        weight="medium"),
                rx.text(row.excerpt, size="1", color_scheme="gray"),
                *([rx.button(t("kb.answered_button"), size="1", variant="soft", color_scheme="green",
                             on_click=on_answered(row.id), aria_label=t("kb.answered_button") + " " + row.title)]
                  if on_answered is not None else []),
                spacing="1",
                align="start",
            ),
            style={"list_style": "none", "padding": "0.5em 0", "border_bottom": "1px solid var(--gray-4)"},
        )

    return rx.cond(rows.length() > 0, rx.box(
        rx.text(t("kb.suggestions_title"), weight="medium", size="2"),
        rx.el.ul(rx.foreach(rows, line), style={"margin": "0", "padding": "0"}),
        role="region", aria_label=t("kb.suggestions_title"), width="100%"))


def help_link() -> rx.Component:
    """The login page's link to the help centre, shown when a public article is there to read."""
    return rx.box(
        rx.cond(HelpLinkState.show,
                rx.link(rx.hstack(rx.icon("life_buoy", size=16), t("kb.login_link"), spacing="2", align="center"),
                        href=HELP_ROUTE, size="2", id="help-centre-link")),
        on_mount=HelpLinkState.load_help_link,
    )


registries.public_link(registries.PublicLink("help", 10, help_link))
