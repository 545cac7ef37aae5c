"""Console: portal actions (the customers' dashboard buttons) with a live preview and "preview as a contact"."""

import reflex as rx

from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, admin_page
from portal_app.core.ui.basics import (LABEL_STYLE, alert, brand_button, button_row, checkbox_field, column, options,
                                      page_header, select, select_field)
from portal_app.dashboard.admin_state import AdminActionsState
from portal_app.core.states.site import SiteState
from portal_app.dashboard.pages import action_icon, actions_list

S = AdminActionsState



def kind_label(kind: rx.Var) -> rx.Var:
    return SiteState.tr["actions.kind." + kind].to(str)


def _row(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.box(action_icon(row.icon, 18), color=SiteState.brand_color, display="flex"),
            rx.vstack(
                rx.text(row.label, weight="medium", overflow_wrap="anywhere"),
                rx.hstack(
                    rx.badge(kind_label(row.kind), variant="soft"),
                    rx.cond(row.audience == "admins", rx.badge(t("admin.actions.only_admins"), color_scheme="amber")),
                    rx.cond(~row.enabled, rx.badge(t("admin.actions.hidden"), color_scheme="gray")),
                    rx.cond(row.no_page, rx.badge(t("admin.actions.no_page"), color_scheme="orange")),
                    rx.cond(row.target != "", rx.text(row.target, size="1", color_scheme="gray",
                                                         overflow_wrap="anywhere")),
                    spacing="2", wrap="wrap",
                ),
                spacing="1", flex="1", min_width="0",
            ),
            rx.hstack(
                rx.icon_button(rx.icon("arrow_up", size=14), size="1", variant="soft", disabled=row.first,
                               on_click=S.move(row.id, -1),
                               aria_label=t("admin.actions.move_up") + " " + row.label),
                rx.icon_button(rx.icon("arrow_down", size=14), size="1", variant="soft", disabled=row.last,
                               on_click=S.move(row.id, 1),
                               aria_label=t("admin.actions.move_down") + " " + row.label),
                rx.button(rx.cond(row.enabled, t("admin.actions.disable"), t("admin.actions.enable")),
                          size="1", variant="soft", color_scheme="gray", on_click=S.toggle_enabled(row.id),
                          aria_label=rx.cond(row.enabled, t("admin.actions.disable"),
                                             t("admin.actions.enable")) + " " + row.label),
                rx.button(t("admin.actions.edit"), size="1", variant="soft", on_click=S.edit_action(row.id),
                          aria_label=t("admin.actions.edit") + " " + row.label),
                rx.button(t("admin.actions.delete"), size="1", variant="soft", color_scheme="red",
                          on_click=S.ask_delete(row.id),
                          aria_label=t("admin.actions.delete") + " " + row.label),
                spacing="1", wrap="wrap",
            ),
            spacing="3", align="center", wrap="wrap", width="100%",
        ),
        style={"list_style": "none", "padding": "0.75em 0", "border_bottom": "1px solid var(--gray-4)",
               "&:last-child": {"border_bottom": "none"}},
        class_name="action-row",
    )


def _labelled(label: rx.Var, control: rx.Component, html_for: str) -> rx.Component:
    return rx.vstack(rx.el.label(label, html_for=html_for, style=LABEL_STYLE),
                     control, spacing="1", width="100%")


def _icon_choice(name: rx.Var) -> rx.Component:
    chosen = S.edit.icon == name
    return rx.el.label(
        rx.el.input(type="radio", name="icon_choice", value=name, checked=chosen, on_change=S.set_edit_icon(name),
                    aria_label=name.replace("_", " "),
                    style={"position": "absolute", "opacity": "0", "width": "1px", "height": "1px"}),
        action_icon(name),
        title=name.replace("_", " "),
        style={"display": "inline-flex", "align_items": "center", "justify_content": "center", "width": "40px",
               "height": "40px", "border_radius": "8px", "cursor": "pointer", "position": "relative",
               "border": rx.cond(chosen, f"2px solid {SiteState.brand_color}", "1px solid var(--gray-6)"),
               "background": rx.cond(chosen, "var(--accent-3)", "var(--color-panel-solid)"),
               "&:focus-within": {"outline": "2px solid var(--accent-8)", "outline_offset": "2px"}},
    )


def _label_input(lang: rx.Var) -> rx.Component:
    input_id = "f-label_" + lang.code
    return _labelled(
        SiteState.tr["admin.actions.label_in"].to(str).replace("{language}", lang.name)
        + rx.cond(lang.required, " *", ""),
        rx.input(id=input_id, name="label_" + lang.code, default_value=S.edit.labels[lang.code].to(str),
                 required=lang.required, max_length=60, width="100%"),
        input_id,
    )


