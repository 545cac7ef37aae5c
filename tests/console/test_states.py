"""Console states: settings flow to every page and email; lists page in the database."""

from __future__ import annotations

from portal_app.core.db import session_scope
from portal_app.core.models.accounts import MODULES
from portal_app.core import access
from portal_app.core.auth import sessions as portal_sessions
from portal_app.console.accounts_state import AdminAccountState, AdminAccountsState
from portal_app.console.contacts_state import AdminContactState, AdminContactsState, ContactRow
from portal_app.console.logs_state import AdminAttemptsState, AdminAuditState, AdminLogsState, DeliveryRow
from portal_app.core import audit
from portal_app.core.models.auth import LoginAttempt
from portal_app.core.models.notify import OutboundMessage
from portal_app.console.settings_state import AdminSettingsState
from portal_app.core.states.site import SiteState
from tests.factories import make_account, make_contact, staff_session
from tests.support.states import router_data, sub

def console_token() -> str:
    with session_scope() as db:
        return staff_session(db)


def test_business_settings_reach_pages_and_emails(root):
    page = sub(root, AdminSettingsState)
    page.staff_sid = console_token()
    page.load_settings()
    original = {"name": page.view.name, "brand_color": page.view.brand_color,
                "default_language": page.view.default_language}
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


def test_contacts_list_pages_and_searches_with_typed_rows(root):
    with session_scope() as db:
        acc = make_account(db, name="Contacts Paging Ltd")
        for i in range(25):
            make_contact(db, acc, first_name="Pagina", last_name=f"Contact{i:02d}", email=f"pagina{i:02d}@example.com",
                         active=i != 0)
    page = sub(root, AdminContactsState)
    page.staff_sid = console_token()
    page.router = router_data("/admin/contacts", {})
    page.load_list()
    assert page.q == "" and page.page == 1
    page.search({"q": "pagina"})
    assert page.total == 25 and page.pages == 2 and len(page.rows) == 20
    first = page.rows[0]
    assert isinstance(first, ContactRow) and first.name == "Pagina Contact00" and first.account == "Contacts Paging Ltd"
    assert first.active is False and page.rows[1].active is True and first.access is True
    page.next_page()
    assert page.page == 2 and len(page.rows) == 5
    page.prev_page()
    assert page.page == 1 and len(page.rows) == 20
    page.staff_sid = "forged"
    page.next_page()
    assert page.flash_key == "error.session_over" and page.page == 1


def test_account_page_lists_its_contacts_as_rows(root):
    with session_scope() as db:
        acc = make_account(db, name="Detail Ltd")
        make_contact(db, acc, first_name="Ana", last_name="Alpha", portal_role="admin")
        make_contact(db, acc, first_name="Bob", last_name="Beta", portal_access=False)
        account_id = acc.id
    page = sub(root, AdminAccountState)
    page.staff_sid = console_token()
    page.router = router_data("/admin/account", {"id": account_id})
    page.load_account()
    assert page.account_id == account_id and page.view.name == "Detail Ltd"
    assert [(c.name, c.role, c.access) for c in page.contacts] == [("Ana Alpha", "admin", True),
                                                                   ("Bob Beta", "member", False)]
    page.save_account({"name": "Detail Ltd 2", "number": page.view.number, "active": "on"})
    assert page.saved and page.view.name == "Detail Ltd 2"
    page.save_account({"name": "", "number": page.view.number})
    assert page.flash_key == "account.error.name_required" and not page.saved
    for weird in ("abc", "0", "12; DROP", str(10**9)):
        page.router = router_data("/admin/account", {"id": weird})
        page.load_account()
        assert page.account_id == 0 and page.flash_key == "error.not_found"


def test_account_page_edits_the_postal_address(root):
    with session_scope() as db:
        acc = make_account(db, name="Address Ltd")
        account_id = acc.id
    page = sub(root, AdminAccountState)
    page.staff_sid = console_token()
    page.router = router_data("/admin/account", {"id": account_id})
    page.load_account()
    assert page.view.street == "" and page.view.has_address is False  # the page warns
    form = {"name": "Address Ltd", "number": page.view.number, "active": "on", "street": "Hauptstr. 5",
            "postcode": "80331", "city": "München", "country": "de"}
    page.save_account({**form, "country": "Germany"})
    assert page.flash_key == "account.error.country" and not page.saved
    page.save_account({**form, "city": ""})
    assert page.flash_key == "account.error.address_incomplete" and not page.saved
    page.save_account(form)
    assert page.saved and page.flash_key == ""
    assert (page.view.street, page.view.postcode, page.view.city, page.view.country) == (
        "Hauptstr. 5", "80331", "München", "DE")
    assert page.view.has_address is True
    page.save_account({**form, "street": "", "postcode": "", "city": "", "country": ""})
    assert page.saved and page.view.has_address is False and page.view.city == ""


