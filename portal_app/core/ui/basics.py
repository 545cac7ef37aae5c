"""Small building blocks used by customer and console pages alike."""

from __future__ import annotations

from typing import Callable

import reflex as rx

from portal_app.core.states.site import SiteState
from portal_app.core.ui.i18n import t


def brand_button(*children, **props) -> rx.Component:
    style = {"background_color": SiteState.brand_color, "color": SiteState.brand_text_color, "cursor": "pointer"}
    style.update(props.pop("style", {}))
    return rx.button(*children, style=style, **props)


def link_button(*children, href, brand: bool = True, **props) -> rx.Component:
    """A link drawn as a button: one <a> with the button's look (`as_child`). Not a button inside a link,
    which is invalid HTML, two tab stops, and, inside `until_loaded`, a disabled control that swallows the
    click while the page loads; a link navigates whatever the page's state."""
    inner = rx.link(*children, href=href, underline="none")
    return brand_button(inner, as_child=True, **props) if brand else rx.button(inner, as_child=True, **props)


def web_app_links() -> rx.Component:
    """The web app manifest, the home-screen icon and the theme colour (React puts them in <head>)."""
    from portal_app.core.ui.api import api_url

    return rx.fragment(
        rx.el.link(rel="manifest", href=api_url("/api/manifest.webmanifest")),
        rx.el.link(rel="apple-touch-icon", href=api_url("/api/icons/192.png")),
        rx.el.meta(name="theme-color", content=SiteState.brand_color),
    )


def alert(text: rx.Var, kind: str = "error") -> rx.Component:
    """A message that screen readers announce; hidden while empty."""
    scheme = {"error": "red", "info": "blue", "success": "green"}[kind]
    icon = {"error": "triangle_alert", "info": "info", "success": "circle_check"}[kind]
    return rx.cond(
        text != "",
        rx.callout(text, icon=icon, color_scheme=scheme, role="alert" if kind == "error" else "status",
                   width="100%"),
    )


def _focus_when_alive(props: dict) -> None:
    """A field that asks for the focus mounts disabled inside `until_loaded` and cannot take it then:
    marked, it gets it from assets/focus.js when the page's controls come alive."""
    if props.get("auto_focus"):
        props["custom_attrs"] = {**props.get("custom_attrs", {}), "data-autofocus": "true"}


def field(label_key: str, name: str, *, type: str = "text", required: bool = False, default_value=None,
          autocomplete: str | None = None, placeholder=None, **props) -> rx.Component:
    """A labelled input; the label is tied to the input so people and tests find it by name."""
    input_id = props.pop("id", f"f-{name}")
    _focus_when_alive(props)
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


def until_loaded(*children) -> rx.Component:
    """A page's controls, alive only once the page's load has run (Reflex's `is_hydrated`). A load shows
    the stored values: typing or a click that reached the server before it would be undone by it (a
    field emptied, a chosen step reset), so until then the controls are disabled, and whoever types or
    clicks (a person, a test) waits. A fieldset with no box of its own: the layout is unchanged."""
    return rx.el.fieldset(*children, disabled=~rx.State.is_hydrated, role="none",
                          custom_attrs={"data-page-controls": "true"},
                          style={"display": "contents", "border": "0", "margin": "0", "padding": "0",
                                 "min_width": "0"})


def loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), rx.text(t("app.loading"), margin_inline_start="0.5em"), padding="4em")


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
    _focus_when_alive(props)
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


# A page's step (the part that replaces what the person acted on): assets/focus.js moves the focus to its
# heading when it appears, so keyboard and screen-reader users land on the new content.
FOCUS_STEP = {"data-focus-step": ""}


def column(*children, **props) -> rx.Component:
    """The page's vertical rhythm: children full width, spaced alike on every page."""
    props.setdefault("spacing", "4")
    props.setdefault("width", "100%")
    return rx.vstack(*children, **props)


def button_row(*buttons, **props) -> rx.Component:
    """Buttons at the end of a form or a dialog (cancel first, the action last)."""
    props.setdefault("justify", "end")
    props.setdefault("spacing", "3")
    props.setdefault("width", "100%")
    props.setdefault("wrap", "wrap")
    return rx.hstack(*buttons, **props)


