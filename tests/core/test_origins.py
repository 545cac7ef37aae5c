"""A browser at a refused origin leaves a log line an operator can act on (issue 9, point 12)."""

from __future__ import annotations

from tests.conftest import run_async
import logging

import socketio

from portal_app.core.config import allowed_origins
from portal_app.core.origins import RefusedOriginLog

PRODUCTION = {"GUICHET_ENV": "production", "GUICHET_BASE_URL": "https://portal.example.com"}


def middleware(allowed, **kw) -> RefusedOriginLog:
    """The middleware around an app that only notes what reached it (in `.passed`)."""
    passed = []

    async def app(scope, receive, send):
        passed.append(scope["type"])

    mw = RefusedOriginLog(app, allowed, **kw)
    mw.passed = passed
    return mw


def call(mw, origin: str | None, kind: str = "websocket", path: str = "/_event/") -> None:
    headers = [(b"host", b"portal.example.com")] + ([(b"origin", origin.encode())] if origin else [])
    run_async(mw({"type": kind, "path": path, "headers": headers}, None, None))


def test_a_refused_origin_is_logged_with_the_allowed_one_and_the_setting(caplog):
    allowed = allowed_origins(PRODUCTION)
    assert allowed == ["https://portal.example.com"]  # production keeps the one origin
    clock = [0.0]
    mw = middleware(allowed, clock=lambda: clock[0])
    with caplog.at_level(logging.WARNING, logger="guichet.origins"):
        call(mw, "http://10.0.0.5:3000")
    assert [r.getMessage() for r in caplog.records] == [
        "refused a websocket from the origin http://10.0.0.5:3000 (/_event/): the portal accepts only "
        "https://portal.example.com. If the portal is meant to be opened at http://10.0.0.5:3000, set "
        "GUICHET_BASE_URL to it (or add it to GUICHET_CORS_ORIGINS) and restart; otherwise a page of "
        "another site tried to use the portal."]
    assert mw.passed == ["websocket"]  # it only logs: the refusal stays Reflex's
    # once an hour per origin, not once per reconnect attempt
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="guichet.origins"):
        for _ in range(20):
            call(mw, "http://10.0.0.5:3000")
        clock[0] = 3599
        call(mw, "http://10.0.0.5:3000")
        assert not caplog.records
        clock[0] = 3600
        call(mw, "http://10.0.0.5:3000", kind="http", path="/_upload")
    (record,) = caplog.records
    assert record.getMessage().startswith("refused a request from the origin http://10.0.0.5:3000 (/_upload)")


def test_allowed_missing_and_any_origins_log_nothing(caplog):
    mw, anything = middleware(["https://portal.example.com"]), middleware(["*"])
    with caplog.at_level(logging.DEBUG, logger="guichet.origins"):
        call(mw, "https://portal.example.com")
        call(mw, None, kind="http")
        call(anything, "http://elsewhere.example")
    assert not caplog.records
    assert mw.passed == ["websocket", "http"] and anything.passed == ["websocket"]


def test_a_hostile_origin_cannot_forge_log_lines(caplog):
    mw = middleware(["https://portal.example.com"])
    with caplog.at_level(logging.WARNING, logger="guichet.origins"):
        call(mw, "http://x\r\nCRITICAL fake line" + "a" * 5000)
    (record,) = caplog.records
    assert "\n" not in record.getMessage() and "\r" not in record.getMessage()
    assert len(record.getMessage()) < 1000


def test_what_is_logged_is_what_socketio_refuses():
    """The log follows the same list and the same exact comparison as the websocket server Reflex builds."""
    allowed = allowed_origins(PRODUCTION)
    server = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=allowed)
    for origin in ("https://portal.example.com", "http://portal.example.com", "https://portal.example.com:443",
                   "http://localhost:3000", "http://127.0.0.1:3000", "https://evil.example"):
        refused_by_socketio = origin not in server.eio._cors_allowed_origins({"HTTP_ORIGIN": origin})
        logged = []
        mw = middleware(allowed)
        mw._tell = lambda o, scope: logged.append(o)
        call(mw, origin)
        assert refused_by_socketio == bool(logged) == (origin != "https://portal.example.com"), origin
