"""Console: the knowledge base — the article list with its categories, and the article editor (Markdown
with a live preview of the sanitised HTML readers will get)."""

import reflex as rx

from portal_app.core.registries import NavEntry
from portal_app.core.states.site import SiteState
from portal_app.core.ui.basics import (back_link, button_row, checkbox_field, column, confirm_dialog, field,
                                       form_dialog, form_grid, options, page_header, saved_row, select,
                                       select_field, titled_card)
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page
from portal_app.core.ui.tables import list_page
from portal_app.helpdesk.kb_admin_state import EDITOR_ROUTE, LIST_ROUTE
from portal_app.helpdesk.kb_admin_state import AdminKbArticleState as E
from portal_app.helpdesk.kb_admin_state import AdminKbState as S
from portal_app.helpdesk.kb_components import article_body, article_url


def _choice_options(choices) -> rx.Component:
    return rx.foreach(choices, lambda c: rx.el.option(c.label, value=c.value))


# ---- the list ----------------------------------------------------------------------------------------------


def _title_cell(r) -> rx.Component:
    return rx.vstack(
        rx.link(r.title, href=EDITOR_ROUTE + "?id=" + r.id.to(str), weight="medium", size="2"),
        rx.text(r.slug, size="1", color_scheme="gray"),
        spacing="0", min_width="180px")


def _state_cell(r) -> rx.Component:
    return rx.hstack(
        rx.cond(r.published, rx.badge(t("kb.admin.published_badge"), color_scheme="green"),
                rx.badge(t("kb.admin.draft_badge"), color_scheme="gray")),
        rx.cond(r.public, rx.badge(t("kb.admin.public_badge"), color_scheme="blue"),
                rx.badge(t("kb.customers_only"), color_scheme="amber")),
        spacing="1", wrap="wrap")


def _actions_cell(r) -> rx.Component:
    return rx.hstack(
        rx.button(rx.cond(r.published, t("kb.admin.unpublish"), t("kb.admin.publish")), size="1", variant="soft",
                  on_click=S.toggle_published(r.id),
                  aria_label=rx.cond(r.published, t("kb.admin.unpublish"), t("kb.admin.publish")) + " " + r.title),
        rx.button(t("kb.admin.delete"), size="1", variant="soft", color_scheme="red", on_click=S.ask_delete(r.id),
                  aria_label=t("kb.admin.delete") + " " + r.title),
        spacing="1", wrap="wrap")


def _filters() -> list[rx.Component]:
    return [
        select(rx.el.option(t("kb.admin.all_languages"), value=""), _choice_options(S.language_choices),
               name="language", aria_label=t("kb.admin.language"), style={"width": "auto"}),
        select(*options([("", "kb.admin.all_states"), ("yes", "kb.admin.published_badge"),
                         ("no", "kb.admin.draft_badge")]),
               name="published", aria_label=t("kb.admin.state"), style={"width": "auto"}),
        select(rx.el.option(t("kb.admin.all_categories"), value="0"), _choice_options(S.category_choices),
               value=S.category_filter.to(str), on_change=S.filter_category, aria_label=t("kb.categories"),
               style={"width": "auto"}),
    ]


def _list() -> rx.Component:
    return list_page(S, [
        ("kb.admin.col_title", _title_cell),
        ("kb.admin.language", lambda r: rx.badge(r.language, variant="outline")),
        ("kb.admin.col_category", lambda r: rx.text(r.category, size="2")),
        ("kb.admin.state", _state_cell),
        ("kb.admin.col_readers", lambda r: rx.text(r.views, " / ", r.answered, size="2", white_space="nowrap")),
        ("kb.admin.col_updated", lambda r: rx.text(r.when, size="2", white_space="nowrap")),
        ("kb.admin.col_actions", _actions_cell),
    ], search_key="kb.admin.search", filters=_filters(), empty_key="kb.admin.empty")


def _category_line(c) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(c.name, weight="medium", size="2"),
                  rx.text(c.articles, " ", t("kb.admin.articles"), size="1", color_scheme="gray"), spacing="0"),
        rx.spacer(),
        rx.button(t("kb.admin.edit"), size="1", variant="soft", on_click=S.edit_category(c.id),
                  aria_label=t("kb.admin.edit") + " " + c.name),
        rx.button(t("kb.admin.delete"), size="1", variant="soft", color_scheme="red",
                  on_click=S.ask_delete_category(c.id), aria_label=t("kb.admin.delete") + " " + c.name),
        width="100%", align="center", spacing="2")


def _categories_card() -> rx.Component:
    return titled_card(
        "kb.categories", "folder_tree",
        rx.foreach(S.categories, _category_line),
        rx.button(rx.icon("plus", size=14), t("kb.admin.new_category"), variant="soft", size="2",
                  on_click=S.new_category),
    )


def _category_dialog() -> rx.Component:
    return form_dialog(
        "kb.admin.category_title",
        rx.foreach(S.name_fields, lambda f: rx.vstack(
            rx.el.label(t("kb.admin.category_name"), " (", f.label, ")", html_for="f-name-" + f.code,
                        style={"font_weight": "500", "font_size": "0.9em"}),
            rx.input(id="f-name-" + f.code, name="name_" + f.code, default_value=f.value, required=f.required,
                     max_length=80, width="100%"),
            spacing="1", width="100%")),
        form_grid(
            field("kb.admin.slug", "slug", default_value=S.category_slug, max_length=80),
            field("kb.admin.position", "position", type="number", default_value=S.category_position.to(str)),
        ),
        open=S.dialog == "category", on_cancel=S.close_dialog, on_submit=S.save_category,
        submit_id="save-category", key=S.category_form_version,
    )


