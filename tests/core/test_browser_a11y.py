"""Every page, customer (an account administrator) and console, in the business's own colour: axe-core
finds no serious or critical problem at 360 and 1280 px; nothing is wider than a 360 px phone (each
page's screenshot kept in test-artifacts/); every button has a name; the header keeps its logout
button on the first line at 1280 px; the manifest and icons are linked from the page."""

from __future__ import annotations

import json

from playwright.sync_api import Browser, Page, expect

from portal_app.core import business
from portal_app.core.db import session_scope
from tests.conftest import ARTIFACTS
from tests.factories import (make_account, make_booking_service, make_contact, make_document, make_issued,
                             portal_context, set_business, staff_ctx)
from tests.support.browser import customer_login, horizontal_overflow, serious_violations, staff_page

NARROW = {"width": 360, "height": 740}
WIDE = {"width": 1280, "height": 800}
# A pale brand colour: white text on it would be 2.1:1. The portal must stay readable anyway.
BRAND = "#f59e0b"

# Buttons without an accessible name (icon-only buttons need aria-label).
_UNNAMED_JS = """() => [...document.querySelectorAll('button, [role=button], a[href]')]
  .filter(el => el.getClientRects().length > 0)
  .filter(el => !(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title')
                  || (el.innerText || '').trim() || el.querySelector('img[alt]:not([alt=""])')))
  .map(el => el.outerHTML.slice(0, 120))"""


def _data() -> dict:
    """One account administrator with something on every page, and the ids the detail pages need."""
    from portal_app.bookings import rules as bookings
    from portal_app.helpdesk import ticket_rules
    from portal_app.helpdesk.ticket_settings import config
    from portal_app.messages import rules as messages
    from tests.helpdesk.kb_factories import make_article

    with session_scope() as db:
        account = make_account(db, name="Atelier Accessible", number="A11Y-1")
        contact = make_contact(db, account, first_name="Ada", email="ada.a11y@example.com", portal_role="admin",
                               language="en")
        staff = staff_ctx(db)
        inv = make_issued(db, account, [("Fibre Pro", "1", "59.90", "20")])
        make_document(db, account, title="Contract 2026.pdf")
        bookings.set_weekly_hours(db, staff, {d: "08:00-20:00" for d in range(7)})
        make_booking_service(db, "Fitting", duration=30, audience="accounts", account_numbers=account.number)
        ctx = portal_context(db, contact)
        thread, _ = messages.start_thread(db, ctx, subject="Walk: router photo", body="Here it is.")
        cfg = config(db)
        conv, _, _ = ticket_rules.open_ticket(db, ctx, title="Walk: card reader offline", type=cfg.codes("types")[0],
                                              priority=cfg.codes("priorities")[0], body="No receipt.")
        article = make_article(db, staff, "When the terminal prints no receipt", "Check the **paper**.")
        return {"email": contact.email, "account": account.id, "contact": contact.id, "invoice": inv.id,
                "thread": thread.id, "ticket": conv.id, "slug": article.slug}


def customer_routes(d: dict) -> list[str]:
    return ["/", "/invoices", f"/invoice?id={d['invoice']}", "/payments", f"/pay?invoice={d['invoice']}",
            "/bookings", "/bookings/new", "/documents", "/messages", "/messages/new",
            f"/messages/thread?id={d['thread']}", "/tickets", "/tickets/new", f"/tickets/view?id={d['ticket']}",
            "/help", f"/help/article?slug={d['slug']}", "/privacy", "/team", "/security"]


def console_routes(d: dict) -> list[str]:
    return ["/admin", f"/admin/account?id={d['account']}", "/admin/contacts", f"/admin/contact?id={d['contact']}",
            "/admin/invoices", f"/admin/invoice?id={d['invoice']}", "/admin/payments", "/admin/billing-settings",
            "/admin/invoice-import", "/admin/subscriptions", "/admin/booking-services", "/admin/booking-settings",
            "/admin/bookings", "/admin/documents", "/admin/inbox", f"/admin/inbox?thread={d['thread']}",
            "/admin/tickets", f"/admin/tickets?ticket={d['ticket']}", "/admin/ticket-settings", "/admin/kb",
            "/admin/kb/article", "/admin/actions", "/admin/privacy-settings", "/admin/consent-purposes",
            "/admin/privacy-requests", "/admin/signups", "/admin/outbox", "/admin/deliveries", "/admin/attempts", "/admin/audit",
            "/admin/settings", "/admin/settings/emails", "/admin/settings/sending", "/admin/staff",
            "/admin/me"]


PUBLIC_ROUTES = ["/login", "/signup", "/password?token=nothing", "/admin/login", "/admin/welcome?token=nothing"]


