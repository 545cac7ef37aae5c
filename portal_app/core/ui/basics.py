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


LABEL_STYLE = {"font_weight": "500", "font_size": "0.9em"}
SELECT_STYLE = {"padding": "0.45em 0.5em", "border_radius": "6px", "border": "1px solid var(--gray-7)",
                "background": "var(--color-panel-solid)", "width": "100%", "font_size": "0.95em"}


def select(*options, name: str | None = None, aria_label=None, **props) -> rx.Component:
    """A native select (keyboard- and screen-reader-friendly on every device), styled like the inputs."""
    style = {**SELECT_STYLE, **props.pop("style", {})}
    return rx.el.select(*options, name=name, aria_label=aria_label, style=style, **props)


def options(pairs, prefix: str = "") -> list[rx.Component]:
    """<option>s from (value, catalogue key) pairs, or from values whose key is `prefix + value`."""
    return [rx.el.option(t(key if prefix == "" else prefix + key), value=value)
            for value, key in ((p, p) if isinstance(p, str) else p for p in pairs)]


def select_field(label_key: str, name: str, *choices, value=None, **props) -> rx.Component:
    """A labelled select: the label is tied to it, so people and tests find it by name."""
    input_id = props.pop("id", f"f-{name}")
    return rx.vstack(
        rx.el.label(t(label_key), html_for=input_id, style=LABEL_STYLE),
        select(*choices, id=input_id, name=name, default_value=value, **props),
        spacing="1",
        width="100%",
    )


def search_form(on_submit, label_key: str = "admin.search", *extra: rx.Component) -> rx.Component:
    """The search box of a list (field `q`), with any filter selects beside it; submits to `on_submit`."""
    return rx.form(
        rx.hstack(
            rx.input(name="q", placeholder=t(label_key), aria_label=t(label_key), width="280px", max_width="100%",
                     size="2"),
            *extra,
            rx.button(rx.icon("search", size=16), t("admin.search"), type="submit", variant="soft"),
            spacing="2",
            wrap="wrap",
            align="center",
        ),
        on_submit=on_submit,
    )


def keyed_badge(value: rx.Var, key_prefix: str, colours: dict[str, str], **props) -> rx.Component:
    """A status badge: its text is the catalogue's `key_prefix + value`, its colour from `colours`
    (value -> Radix colour; anything else is gray)."""
    props.setdefault("size", "2")
    props.setdefault("variant", "soft")
    return rx.badge(SiteState.tr[key_prefix + value].to(str),
                    color_scheme=rx.match(value, *[(k, v) for k, v in colours.items()], "gray"), **props)
