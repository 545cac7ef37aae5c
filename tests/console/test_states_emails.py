"""Console › Customer emails: the preview follows the draft, unknown placeholders are named, save and
reset reach the emails customers get; only owners (the settings area) may use it."""

from __future__ import annotations

from portal_app.console.emails_state import AdminEmailsState
from portal_app.core import notify
from portal_app.core.business import branding
from portal_app.core.db import session_scope
from tests.factories import staff_session
from tests.support.states import router_data, sub


def emails_page(root, role: str = "owner", query: dict | None = None) -> AdminEmailsState:
    with session_scope() as db:
        token = staff_session(db, role=role)
    page = sub(root, AdminEmailsState)
    page.staff_sid = token
    page.router = router_data("/admin/settings/emails", query or {"template": "invitation", "lang": "de"})
    page.load_emails()
    return page


def test_the_preview_follows_the_draft_and_save_then_reset_reach_the_emails(root):
    page = emails_page(root)
    assert (page.template, page.language, page.customised) == ("invitation", "de", False)
    assert "{name}" in page.placeholders and "{business}" in page.placeholders
    page.edit_subject("Willkommen, {name}!")
    assert page.preview_subject == "Willkommen, Marie Dupont!" and page.preview_error == ""
    page.edit_body("Hallo {vorname}")
    assert "{vorname}" in page.preview_error and page.preview_subject == "Willkommen, Marie Dupont!"
    page.edit_body("Hallo {name}, <b>willkommen</b>.")
    assert page.preview_error == "" and "&lt;b&gt;willkommen&lt;/b&gt;" in page.preview_html
    page.save_email()
    assert page.flash_key == "settings.emails.saved" and page.customised
    with session_scope() as db:
        mail = notify.render_email("invitation", "de", branding(db), link="https://x", name="Jan", email="j@x")
    assert mail.subject == "Willkommen, Jan!"
    page.reset_email()
    assert not page.customised and page.draft_subject != "Willkommen, {name}!"
    with session_scope() as db:
        mail = notify.render_email("invitation", "de", branding(db), link="https://x", name="Jan", email="j@x")
    assert mail.subject != "Willkommen, Jan!"


def test_a_bad_draft_is_not_saved(root):
    page = emails_page(root, query={"template": "login_code", "lang": "en"})
    page.edit_subject("Your login code")
    page.edit_body("No code here")
    page.save_email()
    assert page.flash_key == "settings.emails.error.missing"
    with session_scope() as db:
        assert all(t != "login_code" for t, *_ in branding(db).templates)


def test_unknown_choices_fall_back_to_the_first_email_in_english(root):
    page = emails_page(root, query={"template": "../../etc", "lang": "zz"})
    assert (page.template, page.language) == ("invitation", "en")


def test_an_agent_cannot_rewrite_emails(root):
    page = emails_page(root, role="agent")
    assert page.flash_key == "error.role_forbidden" and page.template == ""
    page.draft_subject, page.draft_body = "Hi", "Hacked {name}"
    page.template, page.language = "invitation", "en"
    page.save_email()
    with session_scope() as db:
        assert all(body != "Hacked {name}" for *_, body in branding(db).templates)
