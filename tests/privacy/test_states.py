"""The GDPR space's state: a consent switched on and off shows in the history; a data request shows
with its deadline; the profile form saves name and language."""

from __future__ import annotations

from portal_app.core.db import session_scope
from portal_app.privacy import consents
from portal_app.console.contacts_state import AdminContactState
from portal_app.privacy.admin_state import AdminConsentHistoryState
from portal_app.privacy.state import PrivacyState
from tests.factories import staff_ctx
from tests.support.states import sub


def test_switching_a_consent_shows_in_the_history(person, root):
    with session_scope() as db:
        purpose = consents.save_purpose(db, staff_ctx(db).actor, None, names={"en": "Letters"},
                                        descriptions={"en": "By post"}, active=True)
    page = sub(root, PrivacyState)
    page.portal_sid = person[2]
    page.load_privacy()
    assert page.error_key == ""
    page.set_consent(purpose.id, True)
    assert page.error_key == ""
    page.set_consent(purpose.id, False)
    assert [(h.name, h.granted) for h in page.history][:2] == [("Letters", False), ("Letters", True)]
    assert next(p for p in page.purposes if p.id == purpose.id).granted is False


def test_a_request_shows_with_its_deadline_and_the_profile_saves(person, root):
    page = sub(root, PrivacyState)
    page.portal_sid = person[2]
    page.load_privacy()
    page.request_erasure()
    assert page.error_key == "" and page.requests[0].kind == "erasure" and page.requests[0].due
    page.save_profile({"first_name": "Zoé", "last_name": "Martin", "language": "fr"})
    assert page.error_key == "" and (page.first_name, page.language) == ("Zoé", "fr") and page.saved


def test_the_page_builds_its_own_archive_without_waiting_for_the_job(person, root):
    from tests.support.states import run_background

    page = sub(root, PrivacyState)
    page.portal_sid = person[2]
    page.load_privacy()
    page.request_export()
    assert page.requests[0].status == "preparing"
    run_background(page, "watch_export")
    assert page.requests[0].status == "ready" and page.requests[0].progress == 100
    assert page.requests[0].downloadable and not page.watching


def test_an_archive_is_built_once_when_the_job_and_the_page_race(person, root):
    from portal_app.privacy import requests

    page = sub(root, PrivacyState)
    page.portal_sid = person[2]
    page.load_privacy()
    page.request_export()
    first = requests.build_next_archive(person[0])
    assert first is not None
    assert requests.build_next_archive(person[0]) is None  # claimed: nothing left to build


def test_staff_see_a_contacts_consent_history_on_the_contact_page(person, root, monkeypatch):
    """The console's contact page shows the consent history through the contact-panel registry: the
    contact page fires the panel's load, and the panel lists every change, newest first. (The panel
    registers itself with the privacy console pages, which unit tests do not import: registered here.)"""
    from portal_app.core import registries

    monkeypatch.setattr(registries, "CONSOLE_PANELS", [])
    registries.console_panel(registries.ConsolePanel("contact", "consent_history", 50, lambda: None,
                                                     AdminConsentHistoryState.load_consent_history))
    from tests.factories import staff_session
    from tests.privacy.conftest import ctx_of
    from tests.support.states import router_data

    contact_id, _, token = person
    with session_scope() as db:
        purpose = consents.save_purpose(db, staff_ctx(db).actor, None, names={"en": "Phone surveys"},
                                        descriptions={}, active=True)
        consents.set_consent(db, ctx_of(db, token), purpose.id, True)
    with session_scope() as db:
        consents.set_consent(db, ctx_of(db, token), purpose.id, False)
        agent = staff_session(db, role="agent")  # reading a contact's page is open to agents
    contact_page = sub(root, AdminContactState)
    contact_page.staff_sid = agent
    contact_page.router = router_data("/admin/contact", {"id": contact_id})
    fired = contact_page.load_contact()
    assert AdminConsentHistoryState.load_consent_history in (fired or [])
    panel = sub(root, AdminConsentHistoryState)
    panel.staff_sid = agent
    panel.router = router_data("/admin/contact", {"id": contact_id})
    panel.load_consent_history()
    assert panel.flash_key == ""
    assert [(h.name, h.granted) for h in panel.consent_history] == [("Phone surveys", False), ("Phone surveys", True)]
    for bad in ("999999999", "1 or 1=1", "-3"):
        panel.router = router_data("/admin/contact", {"id": bad})
        panel.load_consent_history()
        assert panel.consent_history == [] and panel.flash_key == "error.not_found"


def test_the_consent_history_panel_needs_a_staff_session(person, root):
    from tests.support.states import router_data

    panel = sub(root, AdminConsentHistoryState)
    panel.staff_sid = ""
    panel.router = router_data("/admin/contact", {"id": person[0]})
    panel.load_consent_history()
    assert panel.consent_history == []
