"""Security headers on every backend response (pages, API, our routes); HSTS only behind TLS."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from portal_app.core.middleware import SecurityHeaders, page_csp


def _page(request):
    return HTMLResponse("<html><body>page</body></html>")


def _own_policy(request):
    return Response(b"%PDF-", media_type="application/pdf",
                    headers={"Content-Security-Policy": "default-src 'none'", "Referrer-Policy": "no-referrer"})


def _client(**kw) -> TestClient:
    app = Starlette(routes=[Route("/login", _page), Route("/api/file", _own_policy)])
    return TestClient(SecurityHeaders(app, csp=page_csp(["https://portal.example.com"])), **kw)


def test_pages_get_every_header():
    r = _client().get("/login")
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'self'" in csp
    # 'unsafe-eval' only where Reflex needs it (server-pushed scripts run through eval), nowhere else.
    assert "script-src 'self' 'unsafe-inline' 'unsafe-eval';" in csp and csp.count("'unsafe-eval'") == 1
    assert "*" not in csp
    assert "connect-src 'self' https://portal.example.com wss://portal.example.com" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in r.headers["permissions-policy"] and "geolocation=()" in r.headers["permissions-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in r.headers  # plain http: no HSTS


def test_a_route_with_its_own_policy_keeps_it():
    r = _client().get("/api/file")
    assert r.headers["content-security-policy"] == "default-src 'none'"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "x-frame-options" not in r.headers  # its own frame-ancestors decide (inline PDF previews)
    assert r.headers["x-content-type-options"] == "nosniff"


def test_hsts_only_behind_tls(monkeypatch):
    monkeypatch.delenv("GUICHET_HSTS", raising=False)
    monkeypatch.delenv("REFLEX_TRUSTED_PROXY_HOPS", raising=False)
    assert _client(base_url="https://portal.example.com").get("/login").headers[
        "strict-transport-security"] == "max-age=31536000; includeSubDomains"
    # A forwarded scheme counts only from a trusted proxy.
    spoofed = _client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in spoofed.headers
    monkeypatch.setenv("REFLEX_TRUSTED_PROXY_HOPS", "1")
    assert "strict-transport-security" in _client().get("/login", headers={"X-Forwarded-Proto": "https"}).headers
    assert "strict-transport-security" not in _client().get("/login", headers={"X-Forwarded-Proto": "http"}).headers
    monkeypatch.delenv("REFLEX_TRUSTED_PROXY_HOPS")
    monkeypatch.setenv("GUICHET_HSTS", "1")
    assert "strict-transport-security" in _client().get("/login").headers


@pytest.mark.parametrize("path", ["/api/brand/logo", "/api/documents/1", "/api/stripe/webhook"])
def test_the_app_wraps_every_route_in_the_headers(path):
    """The app's api_transformer puts the middleware around our routes (and Reflex's pages and API)."""
    from portal_app.core.routes import build_api

    r = TestClient(SecurityHeaders(build_api())).get(path)
    assert r.headers["x-content-type-options"] == "nosniff" and "content-security-policy" in r.headers
    assert r.headers["permissions-policy"]
