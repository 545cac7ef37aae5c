"""Small building blocks used by customer and console pages alike."""

from __future__ import annotations

import reflex as rx

from portal_app.core.states.site import SiteState
from portal_app.core.ui.i18n import t


def brand_button(*children, **props) -> rx.Component:
    style = {"background_color": SiteState.brand_color, "color": "white", "cursor": "pointer"}
    style.update(props.pop("style", {}))
    return rx.button(*children, style=style, **props)


def alert(text: rx.Var, kind: str = "error") -> rx.Component:
    """A message that screen readers announce; hidden while empty."""
    scheme = {"error": "red", "info": "blue", "success": "green"}[kind]
    icon = {"error": "triangle_alert", "info": "info", "success": "circle_check"}[kind]
    return rx.cond(
        text != "",
        rx.callout(text, icon=icon, color_scheme=scheme, role="alert" if kind == "error" else "status",
                   width="100%"),
    )


def field(label_key: str, name: str, *, type: str = "text", required: bool = False, default_value=None,
          autocomplete: str | None = None, placeholder=None, **props) -> rx.Component:
    """A labelled input; the label is tied to the input so people and tests find it by name."""
    input_id = props.pop("id", f"f-{name}")
    return rx.vstack(
        rx.el.label(t(label_key), html_for=input_id, style={"font_weight": "500", "font_size": "0.9em"}),
        rx.input(id=input_id, name=name, type=type, required=required, default_value=default_value,
                 auto_complete=autocomplete, placeholder=placeholder, width="100%", size="3", **props),
        spacing="1",
        width="100%",
    )


def checkbox_field(label_key: str, name: str, checked) -> rx.Component:
    return rx.el.label(
        rx.el.input(type="checkbox", name=name, default_checked=checked, style={"margin_inline_end": "0.5em"}),
        t(label_key),
        style={"display": "flex", "align_items": "center", "gap": "0.25em"},
    )


def language_picker(on_change) -> rx.Component:
    """A native select: keyboard- and screen-reader-friendly on every device."""
    return rx.el.select(
        rx.foreach(SiteState.language_options, lambda o: rx.el.option(o["name"], value=o["code"])),
        value=SiteState.lang,
        on_change=on_change,
        aria_label=t("app.language"),
        style={"padding": "0.35em 0.5em", "border_radius": "6px", "border": "1px solid var(--gray-7)",
               "background": "var(--color-panel-solid)", "font_size": "0.9em"},
    )


def pager(page: rx.Var, pages: rx.Var, total: rx.Var, on_prev, on_next) -> rx.Component:
    return rx.hstack(
        rx.button(t("ui.previous"), on_click=on_prev, disabled=page <= 1, variant="soft"),
        rx.text(t("ui.page"), " ", page, " / ", pages, " · ", total, " ", t("ui.results"), size="2"),
        rx.button(t("ui.next"), on_click=on_next, disabled=page >= pages, variant="soft"),
        align="center",
        spacing="3",
        wrap="wrap",
    )


def status_badge(ok: rx.Var, yes_key: str, no_key: str) -> rx.Component:
    return rx.cond(ok, rx.badge(t(yes_key), color_scheme="green"), rx.badge(t(no_key), color_scheme="red"))


def loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), rx.text(t("app.loading"), margin_left="0.5em"), padding="4em")


def titled_card(title_key: str, icon: str, *children, **props) -> rx.Component:
    """A card with an icon and a heading: the home page's cards and other panels."""
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
