"""On-screen text comes from the current language's catalogue held in state."""

import reflex as rx

from portal_app.core.states.site import SiteState


def t(key: str) -> rx.Var:
    return SiteState.tr[key].to(str)
