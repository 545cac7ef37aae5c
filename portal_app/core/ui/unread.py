"""A small unread-count badge for navigation links; it loads its count when it appears."""

from __future__ import annotations

import reflex as rx

from portal_app.core.states.site import SiteState

VISUALLY_HIDDEN = {"position": "absolute", "width": "1px", "height": "1px", "overflow": "hidden",
                   "clip": "rect(0 0 0 0)", "white_space": "nowrap"}


def count_badge(count: rx.Var, on_mount, authed: rx.Var) -> rx.Component:
    return rx.cond(
        authed,
        rx.el.span(
            rx.cond(
                count > 0,
                rx.fragment(
                    rx.badge(count.to(str), color_scheme="red", variant="solid", radius="full", size="1",
                             aria_hidden="true", margin_inline_start="0.3em"),
                    rx.el.span(SiteState.tr["nav.unread_count"].to(str).replace("{count}", count.to(str)),
                               style=VISUALLY_HIDDEN),
                ),
            ),
            on_mount=on_mount,
            style={"display": "inline-flex", "align_items": "center"},
        ),
    )
