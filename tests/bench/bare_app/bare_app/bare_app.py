"""One page, one trivial state: what any Reflex app costs per connected session."""

import reflex as rx

from .state import BareState


def index() -> rx.Component:
    return rx.vstack(
        rx.heading(BareState.greeting),
        rx.text("Clicks: ", BareState.n),
        rx.button("Click", on_click=BareState.floor),
    )


app = rx.App()
app.add_page(index, route="/")
