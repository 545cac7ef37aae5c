"""The console's page shapes that are not forms."""

import reflex as rx

from portal_app.core.ui.basics import column


def detail_page(found: rx.Var, back_label, back_href, *children: rx.Component) -> rx.Component:
    """One object's page: nothing until the object is found (`found`), then a link back and `children`."""
    return rx.cond(found, column(rx.link(back_label, href=back_href, size="2"), *children))
