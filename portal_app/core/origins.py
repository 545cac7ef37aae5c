"""A clear log line when a browser at another origin is refused by the backend.

Reflex refuses such a browser in two places: socket.io (the event websocket: the page then says
"Cannot connect to server") and Starlette's CORS middleware (HTTP calls such as uploads). Neither says
which origin is allowed or what to change; this middleware, outermost in the app's ASGI stack, tells
the operator, at most once an hour per refused origin. It only logs: the refusal itself stays Reflex's.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Iterable

log = logging.getLogger("guichet.origins")
REPEAT_AFTER_SECONDS = 3600
_MAX_REMEMBERED = 1000  # origins are chosen by whoever connects: keep the memory bounded


class RefusedOriginLog:
    """ASGI middleware: logs requests and websockets whose Origin header is not an allowed origin."""

    def __init__(self, app, allowed: Iterable[str], *, clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.allowed = tuple(allowed)
        self.any = "*" in self.allowed
        self._clock = clock
        self._logged: dict[str, float] = {}

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope.get("type") in ("http", "websocket") and not self.any:
            origin = _origin(scope)
            if origin and origin not in self.allowed:
                self._tell(origin, scope)
        await self.app(scope, receive, send)

    def _tell(self, origin: str, scope: dict[str, Any]) -> None:
        now = self._clock()
        last = self._logged.get(origin)
        if last is not None and now - last < REPEAT_AFTER_SECONDS:
            return
        if len(self._logged) >= _MAX_REMEMBERED:
            self._logged.clear()
        self._logged[origin] = now
        what = "websocket" if scope.get("type") == "websocket" else "request"
        log.warning("refused a %s from the origin %s (%s): the portal accepts only %s. If the portal is meant "
                    "to be opened at %s, set GUICHET_BASE_URL to it (or add it to GUICHET_CORS_ORIGINS) and "
                    "restart; otherwise a page of another site tried to use the portal.",
                    what, _printable(origin), _printable(scope.get("path", "")), ", ".join(self.allowed),
                    _printable(origin))


def log_refused_origins(allowed: Iterable[str]) -> Callable[[Any], RefusedOriginLog]:
    """For `rx.App(api_transformer=[..., log_refused_origins(config.cors_allowed_origins)])`."""
    allowed = tuple(allowed)
    return lambda app: RefusedOriginLog(app, allowed)


def _origin(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers") or ():
        if name == b"origin":
            return value.decode("latin-1")
    return ""


def _printable(text: str) -> str:
    """An attacker chooses the origin: no line breaks or control characters into the log, and not a novel."""
    return "".join(ch if ch.isprintable() else "?" for ch in text[:200])