def _delete_dialogs() -> list[rx.Component]:
    return [
        confirm_dialog("kb.admin.delete_title",
                       SiteState.tr["kb.admin.confirm_delete"].to(str).replace("{title}", S.delete_title),
                       open=S.dialog == "delete", on_cancel=S.close_dialog, on_confirm=S.confirm_delete,
                       confirm_key="kb.admin.delete", confirm_id="confirm-delete"),
        confirm_dialog("kb.admin.delete_category_title",
                       SiteState.tr["kb.admin.confirm_delete_category"].to(str).replace("{name}", S.delete_title),
                       open=S.dialog == "delete_category", on_cancel=S.close_dialog,
                       on_confirm=S.confirm_delete_category, confirm_key="kb.admin.delete",
                       confirm_id="confirm-delete-category"),
    ]


@admin_page(LIST_ROUTE, on_load=[S.load_kb], area=S.area,
            nav=NavEntry("admin.nav.kb", LIST_ROUTE, "book_open", 48))
def admin_kb_page() -> rx.Component:
    return column(
        page_header("admin.nav.kb",
                    rx.button(rx.link(rx.hstack(rx.icon("plus", size=14), t("kb.admin.new_article"), spacing="1",
                                                align="center"), href=EDITOR_ROUTE, underline="none",
                                      color="var(--accent-contrast)"),
                              as_child=True, size="2")),
        rx.grid(
            column(_list(), min_width="0"),
            column(_categories_card(), min_width="0"),
            grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", lg="minmax(0, 1fr) 280px"),
            spacing="4", width="100%"),
        _category_dialog(),
        *_delete_dialogs(),
    )


# ---- the editor --------------------------------------------------------------------------------------------------


def _translations() -> rx.Component:
    return rx.cond(E.article_id > 0, rx.hstack(
        rx.text(t("kb.admin.translations"), size="2", weight="medium"),
        rx.foreach(E.translations, lambda tr: rx.cond(
            tr.current, rx.badge(tr.language, variant="solid"),
            rx.link(rx.badge(tr.language, variant="outline"), href=EDITOR_ROUTE + "?id=" + tr.id.to(str),
                    aria_label=tr.title))),
        rx.foreach(E.missing_languages, lambda c: rx.link(
            rx.hstack(rx.icon("plus", size=12), c.label, spacing="1", align="center"),
            href=EDITOR_ROUTE + "?translate=" + E.article_id.to(str) + "&lang=" + c.value, size="2")),
        spacing="3", align="center", wrap="wrap"))


def _editor_form() -> rx.Component:
    return rx.form(
        column(
            form_grid(
                field("kb.admin.col_title", "title", required=True, default_value=E.edit.title, max_length=200),
                field("kb.admin.slug", "slug", default_value=E.edit.slug, max_length=120,
                      placeholder=t("kb.admin.slug_help")),
                select_field("kb.admin.language", "language", _choice_options(E.language_choices),
                             value=E.edit.language),
                select_field("kb.admin.col_category", "category_id",
                             rx.el.option(t("kb.admin.no_category"), value=""), _choice_options(E.category_choices),
                             value=E.edit.category_id),
            ),
            rx.hstack(checkbox_field("kb.admin.public", "public", E.edit.public),
                      checkbox_field("kb.admin.published", "published", E.edit.published),
                      spacing="5", wrap="wrap"),
            rx.text(t("kb.admin.public_help"), size="1", color_scheme="gray"),
            rx.grid(
                rx.vstack(
                    rx.el.label(t("kb.admin.body"), html_for="f-body", style={"font_weight": "500",
                                                                               "font_size": "0.9em"}),
                    rx.text_area(id="f-body", name="body", default_value=E.edit.body, rows="20", width="100%",
                                 on_change=lambda text: E.update_preview(text).debounce(300),
                                 style={"font_family": "var(--code-font-family, monospace)", "font_size": "0.9em"}),
                    rx.text(t("kb.admin.body_help"), size="1", color_scheme="gray"),
                    spacing="1", width="100%"),
                rx.vstack(
                    rx.text(t("kb.admin.preview"), weight="medium", size="2"),
                    rx.card(article_body(E.preview_html, id="kb-preview"), width="100%", min_height="200px",
                            role="region", aria_label=t("kb.admin.preview")),
                    spacing="1", width="100%"),
                columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
            button_row(
                rx.cond(E.article_id > 0, rx.button(t("kb.admin.delete"), type="button", variant="soft",
                                                    color_scheme="red", on_click=E.ask_delete)),
                rx.spacer(),
                saved_row(rx.button(t("admin.save"), type="submit", id="save-article"), E.saved),
                justify="between"),
            spacing="3",
        ),
        on_submit=E.save_article,
        reset_on_submit=False,
        key=E.form_version,
        width="100%",
    )


@admin_page(EDITOR_ROUTE, on_load=[E.load_editor], area=E.area)
def admin_kb_article_page() -> rx.Component:
    return column(
        back_link("kb.admin.back", LIST_ROUTE),
        page_header(rx.cond(E.article_id > 0, t("kb.admin.edit_title"), t("kb.admin.new_title")),
                    rx.cond(E.public_slug != "", rx.link(t("kb.admin.view_live"), href=article_url(E.public_slug),
                                                         target="_blank", rel="noopener", size="2"))),
        _translations(),
        rx.card(_editor_form(), width="100%"),
        confirm_dialog("kb.admin.delete_title",
                       SiteState.tr["kb.admin.confirm_delete"].to(str).replace("{title}", E.edit.title),
                       open=E.dialog == "delete", on_cancel=E.close_dialog, on_confirm=E.confirm_delete,
                       confirm_key="kb.admin.delete", confirm_id="confirm-delete"),
    )
