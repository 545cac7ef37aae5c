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


def test_the_entry_paints_before_it_hydrates():
    """rxconfig's PaintFirstPlugin owns entry.client.js: Reflex's own entry, hydration after a frame."""
    from pathlib import Path

    import reflex_base

    import rxconfig
    from portal_app.core.first_paint import PaintFirstPlugin

    plugin = next(p for p in rxconfig.config.plugins if isinstance(p, PaintFirstPlugin))
    assert plugin.provides_entry_client()
    tasks = []
    plugin.pre_compile(add_save_task=tasks.append)
    path, entry = tasks[0]()
    assert path == "app/entry.client.js"
    # Reflex's template, line for line (a Reflex upgrade that changes it makes this fail: port the change).
    template = (Path(reflex_base.__file__).parent / ".templates/web/app/entry.client.js").read_text()
    for line in template.splitlines():
        if line.startswith("import "):
            assert line in entry
    assert "hydrateRoot(document, createElement(HydratedRouter))" in entry
    assert "requestAnimationFrame(() => setTimeout(hydrate, 0))" in entry


def test_the_home_chart_does_not_bring_recharts_into_the_first_load():
    """The chart's module (and recharts with it) is imported lazily, not with the page."""
    from portal_app.billing.components import billed_chart_card

    imports = billed_chart_card()._get_all_imports()
    rendered = {lib for lib, names in imports.items() if any(v.render for v in names)}
    assert not any(lib.startswith("recharts") for lib in rendered), rendered
    assert not any("billed_chart" in lib for lib in rendered), rendered
    assert any(lib.startswith("recharts") for lib in imports)  # still installed


RADIX_SCALES = ("tomato", "red", "ruby", "crimson", "pink", "plum", "purple", "violet", "iris", "indigo", "blue",
                "cyan", "teal", "jade", "green", "grass", "brown", "orange", "sky", "mint", "lime", "yellow",
                "amber", "gold", "bronze", "gray", "mauve", "slate", "sage", "olive", "sand")


def test_the_stylesheet_has_every_colour_the_code_names():
    """The Radix stylesheet keeps only THEME_COLOURS: a badge in a colour left out would lose its colour.
    Every quoted scale name and every `var(--scale-N)` in the code and the assets must be kept."""
    import re
    from pathlib import Path

    import portal_app
    from portal_app.core.first_paint import THEME_COLOURS

    root = Path(portal_app.__file__).parent
    files = [*root.rglob("*.py"), *(root.parent / "assets").glob("*.*")]
    named = set()
    for path in files:
        if path.suffix not in (".py", ".css", ".js", ".jsx"):
            continue
        text = path.read_text()
        named |= {m for m in re.findall(r"""["']([a-z]+)["']""", text) if m in RADIX_SCALES}
        named |= {m for m in re.findall(r"var\(--([a-z]+)-a?\d+\)", text) if m in RADIX_SCALES}
    assert named, "the scan found no colour at all"
    assert named <= set(THEME_COLOURS), sorted(named - set(THEME_COLOURS))
    import rxconfig

    paths = rxconfig.config.plugins[0].get_stylesheet_paths()
    assert "@radix-ui/themes/styles.css" not in paths
    assert {f"@radix-ui/themes/tokens/colors/{c}.css" for c in ("indigo", "slate", "gray")} <= set(paths)
    assert {"@radix-ui/themes/tokens/base.css", "@radix-ui/themes/components.css",
            "@radix-ui/themes/utilities.css"} <= set(paths)


def _frontend(tmp_path):
    """The built frontend's shape: a page file and a folder per page, served like Reflex does."""
    from starlette.staticfiles import StaticFiles

    (tmp_path / "login").mkdir(exist_ok=True)
    (tmp_path / "login" / "index.html").write_text("<html>login form</html>")
    (tmp_path / "login.html").write_text("<html>login form</html>")
    (tmp_path / "index.html").write_text("<html>home</html>")
    return StaticFiles(directory=tmp_path, html=True)


def test_a_page_is_served_without_the_trailing_slash_redirect(tmp_path):
    from portal_app.core.middleware import PageWithoutSlash, SecurityHeaders

    bare = TestClient(_frontend(tmp_path)).get("/login?next=%2Finvoices", follow_redirects=False)
    assert bare.status_code in (307, 308)  # what Starlette does on its own
    client = TestClient(PageWithoutSlash(SecurityHeaders(_frontend(tmp_path))))
    r = client.get("/login?next=%2Finvoices", follow_redirects=False)
    assert r.status_code == 200 and r.text == "<html>login form</html>"
    assert r.headers["x-frame-options"] == "DENY"  # the second dispatch still gets the security headers
    assert client.get("/login/", follow_redirects=False).text == "<html>login form</html>"
    assert client.get("/", follow_redirects=False).text == "<html>home</html>"


def test_other_redirects_pass_untouched():
    from starlette.responses import RedirectResponse

    from portal_app.core.middleware import PageWithoutSlash

    app = Starlette(routes=[Route("/invoices", lambda r: RedirectResponse("/login", status_code=307)),
                            Route("/evil", lambda r: RedirectResponse("https://elsewhere.example/x/evil/"))])
    client = TestClient(PageWithoutSlash(app))
    assert client.get("/invoices", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/evil", follow_redirects=False).headers["location"] == "https://elsewhere.example/x/evil/"
    assert client.post("/invoices", follow_redirects=False).status_code in (307, 405)