def form_grid(*fields, columns: str = "2", **props) -> rx.Component:
    """Fields side by side on a wide screen, one under the other on a phone."""
    props.setdefault("spacing", "3")
    props.setdefault("width", "100%")
    return rx.grid(*fields, columns=rx.breakpoints(initial="1", md=columns), **props)


def page_header(title, *actions, level: str = "h1", size: str | None = None) -> rx.Component:
    """A page's title (a catalogue key or a var) with its actions at the end of the line. Console pages
    use the default size; customer pages pass a larger one."""
    # A long title (a contact's email) wraps on a phone instead of running past the clipped page edge.
    heading = rx.heading(t(title) if isinstance(title, str) else title,
                         size=size or ("6" if level == "h1" else "4"), as_=level, overflow_wrap="anywhere",
                         min_width="0")
    return rx.hstack(heading, rx.spacer(), *actions, width="100%", align="center", wrap="wrap", spacing="3")


def form_dialog(title_key: str, *body, open, on_cancel, on_submit, submit_key: str = "admin.save",
                description_key: str | None = None, danger: bool = False, submit_id: str | None = None,
                **form_props) -> rx.Component:
    """A dialog holding one form: its title, an optional line of explanation, the fields, then
    Cancel and the action. `open` is the state's bool; `on_cancel` closes it."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t(title_key)),
            *([rx.dialog.description(t(description_key), size="2")] if description_key else []),
            rx.form(
                column(
                    *body,
                    button_row(
                        rx.button(t("admin.cancel"), variant="soft", on_click=on_cancel, type="button"),
                        rx.button(t(submit_key), type="submit", id=submit_id,
                                  color_scheme="red" if danger else None),
                    ),
                    spacing="3",
                ),
                on_submit=on_submit,
                **form_props,
            ),
        ),
        open=open,
    )


def confirm_dialog(title_key: str, text, *, open, on_cancel, on_confirm, confirm_key: str,
                   danger: bool = True, confirm_id: str | None = None) -> rx.Component:
    """Are you sure? A title, a sentence, Cancel and the (usually destructive) action."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t(title_key)),
            rx.alert_dialog.description(t(text) if isinstance(text, str) else text, size="2"),
            button_row(
                rx.alert_dialog.cancel(rx.button(t("admin.cancel"), variant="soft", on_click=on_cancel)),
                rx.alert_dialog.action(rx.button(t(confirm_key), color_scheme="red" if danger else None,
                                                 on_click=on_confirm, id=confirm_id)),
                margin_top="1em",
            ),
        ),
        open=open,
    )


def saved_row(submit: rx.Component, saved: rx.Var) -> rx.Component:
    """A form's submit button, and "Saved" beside it once the form went through."""
    return rx.hstack(submit, rx.cond(saved, rx.text(t("admin.saved"), color_scheme="green", role="status")),
                     spacing="3", align="center")


def back_link(label_key: str, href: str) -> rx.Component:
    """The small "back to the list" link above a page's title."""
    return rx.link(rx.hstack(rx.icon("arrow_left", size=14), t(label_key), spacing="1", align="center"), href=href,
                   size="2")


FIELDSET_STYLE = {"border": "1px solid var(--gray-5)", "border_radius": "8px", "padding": "0.75em"}


def module_label(module: rx.Var) -> rx.Var:
    return SiteState.tr["module." + module].to(str)


def checkbox_group(legend_key: str, choices: rx.Var, name: Callable[[rx.Var], rx.Var],
                   checked: Callable[[rx.Var], rx.Var], label: Callable[[rx.Var], rx.Var],
                   help_key: str | None = None) -> rx.Component:
    """A fieldset of checkboxes, one per choice: `name`, `checked` and `label` take the choice."""
    return rx.el.fieldset(
        rx.el.legend(t(legend_key), style={"font_weight": "500"}),
        rx.hstack(rx.foreach(choices, lambda c: rx.el.label(
            rx.el.input(type="checkbox", name=name(c), default_checked=checked(c), style={"margin_inline_end": "0.4em"}),
            label(c),
            style={"display": "flex", "align_items": "center"})), spacing="4", wrap="wrap"),
        *([rx.text(t(help_key), size="1", color_scheme="gray")] if help_key else []),
        style=FIELDSET_STYLE,
    )