def test_contact_page_diagnosis_rows_are_typed(root):
    with session_scope() as db:
        c = make_contact(db, email=f"diag{make_account(db).id}@example.com")
        cid = c.id
    page = sub(root, AdminContactState)
    page.staff_sid = console_token()
    page.router = router_data("/admin/contact", {"id": cid})
    page.load_contact()
    assert page.contact_id == cid and page.language_choices and page.language_choices[0].code
    assert all(isinstance(r.ok, bool) for r in page.diagnosis.checks)
    checks = page.diagnosis.checks
    assert [r.key for r in checks][0] == "diagnose.contact_active" and checks[0].ok is True
    page.open_invitation()
    assert page.preview_open
    page.send_invitation()
    assert page.invitation_sent and not page.preview_open
    assert [(m.template, m.recipient) for m in page.diagnosis.messages] == [("invitation", page.contact.email)]
    page.router = router_data("/admin/contact", {"account": "x"})
    page.load_contact()
    assert page.contact_id == 0 and page.account_id == 0 and page.flash_key == "error.not_found"


def test_log_lists_page_filter_and_search(root):
    with session_scope() as db:
        token = console_token()
        contact = make_contact(db, email=f"logs{make_account(db).id}@example.com")
        email = contact.email
        for status in ("sent", "failed", "failed", "fallback"):
            db.add(OutboundMessage(channel="email", recipient=email, template="invitation", status=status,
                                   subject=f"Hello {status}", body_text="Body"))
        for i in range(55):
            db.add(LoginAttempt(email=email, kind="request", outcome="sent", client_ip="10.0.0.1"))
        for i in range(3):
            audit.record(db, audit.SYSTEM, "logtest.event", target_type="thing", target_id=i + 1)
    deliveries = sub(root, AdminLogsState)
    deliveries.staff_sid = token
    deliveries.router = router_data("/admin/deliveries", {"status": "failed"})
    deliveries.load_list()
    assert deliveries.filter_values == {"status": "failed", "channel": "", "period": ""}
    assert deliveries.rows and all(r.status == "failed" for r in deliveries.rows)
    deliveries.search({"q": email, "status": "failed"})
    assert deliveries.total == 2 and [r.recipient for r in deliveries.rows] == [email, email]
    deliveries.search({"q": email, "status": "nonsense"})  # not a status: every status
    assert deliveries.filter_values == {"status": "", "channel": "", "period": ""} and deliveries.total == 4
    deliveries.set_filter("status", "fallback")
    assert [(r.status, r.subject) for r in deliveries.rows] == [("fallback", "Hello fallback")]
    assert isinstance(deliveries.rows[0], DeliveryRow)
    deliveries.view_message(deliveries.rows[0].id)
    assert deliveries.viewing_open and deliveries.viewing_subject == "Hello fallback"
    deliveries.close_message()
    assert not deliveries.viewing_open and deliveries.viewing_body == ""

    attempts = sub(root, AdminAttemptsState)
    attempts.staff_sid = token
    attempts.router = router_data("/admin/attempts", {})
    attempts.search({"q": email.upper()})
    assert attempts.total == 55 and attempts.pages == 2 and len(attempts.rows) == 50
    assert all(r.email == email and r.ip == "10.0.0.1" for r in attempts.rows)
    attempts.last_page()
    assert attempts.page == 2 and len(attempts.rows) == 5

    events = sub(root, AdminAuditState)
    events.staff_sid = token
    events.search({"q": "logtest."})
    assert events.total == 3 and [r.target for r in events.rows] == ["thing #3", "thing #2", "thing #1"]
    assert all(r.actor == "system:system" and r.as_contact == "" for r in events.rows)
    events.staff_sid = "forged"
    events.first_page()
    assert events.flash_key == "error.session_over"
