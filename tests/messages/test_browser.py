"""Browser journeys of issue 4 for messages: a customer writes with an attachment and staff reply; the
messages pages have no serious accessibility problem."""

from __future__ import annotations

import itertools

from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core.conversations.models import Conversation as MessageThread
from tests.support.browser import choose_png, customer_login, staff_page
from tests.factories import make_account, make_contact

_n = itertools.count(1)


def customer(name: str = "Camille", **kw) -> tuple[str, int]:
    with session_scope() as db:
        acc = make_account(db, name=f"Atelier M{next(_n)}")
        contact = make_contact(db, acc, first_name=name, portal_role="admin", email=f"i4-msg-{next(_n)}@example.com",
                               **kw)
        return contact.email, acc.id






def test_customer_writes_with_an_attachment_and_staff_reply(page: Page, browser: Browser, app_url, shots, tmp_path):
    email, _ = customer(name="Inès")
    customer_login(page, app_url, email)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Messages").click()
    expect(page.get_by_text("No messages yet")).to_be_visible()
    page.locator("#new-message").click()
    expect(page.get_by_role("heading", name="New message")).to_be_visible()
    page.get_by_label("Subject").fill("Meter photo")
    page.get_by_label("Your message").fill("Here is the photo of the meter.\nThanks!")
    choose_png(page, tmp_path / "meter.png")
    expect(page.locator("#staged-attachments")).to_contain_text("meter.png")
    shots(page, "i4-new-message")
    page.locator("#send-message").click()
    expect(page.get_by_text("Your message has been sent.")).to_be_visible()
    expect(page.locator("#thread")).to_contain_text("Here is the photo of the meter.")
    expect(page.locator("#thread").get_by_role("link", name="meter.png")).to_be_visible()
    with session_scope() as db:
        thread = db.exec(select(MessageThread).order_by(MessageThread.id.desc())).first()

    staff = staff_page(browser, app_url, viewport={"width": 1280, "height": 900})
    staff.goto(f"{app_url}/admin/inbox")
    link = staff.get_by_role("link", name="Meter photo")
    expect(link).to_be_visible()
    shots(staff, "i4-inbox")
    link.click()
    expect(staff.locator("#thread")).to_contain_text("Here is the photo of the meter.")
    staff.get_by_label("Your reply").fill("Thank you, we have it.")
    staff.locator("#send-staff-reply").click()
    expect(staff.get_by_text("Reply sent.")).to_be_visible()
    staff.locator("#mark-handled").click()
    expect(staff.get_by_text("Marked handled.")).to_be_visible()
    shots(staff, "i4-inbox-thread")

    # the customer: an unread badge in the navigation, then the reply in the thread
    page.goto(f"{app_url}/")
    nav = page.get_by_role("navigation", name="Menu")
    expect(nav.get_by_text("1 unread")).to_be_attached()
    page.goto(f"{app_url}/messages/thread?id={thread.id}")
    expect(page.locator("#thread")).to_contain_text("Thank you, we have it.")
    expect(page.get_by_text("Handled", exact=True)).to_be_visible()
    shots(page, "i4-thread")
    page.goto(f"{app_url}/messages")
    expect(page.get_by_role("navigation", name="Menu").get_by_text("1 unread")).to_have_count(0)
    staff.context.close()


def test_new_pages_have_no_serious_accessibility_problem(page: Page, browser: Browser, app_url):
    from tests.support.browser import serious_violations

    email, _ = customer(name="Ada")
    customer_login(page, app_url, email)
    for path, heading in (("/messages", "Messages"), ("/messages/new", "New message")):
        page.goto(f"{app_url}{path}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert serious_violations(page) == [], path
    staff = staff_page(browser, app_url)
    for path, heading in (("/admin/inbox", "Inbox"),):
        staff.goto(f"{app_url}{path}")
        expect(staff.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert serious_violations(staff) == [], path
    staff.context.close()
