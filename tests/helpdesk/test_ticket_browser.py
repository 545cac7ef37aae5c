"""Browser journey of issue 10 for tickets: a member sees a knowledge-base suggestion while typing the
title, then opens a ticket with a file; staff write an internal note and a public reply; the member
sees only the reply, replies and resolves; the account's administrator sees the colleague's ticket,
another member does not."""

from __future__ import annotations

import itertools

from playwright.sync_api import Browser, Page, expect

from portal_app.core.db import session_scope
from tests.factories import make_account, make_contact, staff_ctx
from tests.helpdesk.kb_factories import make_article
from tests.support.browser import PHONE, choose_png, customer_login, no_horizontal_overflow, serious_violations, staff_page

_n = itertools.count(1)
WIDE = {"width": 1280, "height": 900}


def _both_widths(page: Page, shots, name: str) -> None:
    page.set_viewport_size(WIDE)
    shots(page, f"tickets-{name}-1280")
    page.set_viewport_size(PHONE)
    assert no_horizontal_overflow(page), name
    shots(page, f"tickets-{name}-390")
    page.set_viewport_size(WIDE)


def test_ticket_from_a_member_to_staff_and_back(page: Page, browser: Browser, app_url, shots, tmp_path):
    with session_scope() as db:
        make_article(db, staff_ctx(db), title="When the card terminal prints no receipt",
                     body="Check the paper roll, then restart the terminal.")
        acc = make_account(db, name=f"Atelier T{next(_n)}")
        member, other, admin = (
            make_contact(db, acc, first_name=name, portal_role=role, rights=rights,
                         email=f"i10-{name.lower()}-{next(_n)}@example.com").email
            for name, role, rights in (("Max", "member", ["messages"]), ("Nina", "member", ["messages"]),
                                       ("Claire", "admin", None)))
    page.set_viewport_size(WIDE)
    customer_login(page, app_url, member)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Support").click()
    expect(page.get_by_text("No tickets here.")).to_be_visible()
    page.locator("#new-ticket").click()
    expect(page.get_by_role("heading", name="New ticket")).to_be_visible()
    title = page.get_by_label("Title")
    # Key by key, as a person types (the suggestions follow each pause). Unlike fill, pressing keys does not
    # wait for the field: the page's controls stay disabled until its load has run, and keys sent before
    # are dropped, so wait for it as a person waits for the page.
    expect(title).to_be_editable()
    title.press_sequentially("Terminal prints nothing", delay=20)
    expect(title).to_have_value("Terminal prints nothing")
    suggestions = page.get_by_role("region", name="These articles may answer your question")
    expect(suggestions.get_by_role("link", name="When the card terminal prints no receipt")).to_be_visible()
    page.get_by_label("Type").select_option(label="Incident")
    page.get_by_label("Priority").select_option(label="High")
    page.get_by_label("Describe your request").fill("Since this morning no receipt comes out.")
    choose_png(page, tmp_path / "terminal.png")
    expect(page.locator("#staged-attachments")).to_contain_text("terminal.png")
    _both_widths(page, shots, "new")
    page.locator("#send-ticket").click()
    expect(page.get_by_text("Your ticket is open.")).to_be_visible()
    expect(page.locator("#thread")).to_contain_text("Since this morning no receipt comes out.")
    expect(page.locator("#thread").get_by_role("link", name="terminal.png")).to_be_visible()
    ticket_url = page.url

    staff = staff_page(browser, app_url, viewport=WIDE)
    staff.goto(f"{app_url}/admin/tickets")
    link = staff.get_by_role("link", name="Terminal prints nothing")
    expect(link).to_be_visible()
    _both_widths(staff, shots, "queue")
    link.click()
    expect(staff.locator("#thread")).to_contain_text("Since this morning no receipt comes out.")
    staff.get_by_label("Reply or note").fill("Driver bug on our side, do not tell yet.")
    staff.get_by_label("Internal note (the customer never sees it)").check()
    staff.locator("#send-staff-entry").click()
    expect(staff.get_by_text("Internal note added.")).to_be_visible()
    staff.get_by_label("Reply or note").fill("A technician comes this afternoon.")
    staff.locator("#send-staff-entry").click()
    expect(staff.get_by_text("Reply sent.")).to_be_visible()
    expect(staff.locator("#thread")).to_contain_text("Driver bug on our side")
    shots(staff, "tickets-console-ticket-1280")
    staff.context.close()

    page.goto(ticket_url)
    thread = page.locator("#thread")
    expect(thread).to_contain_text("A technician comes this afternoon.")
    expect(thread).not_to_contain_text("Driver bug")
    page.get_by_label("Your reply").fill("Thank you!")
    page.locator("#send-reply").click()
    expect(thread).to_contain_text("Thank you!")
    page.locator("#resolve-ticket").click()
    expect(page.get_by_text("The ticket is marked as resolved.")).to_be_visible()
    expect(page.get_by_text("Resolved", exact=True)).to_be_visible()
    _both_widths(page, shots, "view")
    page.goto(f"{app_url}/tickets")
    expect(page.locator("#tickets")).to_contain_text("Terminal prints nothing")
    _both_widths(page, shots, "list")

    # The administrator reads the colleague's ticket; another member does not see it.
    for email, sees in ((admin, True), (other, False)):
        ctx = browser.new_context(viewport=WIDE)
        tab = ctx.new_page()
        customer_login(tab, app_url, email)
        expect(tab.locator("#tickets-card")).to_contain_text("Support tickets")
        tab.goto(f"{app_url}/tickets")
        expect(tab.get_by_role("heading", name="Support tickets")).to_be_visible()
        if sees:
            expect(tab.locator("#tickets")).to_contain_text("Terminal prints nothing")
            tab.goto(ticket_url)
            expect(tab.locator("#thread")).to_contain_text("A technician comes this afternoon.")
        else:
            expect(tab.get_by_text("No tickets here.")).to_be_visible()
            tab.goto(ticket_url)
            expect(tab.get_by_role("alert")).to_be_visible()
            expect(tab.locator("#thread")).to_have_count(0)
        ctx.close()


def test_ticket_pages_have_no_serious_accessibility_problem(page: Page, browser: Browser, app_url):
    with session_scope() as db:
        email = make_contact(db, make_account(db, name=f"Atelier A{next(_n)}"), portal_role="admin",
                             email=f"i10-a11y-{next(_n)}@example.com").email
    customer_login(page, app_url, email)
    for path, heading in (("/tickets", "Support tickets"), ("/tickets/new", "New ticket")):
        page.goto(f"{app_url}{path}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert serious_violations(page) == [], path
    staff = staff_page(browser, app_url)
    for path, heading in (("/admin/tickets", "Tickets"), ("/admin/ticket-settings", "Ticket settings")):
        staff.goto(f"{app_url}{path}")
        expect(staff.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert serious_violations(staff) == [], path
    staff.context.close()
