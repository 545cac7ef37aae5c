"""The built app under the security headers: the login page and logged-in pages (customer home,
documents, console) load and work with the page policy on, and the browser reports no CSP violation.

The test harness serves the built pages from its own static server, so the headers the backend's
middleware sends are put on each page response here, taken from the middleware itself. A page that
Playwright fulfils loses its loopback address in Chromium's eyes, and Chromium's local-network-access
check then blocks its websocket to the loopback backend (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS,
nothing to do with CSP): this test's browser runs with that check off."""

from __future__ import annotations

import itertools
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from portal_app.core.db import session_scope
from portal_app.core.middleware import SecurityHeaders, page_csp
from tests.factories import make_account, make_contact, make_document
from tests.support.browser import PHONE, customer_login, staff_page

_n = itertools.count(1)
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _page_headers(app_url: str) -> dict[str, str]:
    """What SecurityHeaders adds to a page, for the portal's two origins in this harness."""
    import json

    from tests.conftest import REPO_ROOT

    backend = json.loads((REPO_ROOT / ".web" / "env.json").read_text())["PING"]  # what the built pages call
    origins = [_origin(app_url), _origin(backend)]
    app = SecurityHeaders(Starlette(routes=[Route("/", lambda r: PlainTextResponse(""))]), csp=page_csp(origins))
    sent = TestClient(app).get("/").headers
    return {k: v for k, v in sent.items() if k in ("content-security-policy", "x-frame-options", "referrer-policy",
                                                    "permissions-policy", "x-content-type-options")}


def _with_headers(page: Page, app_url: str) -> list[str]:
    """Every page of the app is served with the headers; returns the console's CSP complaints."""
    headers = _page_headers(app_url)
    assert "frame-ancestors 'none'" in headers["content-security-policy"]

    def add_headers(route):
        if route.request.resource_type == "document" and route.request.url.startswith(app_url):
            response = route.fetch()
            route.fulfill(response=response, headers={**response.headers, **headers})
        else:
            route.continue_()

    complaints: list[str] = []

    def listen(message):
        print("console:", message.type, message.text[:300])  # shown when the test fails
        if "Content Security Policy" in message.text:
            complaints.append(message.text)

    page.on("console", listen)
    page.add_init_script(WATCH)
    page.route("**/*", add_headers)
    return complaints


@pytest.fixture
def browser(browser_type, browser_type_launch_args):
    args = [*browser_type_launch_args.get("args", []),
            "--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets"]
    launched = browser_type.launch(**{**browser_type_launch_args, "args": args})
    yield launched
    launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def _violations(page: Page) -> list[str]:
    return page.evaluate("window.__csp || []")


def test_pages_work_under_the_security_headers(page: Page, browser, app_url, shots):
    n = next(_n)
    with session_scope() as db:
        account = make_account(db, name=f"Headers Co {n}")
        email = make_contact(db, account, first_name="Hedda", email=f"headers{n}@example.com",
                             portal_role="admin").email
        make_document(db, account, title="Contract.pdf")

    complaints = _with_headers(page, app_url)
    served = page.goto(f"{app_url}/login")
    assert "frame-ancestors 'none'" in served.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Log in to your customer area")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    shots(page, "csp-login-1280")
    page.set_viewport_size(PHONE)
    shots(page, "csp-login-390")
    assert _violations(page) == [] and complaints == []

    page.set_viewport_size({"width": 1280, "height": 800})
    customer_login(page, app_url, email)  # the event websocket works under connect-src
    expect(page.locator("#greeting")).to_have_text("Hello Hedda")
    shots(page, "csp-home-1280")
    page.goto(f"{app_url}/documents")
    expect(page.get_by_text("Contract.pdf").first).to_be_visible()
    page.set_viewport_size(PHONE)
    shots(page, "csp-documents-390")
    assert _violations(page) == [] and complaints == []

    console = staff_page(browser, app_url, viewport={"width": 1280, "height": 800})
    console_complaints = _with_headers(console, app_url)
    console.goto(f"{app_url}/admin")
    expect(console.get_by_role("heading", name="Accounts")).to_be_visible()
    shots(console, "csp-console-1280")
    assert _violations(console) == [] and console_complaints == []
    console.context.close()
