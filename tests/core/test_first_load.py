"""What the first load of a page costs (issue 14): the cache headers of the built frontend, and each
page's components compiled with its own feature, not into one module every page downloads."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from portal_app.core.middleware import CacheHeaders


def _js(request):
    return Response(b"export{}", media_type="text/javascript")


def _page(request):
    return HTMLResponse("<html><body>login</body></html>")


def _own(request):
    return Response(b"%PDF-", media_type="application/pdf", headers={"Cache-Control": "private, no-store"})


def _client() -> TestClient:
    app = Starlette(routes=[Route("/assets/entry.client-C3HRs_XD.js", _js), Route("/login", _page),
                            Route("/api/documents/1", _own), Route("/api/ping", lambda r: PlainTextResponse("pong"))])
    return TestClient(CacheHeaders(app))


def test_hashed_assets_are_kept_a_year():
    r = _client().get("/assets/entry.client-C3HRs_XD.js")
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_pages_are_asked_again_each_time():
    assert _client().get("/login").headers["cache-control"] == "no-cache"


def test_a_response_with_its_own_cache_policy_keeps_it():
    assert _client().get("/api/documents/1").headers["cache-control"] == "private, no-store"
    assert "cache-control" not in _client().get("/api/ping").headers


def test_a_missing_asset_is_not_kept():
    r = _client().get("/assets/gone-XXXX.js")
    assert r.status_code == 404 and "cache-control" not in r.headers


def test_the_app_puts_the_cache_headers_around_everything():
    import ast
    from pathlib import Path

    import portal_app

    source = (Path(portal_app.__file__).parent / "portal_app.py").read_text()
    call = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.keyword) and n.arg == "api_transformer")
    assert "CacheHeaders" in ast.unparse(call.value)


def test_a_page_compiles_with_its_own_module():
    """Reflex writes a page's memoised components into the JS module of the page function's Python
    module: a shell-made page must carry its feature's module, or every page shares one huge chunk."""
    import reflex as rx

    from portal_app.core.registries import PAGE_LOADS
    from portal_app.core.ui.shells import portal_page

    def lighthouse_probe() -> rx.Component:
        return rx.text("probe")

    from reflex_base.registry import RegistrationContext

    pages = RegistrationContext.ensure_context().decorated_pages
    before = len(pages)
    try:
        registered = portal_page("/__first-load-probe")(lighthouse_probe)
        assert registered.__module__ == __name__
        assert registered.__name__ == "lighthouse_probe"
    finally:
        del pages[before:]
        PAGE_LOADS.pop("/__first-load-probe", None)
