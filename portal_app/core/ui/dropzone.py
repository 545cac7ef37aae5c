"""A file drop zone whose hidden file input is labelled by its own text (screen readers, axe)."""

from __future__ import annotations

import reflex as rx

from portal_app.core.ui.i18n import t


def dropzone(upload_id: str, text_key: str, icon: str = "upload", **props) -> rx.Component:
    """rx.upload inside a <label>: the label's text names the file input, and a click on it opens the
    file chooser (the zone's own click handler is off, so it opens once)."""
    return rx.el.label(
        rx.upload(
            rx.vstack(rx.icon(icon, size=20), rx.text(t(text_key), size="2"), align="center", spacing="1"),
            id=upload_id,
            no_click=True,
            border="1px dashed var(--gray-7)",
            border_radius="8px",
            padding="1em",
            width="100%",
            **props,
        ),
        style={"display": "block", "width": "100%", "cursor": "pointer"},
    )
