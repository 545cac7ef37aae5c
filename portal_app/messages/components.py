"""What the customer's and the console's message pages share beyond every conversation's pieces."""

from __future__ import annotations

import reflex as rx

from portal_app.core.ui.basics import keyed_badge

STATUS_COLOURS = {"open": "blue", "handled": "gray"}


def status_badge(status: rx.Var) -> rx.Component:
    return keyed_badge(status, "messages.status_", STATUS_COLOURS)
