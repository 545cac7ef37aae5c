"""Console states: settings flow to every page and email; lists page in the database."""

from __future__ import annotations

from portal_app.core.db import session_scope
from portal_app.core.models.accounts import MODULES
from portal_app.core import access
from portal_app.core.auth import sessions as portal_sessions
from portal_app.console.accounts_state import AdminAccountsState
from portal_app.console.settings_state import AdminSettingsState
from portal_app.core.states.site import SiteState
from tests.factories import make_account, make_contact, staff_session
from tests.support.states import sub

def console_token() -> str:
    with session_scope() as db:
        return staff_session(db)


def test_business_settings_reach_pages_and_emails(root):
    page = sub(root, AdminSettingsState)
    page.staff_sid = console_token()
    page.load_settings()
    original = {"name": page.name, "brand_color": page.brand_color, "default_language": page.default_language}
    form = {"name": "Salon Élise", "brand_color": "#AA3366", "login_text": "Bienvenue", "default_language": "fr",
            "lang_fr": "on", "lang_en": "on", "sender_name": "Élise",
            **{f"module_{m}": "on" for m in MODULES if m != "documents"}}
    page.save_settings({**form, "brand_color": "pink"})
    assert page.flash_key == "settings.error.colour" and not page.saved
    page.save_settings(form)
    assert page.saved and page.flash_key == ""
    site = sub(root, SiteState)
    site.load_site()
    assert (site.brand_name, site.brand_color, site.login_text) == ("Salon Élise", "#aa3366", "Bienvenue")
    assert [o["code"] for o in site.language_options] == ["en", "fr"]
    with session_scope() as db:
        c = make_contact(db, language="fr")
        mail = access.preview_invitation(db, c.id)
    assert "Salon Élise" in mail.subject and "#aa3366" in mail.html
    # a module the business switched off is gone from every contact's rights
    with session_scope() as db:
        admin = make_contact(db, portal_role="admin")
        ctx = portal_sessions.resolve_session(db, portal_sessions.open_session(db, admin.id))
    assert "documents" not in ctx.rights and "invoices" in ctx.rights
    # put the business back as it was for the other tests
    page.save_settings({"name": original["name"], "brand_color": original["brand_color"], "login_text": "",
                        "default_language": "en", "lang_en": "on", "lang_fr": "on", "lang_de": "on",
                        "sender_name": "", **{f"module_{m}": "on" for m in MODULES}})
    assert page.saved


def test_accounts_list_pages_and_searches(root):
    with session_scope() as db:
        for i in range(25):
            make_account(db, name=f"Pagination Ltd {i:02d}")
    page = sub(root, AdminAccountsState)
    page.staff_sid = console_token()
    page.search({"q": "pagination ltd"})
    assert page.total == 25 and page.pages == 2 and len(page.rows) == 20
    page.next_page()
    assert page.page == 2 and len(page.rows) == 5
    page.next_page()  # stays on the last page
    assert page.page == 2
    page.create_account({"name": "", "number": "X"})
    assert page.flash_key == "account.error.name_required"
