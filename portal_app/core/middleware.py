"""Security headers on every HTTP response of the backend: the Reflex pages it serves in production
(`reflex run --env prod` mounts the built frontend in the backend app), its API and our routes.

A response that sets its own Content-Security-Policy (the stored-file routes, the TOTP QR code) keeps
it; every other header is only added when the response has not set it. Websockets pass untouched.

The page policy is as tight as Reflex's production build allows: the built HTML boots React Router
with inline scripts and Emotion/Radix inject inline styles, so `script-src` and `style-src` need
'unsafe-inline', and `script-src` 'unsafe-eval' too: Reflex runs a script the server pushes (`rx.call_script`:
the passkey ceremony, the booking page's time zone) through `eval`. Everything else is 'self' only, no
framing at all.
HSTS is sent only behind TLS: a request that arrived over https, or whose `X-Forwarded-Proto: https`
comes from a trusted proxy (`REFLEX_TRUSTED_PROXY_HOPS` set), or always with `GUICHET_HSTS=1`."""

from __future__ import annotations

import os
from typing import Any, Iterable
from urllib.parse import urlsplit

HSTS = "max-age=31536000; includeSubDomains"
REFERRER_POLICY = "strict-origin-when-cross-origin"
PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
                      "magnetometer=(), gyroscope=(), accelerometer=()")


def own_origins() -> list[str]:
    """The portal's own origins (`allowed_origins`), without wildcards: a policy never names `*`."""
    import re

    from portal_app.core.config import allowed_origins

    return [o for o in allowed_origins() if re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", o)]


def _ws_origin(origin: str) -> str:
    parts = urlsplit(origin)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def page_csp(origins: Iterable[str] = ()) -> str:
    """The pages' policy. `origins`: the portal's own origins (base URL, and outside production its
    loopback names), allowed for the event websocket and the API when they differ from the page's."""
    origins = [o for o in origins if o]
    connect = " ".join(["'self'", *origins, *(_ws_origin(o) for o in origins)])
    own = " ".join(["'self'", *origins])
    return ("default-src 'self'; "
            "script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
            "style-src 'self' 'unsafe-inline'; "
            f"img-src {own} data: blob:; "
            "font-src 'self' data:; "
            f"connect-src {connect}; "
            f"frame-src {own}; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _hsts_wanted(scope: dict[str, Any]) -> bool:
    if os.environ.get("GUICHET_HSTS", "") == "1":
        return True
    if scope.get("scheme") == "https":
        return True
    if os.environ.get("REFLEX_TRUSTED_PROXY_HOPS", "0").strip() not in ("", "0"):
        for name, value in scope.get("headers") or ():
            if name.lower() == b"x-forwarded-proto":
                return value.decode("latin-1").split(",")[-1].strip().lower() == "https"
    return False


class SecurityHeaders:
    """ASGI middleware: see the module's docstring. `csp` is the page policy (computed once)."""

    def __init__(self, app, csp: str | None = None):
        self.app = app
        if csp is None:
            csp = page_csp(own_origins())
        self.csp = csp

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        defaults = [(b"content-security-policy", self.csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", REFERRER_POLICY.encode()),
                    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
                    (b"x-frame-options", b"DENY")]
        if _hsts_wanted(scope):
            defaults.append((b"strict-transport-security", HSTS.encode()))

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                if b"content-security-policy" in present:
                    # A file route's own policy decides its framing (PDF previews are framed by the portal).
                    present.add(b"x-frame-options")
                headers += [(n, v) for n, v in defaults if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
