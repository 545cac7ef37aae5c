"""Helpers for the browser tests: codes from the outbox, logins by label and role, phone width, axe."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager

import pyotp
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core.models.auth import StaffUser
from portal_app.core.security import decrypt_secret

# Playwright's expectations wait 5 s by default. On a loaded 2-core machine a page that has just been
# navigated to (its chunks fetched, React started) took longer than that to render, and journeys failed
# while nothing was wrong. They wait up to 15 s now; a real failure still fails, only later.
expect.set_options(timeout=15_000)


def latest_code(email: str, after_id: int = 0, timeout: float = 10) -> str:
    """The code from the console outbox, the way a developer reads it in the demo."""
    from portal_app.core.db import session_scope
    from portal_app.core.models.accounts import Contact
    from portal_app.core.models.notify import OutboundMessage

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope() as db:
            cid = db.exec(select(Contact.id).where(Contact.email == email)).first()
            row = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == cid,
                                                        OutboundMessage.template == "login_code",
                                                        OutboundMessage.id > after_id)
                          .order_by(OutboundMessage.id.desc())).first()
            if row is not None:
                return re.search(r"\b(\d{6})\b", row.body_text).group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code sent to {email}")


def last_message_id() -> int:
    from portal_app.core.db import session_scope
    from portal_app.core.models.notify import OutboundMessage

    with session_scope() as db:
        return db.exec(select(OutboundMessage.id).order_by(OutboundMessage.id.desc())).first() or 0


PHONE = {"width": 390, "height": 844}


# The page's real width: the stylesheet may hide overflow on <html>/<body> (content cut off is still
# content a person cannot reach), so the measure lifts that for a moment, then names the outermost
# elements that stick out on the right, outside any scroll box of their own (a wide table in its own
# scroll box is fine: the page itself does not scroll).
_OVERFLOW_JS = """() => {
  const root = document.documentElement, body = document.body;
  const saved = [root.style.overflowX, body.style.overflowX];
  root.style.overflowX = 'visible'; body.style.overflowX = 'visible';
  const width = root.clientWidth;
  const scrollWidth = Math.max(root.scrollWidth, body.scrollWidth);
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== body && a !== root; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o !== 'visible') return true;
    }
    return false;
  };
  const out = [];
  if (scrollWidth > width + 1) {
    for (const el of body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.right <= width + 1 || clipped(el)) continue;
      const p = el.parentElement.getBoundingClientRect();
      if (p.right > width + 1 && el.parentElement !== body) continue;  // its parent is named already
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : '');
      out.push(`${name} "${(el.innerText || '').trim().slice(0, 30)}" right=${Math.round(r.right)}`);
    }
  }
  root.style.overflowX = saved[0]; body.style.overflowX = saved[1];
  return {scrollWidth, width, offenders: out.slice(0, 12)};
}"""


def horizontal_overflow(page) -> list[str]:
    """What makes the page wider than the window (empty when it fits), measured with any overflow
    hiding of <html>/<body> lifted."""
    found = page.evaluate(_OVERFLOW_JS)
    if found["scrollWidth"] <= found["width"] + 1:
        return []
    return [f"page {found['scrollWidth']}px wide in {found['width']}px", *found["offenders"]]


def no_horizontal_overflow(page) -> bool:
    return horizontal_overflow(page) == []


SERIOUS = {"serious", "critical"}


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings, with the elements they are about."""
    page.mouse.move(0, 0)  # no link left in its hover state by the last click
    return [f"{v['id']}: {[(n['target'], (n.get('any') or [{}])[0].get('message', '')) for n in v['nodes']][:5]}"
            for v in Axe().run(page).response["violations"] if v.get("impact") in SERIOUS]


PASSWORD = "console password 2026"


def totp_now(email: str, timeout: float = 10) -> str:
    """The current TOTP code of a staff member, as their authenticator app shows it. At the first login
    the secret exists once the page has fetched its QR code: wait for it."""
    deadline = time.monotonic() + timeout
    while True:
        with session_scope() as db:
            user = db.exec(select(StaffUser).where(StaffUser.email == email)).one()
            enc, last = user.totp_secret_enc, user.last_totp_step
        if enc or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    secret = decrypt_secret(enc)
    totp = pyotp.TOTP(secret)
    while totp.timecode(time.time()) <= last:  # each code is accepted once: wait for the next one
        time.sleep(1)
    return totp.now()


def staff_login(page: Page, app_url: str, email: str, shots=None) -> None:
    page.goto(f"{app_url}/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Code from your authenticator app")).to_be_visible()
    if shots:
        expect(page.locator("#totp-qr")).to_be_visible()
        page.wait_for_function("document.querySelector('#totp-qr').naturalWidth > 0")
        shots(page, "staff-enrol")
    page.get_by_label("Code from your authenticator app").fill(totp_now(email))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()


def customer_login(page: Page, app_url: str, email: str, *, home: bool = True) -> None:
    """A customer logs in by email code, the way a person does: by label and role. `home=False`: a step
    may follow the code (an authenticator app)."""
    before = last_message_id()
    page.goto(f"{app_url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("6-digit code").fill(latest_code(email, before))
    page.get_by_role("button", name="Log in", exact=True).click()
    if home:
        expect(page.locator("#greeting")).to_be_visible()


def staff_page(browser, app_url: str, role: str = "owner", **context) -> Page:
    """A console tab for a staff member of `role` whose password and TOTP were checked (the console login
    itself is driven in tests/console/test_browser.py)."""
    from tests.factories import staff_session

    with session_scope() as db:
        token = staff_session(db, role=role)
    ctx = browser.new_context(**context)
    ctx.add_cookies([{"name": "guichet_staff", "value": token, "url": app_url}])
    return ctx.new_page()


def choose_png(page: Page, path) -> None:
    """A small PNG at `path`, chosen through the page's drop zone: a click on the zone opens the file
    chooser, as a person does it."""
    from tests.factories import PNG_BYTES

    path.write_bytes(PNG_BYTES)
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Drag files here, or click to choose").click()
    chooser.value.set_files(str(path))


@contextmanager
def fake_stripe_checkout(monkeypatch, session_id: str):
    """Stripe Checkout through the real SDK, pointed at a local server standing in for Stripe. Yields the
    server and the URL of its checkout page (where the portal sends the browser)."""
    from tests.support.fake_http import FakeHTTP, Reply

    with FakeHTTP() as stripe_api:
        path = f"/c/pay/{session_id}"
        stripe_api.set_reply("/v1/checkout/sessions", Reply(200, {"id": session_id, "object": "checkout.session",
                                                                  "url": stripe_api.url + path}))
        stripe_api.set_reply(path, Reply(200, "<h1>Stripe Checkout (test)</h1>", {"Content-Type": "text/html"}))
        monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_e2e")
        monkeypatch.setenv("STRIPE_API_BASE", stripe_api.url)
        yield stripe_api, stripe_api.url + path