def _shot_name(route: str) -> str:
    path, _, query = route.partition("?")
    name = "a11y-360" + (path.replace("/", "-").rstrip("-") or "-home")
    # a detail page beside its list (/admin/inbox?thread=N) keeps a screenshot of its own
    return name + ("-" + query.split("=")[0] if query and path.startswith("/admin") else "")


class Walk:
    """Opens pages and gathers every finding, so one run names them all."""

    def __init__(self, page: Page, app_url: str):
        self.page, self.app_url, self.problems = page, app_url, {}

    def open(self, route: str) -> None:
        page = self.page
        page.set_viewport_size(NARROW)
        page.goto(self.app_url + route)
        expect(page.locator("h1").first).to_be_visible(timeout=15000)
        expect(page.get_by_text("Loading…", exact=True)).to_have_count(0)
        page.wait_for_timeout(400)  # the page's own data (lists, charts) arrives after its heading
        found = [f"360px: {p}" for p in horizontal_overflow(page)]
        page.screenshot(path=str(ARTIFACTS / f"{_shot_name(route)}.png"), full_page=True)
        found += [f"360px axe {v}" for v in serious_violations(page)]
        found += [f"unnamed {b}" for b in page.evaluate(_UNNAMED_JS)]
        page.set_viewport_size(WIDE)
        page.wait_for_timeout(150)
        found += [f"1280px axe {v}" for v in serious_violations(page)]
        if found:
            self.problems[route] = found


def _logout_on_first_line(page: Page, name: str) -> bool:
    header = page.locator("header").first.bounding_box()
    button = page.locator("header").get_by_role("button", name=name).bounding_box()
    return button["y"] + button["height"] <= header["y"] + 72  # the first line: 4px border, 0.75em padding, one row


def test_every_page_is_accessible_and_fits_360px(browser: Browser, app_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with session_scope() as db:
        before = business.get_business(db).brand_color
        set_business(db, brand_color=BRAND)
    business.forget_cached_business()
    d = _data()
    try:
        visitor = browser.new_context(viewport=NARROW).new_page()
        walk = Walk(visitor, app_url)
        for route in PUBLIC_ROUTES:
            walk.open(route)
        visitor.context.close()

        customer = browser.new_context(viewport=NARROW).new_page()
        customer_login(customer, app_url, d["email"])
        # installable: the manifest and the icon are in the head, and they answer
        manifest = customer.locator("head link[rel=manifest]")
        expect(manifest).to_have_count(1)
        answer = customer.request.get(manifest.get_attribute("href"))
        assert answer.ok and json.loads(answer.body())["theme_color"] == BRAND
        icon = customer.request.get(customer.locator("head link[rel=apple-touch-icon]").get_attribute("href"))
        assert icon.ok and icon.headers["content-type"] == "image/png"
        expect(customer.locator("head meta[name=theme-color]")).to_have_attribute("content", BRAND)
        walk.page = customer
        for route in customer_routes(d):
            walk.open(route)
        customer.set_viewport_size(WIDE)
        customer.goto(f"{app_url}/")
        expect(customer.locator("#greeting")).to_be_visible()
        customer.screenshot(path=str(ARTIFACTS / "a11y-1280-home.png"))
        header_ok = {"portal": _logout_on_first_line(customer, "Log out")}
        customer.context.close()

        console = staff_page(browser, app_url, viewport=NARROW)
        walk.page = console
        for route in console_routes(d):
            walk.open(route)
        console.set_viewport_size(WIDE)
        console.goto(f"{app_url}/admin")
        expect(console.get_by_role("heading", name="Accounts")).to_be_visible()
        console.screenshot(path=str(ARTIFACTS / "a11y-1280-console.png"))
        header_ok["console"] = _logout_on_first_line(console, "Log out")
        console.context.close()
    finally:
        with session_scope() as db:
            set_business(db, brand_color=before)
        business.forget_cached_business()
    (ARTIFACTS / "a11y-findings.json").write_text(json.dumps(walk.problems, indent=1, ensure_ascii=False))
    assert walk.problems == {}, json.dumps(walk.problems, indent=1, ensure_ascii=False)
    assert header_ok == {"portal": True, "console": True}


def test_overflow_check_sees_what_hidden_overflow_hides(page: Page):
    """The measure is not fooled by `overflow-x: hidden` on <html> and <body> (the page still cuts off
    what sticks out: a person cannot reach it)."""
    page.set_viewport_size(NARROW)
    page.set_content("<style>html,body{overflow-x:hidden;margin:0}</style><main><div id=wide "
                     "style='width:600px'>wide</div><div style='overflow-x:auto'><table style='width:900px'>"
                     "<tr><td>scrolls in its own box</td></tr></table></div></main>")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # the old, blind check
    found = horizontal_overflow(page)
    assert found and "div#wide" in found[1] and not any("table" in f for f in found)
    page.evaluate("document.getElementById('wide').style.width = '100%'")
    assert horizontal_overflow(page) == []