def _form_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.edit_id > 0, t("admin.actions.edit_title"), t("admin.actions.new"))),
            # The page's own message is behind this modal: the form's refusal is repeated here.
            rx.cond(S.flash_kind == "error", rx.box(alert(S.flash_text, "error"), margin_bottom="0.75em")),
            rx.form(
                column(
                    _labelled(t("admin.actions.kind"), select(
                        rx.foreach(S.kind_choices, lambda k: rx.el.option(kind_label(k), value=k)),
                        id="f-kind", name="kind", value=S.edit.kind, on_change=S.set_edit_kind), "f-kind"),
                    rx.foreach(S.label_languages, _label_input),
                    rx.cond(S.edit.kind == "link", _labelled(
                        t("admin.actions.target"),
                        rx.input(id="f-target", name="target", type="url", default_value=S.edit.target,
                                 placeholder="https://", width="100%"),
                        "f-target")),
                    rx.el.fieldset(
                        rx.el.legend(t("admin.actions.icon"), style=LABEL_STYLE),
                        rx.flex(rx.foreach(S.icon_choices, _icon_choice), wrap="wrap", spacing="2"),
                        role="radiogroup",
                        style={"border": "0", "padding": "0", "margin": "0"},
                    ),
                    select_field("admin.actions.audience", "audience",
                                 *options([("everyone", "admin.actions.audience_everyone"),
                                           ("admins", "admin.actions.audience_admins")]),
                                 value=S.edit.audience),
                    checkbox_field("admin.actions.enabled", "enabled", S.edit.enabled),
                    button_row(
                        rx.button(t("admin.cancel"), type="button", variant="soft", on_click=S.close_dialog),
                        brand_button(t("admin.save"), type="submit", id="save-action"),
                    ),
                    spacing="3",
                ),
                on_submit=S.save_action,
                reset_on_submit=False,
                key=S.form_version,
            ),
            max_width="560px",
        ),
        open=S.dialog == "form",
        on_open_change=S.form_open_changed,
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("admin.actions.confirm_delete")),
            button_row(
                rx.alert_dialog.cancel(rx.button(t("admin.cancel"), variant="soft", on_click=S.cancel_delete)),
                rx.alert_dialog.action(rx.button(t("admin.actions.delete"), color_scheme="red",
                                                 on_click=S.confirm_delete, id="confirm-delete-action")),
                margin_top="1em",
            ),
            max_width="420px",
        ),
        open=S.confirm_delete_id > 0,
    )


def _preview() -> rx.Component:
    return rx.card(
        column(
            rx.heading(t("admin.actions.preview"), size="4", as_="h2"),
            rx.flex(
                rx.el.label(t("admin.actions.preview_lang"), select(
                    rx.foreach(S.label_languages, lambda c: rx.el.option(c.name, value=c.code)),
                    value=S.preview_lang, on_change=S.set_preview_lang),
                    style={"display": "flex", "flex_direction": "column", "gap": "0.25em", "font_size": "0.9em",
                           "flex": "1"}),
                rx.el.label(t("admin.actions.preview_role"), select(
                    *options([("admin", "admin.actions.role_admin"), ("member", "admin.actions.role_member")]),
                    value=S.preview_role, on_change=S.set_preview_role),
                    style={"display": "flex", "flex_direction": "column", "gap": "0.25em", "font_size": "0.9em",
                           "flex": "1"}),
                spacing="3", width="100%", wrap="wrap",
            ),
            # A phone-sized frame: the dashboard's right column as a customer will see it.
            rx.box(
                rx.vstack(
                    rx.text(S.preview_heading, weight="bold", size="3"),
                    rx.cond(S.preview.length() > 0, actions_list(S.preview),
                            rx.text(S.preview_empty, size="2", color_scheme="gray")),
                    spacing="3", width="100%",
                ),
                id="actions-preview",
                width="100%",
                max_width="380px",
                margin="0 auto",
                padding="1em",
                border="8px solid var(--gray-12)",
                border_radius="24px",
                background="var(--gray-2)",
                style={"border_top": "24px solid var(--gray-12)"},
                aria_label=t("admin.actions.preview"),
                role="region",
            ),
            rx.divider(),
            rx.heading(t("admin.actions.preview_as_contact"), size="3", as_="h3"),
            rx.text(t("admin.actions.preview_as_help"), size="1", color_scheme="gray"),
            rx.form(
                rx.hstack(
                    rx.input(name="email", type="email", required=True, placeholder=t("admin.actions.contact_email"),
                             aria_label=t("admin.actions.contact_email"), width="100%"),
                    rx.button(rx.icon("eye", size=14), t("admin.actions.open_preview"), type="submit",
                              color_scheme="amber", variant="soft", id="preview-as-contact"),
                    spacing="2", width="100%", wrap="wrap",
                ),
                on_submit=S.preview_as_contact,
                reset_on_submit=False,
                width="100%",
            ),
            spacing="3",
        ),
        width="100%",
    )


@admin_page("/admin/actions", on_load=[S.load_actions],
            nav=NavEntry("admin.nav.actions", "/admin/actions", "layout_grid", 50), area=S.area)
def actions_page() -> rx.Component:
    return column(
        page_header("admin.nav.actions",
                    brand_button(rx.icon("plus", size=16), t("admin.actions.new"), on_click=S.new_action,
                                 id="new-action")),
        rx.text(t("admin.actions.intro"), size="2", color_scheme="gray"),
        rx.grid(
            rx.card(
                rx.cond(
                    S.rows.length() > 0,
                    rx.el.ol(rx.foreach(S.rows, _row), style={"margin": "0", "padding": "0"}, id="actions-list"),
                    rx.text(t("admin.actions.empty"), color_scheme="gray", size="2"),
                ),
                width="100%",
                min_width="0",
            ),
            _preview(),
            grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", lg="minmax(0, 3fr) minmax(0, 2fr)"),
            spacing="4",
            width="100%",
        ),
        _form_dialog(),
        _delete_dialog(),
    )
