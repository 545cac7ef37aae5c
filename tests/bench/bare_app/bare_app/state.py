"""The bare app's only state: a greeting and a counter; `floor` is the benchmark's no-op event."""

import reflex as rx


class BareState(rx.State):
    greeting: str = "Hello"
    n: int = 0

    @rx.event
    def floor(self):
        self.n += 1
