"""Knowledge base in the browser: a visitor opens a public article from the login page's link without
logging in; staff write an article with the live preview, publish it, and a visitor reads it."""

from __future__ import annotations


import itertools

from playwright.sync_api import Page, expect

from portal_app.core.business import forget_cached_business
from portal_app.core.db import session_scope
from tests.factories import staff_ctx
from tests.helpdesk.kb_factories import make_article, make_category
from tests.support.browser import PHONE, no_horizontal_overflow, staff_page

_n = itertools.count(1)
WIDE = {"width": 1280, "height": 900}


def test_a_public_article_opens_without_login_from_the_login_page(page: Page, app_url, shots):
    n = next(_n)
    forget_cached_business()
    with session_scope() as db:
        staff = staff_ctx(db)
        cat = make_category(db, staff, f"Getting started {n}")
        make_article(db, staff, f"How codes reach you {n}",
                     "## By text or email\n\nA **six-digit** code arrives. [More](https://example.com/help)\n\n"
                     "<script>document.title='owned'</script>", category=cat)
        private = make_article(db, staff, f"Your contract terms {n}", "Customers only.", public=False, category=cat)
        private_slug = private.slug
    page.set_viewport_size(WIDE)
    page.goto(f"{app_url}/login")
    page.get_by_role("link", name="Need help? Visit the help centre").click()
    expect(page.get_by_role("heading", name="Help centre", level=1)).to_be_visible()
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="Log in")).to_be_visible()  # a visitor: no portal navigation
    expect(banner.get_by_role("link", name="Help")).to_have_count(0)
    expect(page.get_by_role("link", name=f"Your contract terms {n}")).to_have_count(0)
    page.get_by_role("link", name=f"How codes reach you {n}").click()
    expect(page.get_by_role("heading", name=f"How codes reach you {n}", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="By text or email")).to_be_visible()
    body = page.locator(".kb-article")
    expect(body.locator("strong")).to_have_text("six-digit")
    expect(body.get_by_role("link", name="More")).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(body).to_contain_text("<script>")  # typed HTML shows as text
    assert body.locator("script").count() == 0 and page.title() != "owned"
    expect(page.locator("#kb-answered")).to_have_count(0)  # counting needs a session
    shots(page, "kb-public-article")
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", name=f"How codes reach you {n}", level=1)).to_be_visible()
    assert no_horizontal_overflow(page)
    shots(page, "kb-public-article-phone")
    # a customers-only article: the same answer as a missing one
    page.goto(f"{app_url}/help/article?slug={private_slug}")
    expect(page.get_by_role("heading", name="Article not found")).to_be_visible()
    expect(page.get_by_text("Customers only.", exact=True)).to_have_count(0)


def test_staff_write_preview_and_publish_an_article(browser, app_url, shots):
    n = next(_n)
    title = f"Changing your billing address {n}"
    staff = staff_page(browser, app_url, viewport=WIDE)
    staff.goto(f"{app_url}/admin/kb")
    expect(staff.get_by_role("heading", name="Knowledge base", level=1)).to_be_visible()
    staff.get_by_role("link", name="New article").click()
    expect(staff.get_by_role("heading", name="New article", level=1)).to_be_visible()
    staff.get_by_label("Title").fill(title)
    staff.get_by_label("Text (Markdown)").fill(
        "## Steps\n\n1. Open **Account**\n2. Write to us\n\n<img src=x onerror=\"document.title='owned'\">")
    preview = staff.get_by_role("region", name="Preview (what readers will see)")
    expect(preview.get_by_role("heading", name="Steps")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("Account")
    assert preview.locator("img").count() == 0 and staff.title() != "owned"
    staff.get_by_label("Public (readable without logging in)").check()
    staff.get_by_label("Published", exact=True).check()
    shots(staff, "kb-editor")
    staff.locator("#save-article").click()
    expect(staff.get_by_role("heading", name="Edit article", level=1)).to_be_visible()
    expect(staff.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(staff.get_by_role("link", name="Open in the help centre")).to_be_visible()
    staff.set_viewport_size(PHONE)
    expect(staff.get_by_label("Text (Markdown)")).to_be_visible()
    shots(staff, "kb-editor-phone")
    # the list shows it published
    staff.set_viewport_size(WIDE)
    staff.goto(f"{app_url}/admin/kb")
    staff.get_by_placeholder("Search title or text").fill(f"billing address {n}")
    staff.get_by_role("button", name="Search").click()
    expect(staff.get_by_role("link", name=title)).to_be_visible()
    expect(staff.get_by_role("button", name=f"Unpublish {title}")).to_be_visible()
    shots(staff, "kb-admin-list")
    staff.context.close()
    # a visitor finds it by searching the help centre
    visitor = browser.new_context(viewport=WIDE).new_page()
    visitor.goto(f"{app_url}/help")
    visitor.get_by_placeholder("Search the help centre").fill(f"billing address {n}")
    visitor.get_by_role("button", name="Search").click()
    visitor.get_by_role("link", name=title).click()
    expect(visitor.get_by_role("heading", name=title, level=1)).to_be_visible()
    shots(visitor, "kb-help-centre-article")
    visitor.context.close()
