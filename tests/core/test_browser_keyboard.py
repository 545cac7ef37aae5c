"""By keyboard alone (Tab, Shift+Tab, Enter, Space, arrows, and typing into fields): a customer logs in with
a code, pays (up to Stripe Checkout), books, sends a new message and opens a new ticket. Every element
reached shows a visible focus (a computed outline or box shadow), and after each step the focus is on
the new content (the new page's heading, the step's heading, or the field to fill)."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from portal_app.bookings.models import Booking
from portal_app.core.db import session_scope
from tests.factories import make_account, make_booking_service, make_contact, make_issued, staff_ctx
from tests.support.browser import fake_stripe_checkout, last_message_id, latest_code

# The focused element, or the field's frame around it (Radix draws a text field's ring on its root),
# shows an outline or a box shadow.
_FOCUS_SHOWN_JS = """() => {
  const a = document.activeElement;
  if (!a || a === document.body) return 'nothing focused';
  for (let el = a, up = 0; el && up < 3; el = el.parentElement, up++) {
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    const shadow = s.boxShadow && s.boxShadow !== 'none';
    if (outline || (shadow && (el === a || el.matches(':focus-within')))) return '';
  }
  return 'no visible focus on ' + a.outerHTML.slice(0, 100);
}"""


def focused(page: Page, locator) -> bool:
    return locator.evaluate("el => el === document.activeElement || el.contains(document.activeElement)")


def tab_to(page: Page, locator, limit: int = 60, back: bool = False) -> None:
    """Press Tab (Shift+Tab) until `locator` has the focus, checking the focus is visible at each stop."""
    expect(locator).to_be_visible()
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        problem = page.evaluate(_FOCUS_SHOWN_JS)
        assert problem == "", problem
        if focused(page, locator):
            return
    raise AssertionError(f"Tab never reached {locator}")


def focus_is_on(page: Page, locator) -> None:
    """The step moved the focus to `locator` (the new content), not left it on the page's body."""
    expect(locator).to_be_visible()
    page.wait_for_function("el => el === document.activeElement || el.contains(document.activeElement)",
                           arg=locator.element_handle(), timeout=5000)


def compose_by_keyboard(page: Page, new_link: str, heading: str, fields: list[tuple[str, str]], send: str) -> None:
    """From a list page: the "new" link, its page (focus on its heading), each field by its label (typed
    into, or a key pressed: "ArrowDown"), then the send button; the focus lands on the new thread's heading
    (the first field's text)."""
    tab_to(page, page.locator(new_link))
    page.keyboard.press("Enter")
    focus_is_on(page, page.get_by_role("heading", name=heading, level=1))
    for label, text in fields:
        tab_to(page, page.get_by_label(label))
        if text.startswith("Arrow"):
            page.keyboard.press(text)
        else:
            page.keyboard.type(text)
    tab_to(page, page.locator(send))
    page.keyboard.press("Enter")
    focus_is_on(page, page.get_by_role("heading", name=fields[0][1], level=1))


def _customer() -> tuple[str, int, str]:
    from portal_app.bookings import rules as bookings

    with session_scope() as db:
        account = make_account(db, name="Clavier & Co", number="KBD-1")
        contact = make_contact(db, account, first_name="Kim", email="kim.keyboard@example.com",
                               portal_role="admin", language="en")
        inv = make_issued(db, account, [("Support plan", "1", "100.00", "20")])
        bookings.set_weekly_hours(db, staff_ctx(db), {d: "08:00-20:00" for d in range(7)})
        service = "Keyboard fitting"
        make_booking_service(db, service, duration=30, audience="accounts", account_numbers=account.number)
        return contact.email, inv.id, service


def test_login_pay_book_message_ticket_by_keyboard(browser: Browser, app_url, monkeypatch, shots):
    email, inv_id, service = _customer()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # ---- log in with a code ------------------------------------------------------------------------
    page.goto(f"{app_url}/login")
    field = page.get_by_label("Email address")
    focus_is_on(page, field)  # the page opens on its one field
    before = last_message_id()
    page.keyboard.type(email)
    page.keyboard.press("Enter")
    code = page.get_by_label("6-digit code")
    focus_is_on(page, code)  # the next step's field
    page.keyboard.type(latest_code(email, before))
    page.keyboard.press("Enter")
    focus_is_on(page, page.locator("#greeting"))  # the home page's heading

    # ---- pay: from the home card to Stripe Checkout -------------------------------------------------
    with fake_stripe_checkout(monkeypatch, f"cs_test_kbd_{inv_id}") as (stripe_api, checkout_page):
        tab_to(page, page.locator("#amount-due-card").get_by_role("link", name="Pay", exact=True))
        page.keyboard.press("Enter")
        focus_is_on(page, page.get_by_role("heading", name="Pay", level=1))
        pay = page.get_by_role("button", name=re.compile(r"Pay .*120\.00 by card"))
        tab_to(page, pay)
        page.keyboard.press("Enter")
        page.wait_for_url(checkout_page)
        assert len(stripe_api.requests_to("/v1/checkout/sessions")) == 1

    # ---- book ---------------------------------------------------------------------------------------
    page.goto(f"{app_url}/bookings")
    tab_to(page, page.get_by_role("link", name="Book an appointment").last)
    page.keyboard.press("Enter")
    focus_is_on(page, page.get_by_role("heading", name="Book an appointment", level=1))
    expect(page.get_by_role("heading", name="2. Choose a time")).to_be_visible()  # one service: its times at once
    first = page.locator("#slot-picker").get_by_role("group").get_by_role("button").first
    tab_to(page, first)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Confirm your appointment")).to_be_visible()
    assert focused(page, dialog)  # the dialog holds the focus
    tab_to(page, dialog.get_by_label("Anything we should know? (optional)"))
    page.keyboard.type("By keyboard")
    tab_to(page, dialog.get_by_role("button", name="Confirm"))
    page.keyboard.press("Space")
    focus_is_on(page, page.get_by_role("heading", name="Your appointment is booked"))
    shots(page, "keyboard-booked")
    with session_scope() as db:
        booked = db.exec(select(Booking).where(Booking.note == "By keyboard")).all()
    assert len(booked) == 1

    # ---- a new message ------------------------------------------------------------------------------
    page.goto(f"{app_url}/messages")
    compose_by_keyboard(page, "#new-message", "New message", [("Subject", "Typed, not clicked"),
                                                             ("Your message", "Sent with the keyboard only.")],
                        "#send-message")
    expect(page.get_by_text("Your message has been sent.")).to_be_visible()

    # ---- a new ticket -------------------------------------------------------------------------------
    page.goto(f"{app_url}/tickets")
    # a native select changes with the arrows
    compose_by_keyboard(page, "#new-ticket", "New ticket", [("Title", "Keyboard ticket"), ("Priority", "ArrowDown"),
                                                           ("Describe your request", "Opened without a mouse.")],
                        "#send-ticket")
    expect(page.get_by_text("Your ticket is open.")).to_be_visible()
    shots(page, "keyboard-ticket")
    page.context.close()
