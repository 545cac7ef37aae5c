"""The benchmark's no-op event ("floor"), copied into the temporary copy of the portal only.

A top-level substate with one int: its handler does nothing but change that int, so the answer is
the smallest delta Reflex sends. It measures the framework's own cost per event (socket.io in and
out, the state lock, delta computation) against which the portal's handlers are compared. The bare
app has the same handler on its own state.
"""

import reflex as rx


class BenchFloorState(rx.State):
    n: int = 0

    @rx.event
    def floor(self):
        self.n += 1


CHAIN_PAGE = "/__bench-chain"


@rx.page(route=CHAIN_PAGE, title="bench", on_load=BenchFloorState.floor)
def bench_chain() -> rx.Component:
    """A page whose load is one no-op event: what Reflex's page-load chain costs by itself (the load
    event, the page's on_load, then the hydrated flag), against which a page's own load is read."""
    return rx.text("bench")
