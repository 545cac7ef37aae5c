"""The production recipe, tested: deploy/stack-up.sh brings up nginx (TLS), the portal with two workers,
Redis and PostgreSQL on loopback, then runs this file against https://portal.guichet.test through nginx.

Skipped unless the script set GUICHET_STACK_URL (and GUICHET_TEST_DB_URL, so this process reads the
stack's own database)."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core.models.auth import PortalSession
from tests.conftest import CHROMIUM_ARGS
from tests.factories import make_account, make_contact

pytestmark = pytest.mark.stack
URL = os.environ.get("GUICHET_STACK_URL", "")
EMAIL = "stack-journey@example.com"


@pytest.fixture(scope="module")
def stack_browser(playwright):
    host = URL.split("://", 1)[-1]
    browser = playwright.chromium.launch(
        executable_path=shutil.which("chromium"),
        args=CHROMIUM_ARGS + [f"--host-resolver-rules=MAP {host} {os.environ['GUICHET_STACK_ADDRESS']}"])
    yield browser
    browser.close()


def code_from_log(after: int, timeout: float = 30) -> str:
    log = Path(os.environ["GUICHET_STACK_LOGS"]) / "portal.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        codes = re.findall(rf"console email to {re.escape(EMAIL)} \| .*?\b(\d{{6}})\b",
                           log.read_text(errors="replace"))
        if len(codes) > after:
            return codes[after]
        time.sleep(0.2)
    raise AssertionError("no login code in the portal's log")


def test_login_through_the_proxy(stack_browser, shots):
    with session_scope() as db:
        contact = make_contact(db, make_account(db, name="Stack SARL"), first_name="Lina", portal_role="admin",
                               email=EMAIL)
        contact_id = contact.id
    context = stack_browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    response = page.goto(f"{URL}/login")
    # TLS ended at nginx, which said so (X-Forwarded-Proto, one trusted hop): the portal adds HSTS
    assert response.headers.get("strict-transport-security", "").startswith("max-age=")
    assert "content-security-policy" in response.headers
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("6-digit code").fill(code_from_log(0))
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.locator("#greeting")).to_be_visible()
    shots(page, "i14-stack-home")
    # the session cookie is Secure (https base URL) and the page survives a reload (Redis, two workers)
    session_cookie = [c for c in context.cookies() if c["name"] == "guichet_session"]
    assert len(session_cookie) == 1 and session_cookie[0]["secure"]
    page.reload()
    expect(page.locator("#greeting")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    shots(page, "i14-stack-home-phone")
    # the client's address is the browser's (127.0.0.1), not nginx's (127.0.0.2): one trusted hop
    with session_scope() as db:
        ips = {s.client_ip for s in db.exec(select(PortalSession).where(PortalSession.contact_id == contact_id))}
    assert ips == {"127.0.0.1"}
    # an upload larger than the proxy's limit stops at nginx (sent by the page: Chromium alone knows the name)
    status = page.evaluate("""async () => (await fetch('/_upload', {method: 'POST',
        body: new Blob([new Uint8Array(4 * 1024 * 1024)])})).status""")
    assert status == 413
    # plain http is sent to https
    landed = page.goto(URL.replace("https://", "http://") + "/login")
    first = landed.request.redirected_from
    assert first is not None and first.url.startswith("http://") and first.response().status == 301
    assert landed.url.startswith("https://")
    context.close()
