"""Dashboard and portal actions editor: the customer's dashboard follows what staff configure."""

from __future__ import annotations

import itertools

import pytest
from sqlmodel import delete

from portal_app.core.db import session_scope
from portal_app.dashboard.models import PortalAction
from portal_app.core import business
from portal_app.dashboard import actions as portal_actions
from portal_app.core.auth import sessions as portal_sessions
from portal_app.dashboard.admin_state import AdminActionsState
from portal_app.dashboard.state import DashboardState
from portal_app.core.states.portal import PortalState
from tests.factories import make_account, make_contact, make_document, staff_ctx, staff_session
import portal_app.documents.components  # noqa: F401,E402  (registers its home card)
from portal_app.documents.state import NewDocumentsCardState
from tests.support.states import sub


def load_home(root, dash):
    """The home page's load: the dashboard, then each card the features registered (as the browser chains them)."""
    for handler in dash.load_dashboard() or []:
        handler.fn(root.get_substate(handler.state_full_name.split(".")[1:]))
    return sub(root, NewDocumentsCardState)

_n = itertools.count(1)


@pytest.fixture(autouse=True)
def _no_actions():
    """Portal actions are business-wide: each test starts and ends without any."""
    with session_scope() as db:
        db.exec(delete(PortalAction))
    portal_actions.forget_cached_actions()
    yield
    with session_scope() as db:
        db.exec(delete(PortalAction))
    portal_actions.forget_cached_actions()


def test_editor_then_dashboard(root, monkeypatch):
    monkeypatch.delitem(portal_actions.DESTINATIONS, "ticket", raising=False)  # a kind no page serves
    with session_scope() as db:
        token = staff_session(db)
        acc = make_account(db, name=f"Dash {next(_n)}")
        admin = make_contact(db, acc, portal_role="admin", language="fr", email=f"dash{next(_n)}@example.com")
        member = make_contact(db, acc, portal_role="member", language="en")
        make_document(db, acc, title="Bienvenue.pdf", by=staff_ctx(db))
        admin_token = portal_sessions.open_session(db, admin.id)
        member_token = portal_sessions.open_session(db, member.id)
    editor = sub(root, AdminActionsState)
    editor.staff_sid = token
    editor.load_actions()
    assert editor.rows == [] and editor.default_language == "en"
    assert [x.code for x in editor.label_languages][0] == "en"
    editor.new_action()
    editor.set_edit_kind("link")
    assert editor.edit.icon == "external_link"
    editor.save_action({"kind": "link", "label_en": "Status", "target": "javascript:alert(1)", "enabled": "on"})
    assert editor.flash_key == "actions.error.target_scheme" and editor.dialog == "form"
    editor.save_action({"kind": "link", "label_en": "", "label_fr": "État", "target": "https://status.example.com",
                        "enabled": "on"})
    assert editor.flash_key == "actions.error.label_required"
    editor.save_action({"kind": "link", "label_en": "Status", "label_fr": "État du réseau",
                        "target": "https://status.example.com", "enabled": "on"})
    assert editor.flash_key == "admin.actions.saved" and editor.dialog != "form"
    editor.new_action()
    editor.set_edit_kind("documents")
    editor.save_action({"kind": "documents", "label_en": "My documents", "label_fr": "Mes documents",
                        "audience": "admins", "enabled": "on"})
    editor.new_action()
    editor.set_edit_kind("ticket")
    editor.save_action({"kind": "ticket", "label_en": "Ticket", "enabled": "on"})
    assert [r.label for r in editor.rows] == ["Status", "My documents", "Ticket"]
    assert editor.rows[2].no_page is True and editor.rows[0].no_page is False
    assert [p.label for p in editor.preview] == ["Status", "My documents"]
    editor.set_preview_lang("fr")
    assert [p.label for p in editor.preview] == ["État du réseau", "Mes documents"]
    editor.set_preview_role("member")
    assert [p.label for p in editor.preview] == ["État du réseau"]
    docs_id = editor.rows[1].id
    editor.move(docs_id, -1)
    assert [r.label for r in editor.rows][:2] == ["My documents", "Status"]

    dash = sub(root, DashboardState)
    dash.portal_sid = admin_token
    sub(root, PortalState).portal_load()
    docs_card = load_home(root, dash)
    assert [a.label for a in dash.actions] == ["Mes documents", "État du réseau"]
    assert [a.external for a in dash.actions] == [False, True]
    assert [d.title for d in docs_card.new_docs] == ["Bienvenue.pdf"]
    assert dash.news[0].text == "Nouveau document : Bienvenue.pdf" and dash.news[0].unread is True
    dash.load_dashboard()  # seen once: still listed, no longer marked
    assert dash.news[0].unread is False

    editor.toggle_enabled(docs_id)
    editor.ask_delete(editor.rows[1].id)
    editor.confirm_delete()
    assert editor.flash_key == "admin.actions.deleted" and len(editor.rows) == 2
    dash.load_dashboard()
    assert dash.actions == []

    member_dash = sub(root, DashboardState)
    member_dash.portal_sid = member_token
    docs_card = load_home(root, member_dash)
    assert docs_card.new_docs == []  # no documents right


def test_editor_ids_and_sessions_are_checked(root):
    with session_scope() as db:
        half = staff_session(db, totp=False)
        full = staff_session(db)
    editor = sub(root, AdminActionsState)
    editor.staff_sid = half
    editor.load_actions()
    assert editor.flash_key == "error.session_over"
    editor.save_action({"kind": "message", "label_en": "Hi", "enabled": "on"})
    assert editor.flash_key == "error.session_over"
    with session_scope() as db:
        assert db.exec(PortalAction.__table__.select()).first() is None
    editor.staff_sid = full
    editor.edit_action(10**9)
    assert editor.flash_key == "error.not_found" and editor.dialog != "form"
    editor.move(10**9, 1)
    assert editor.flash_key == "error.not_found"


def test_preview_as_contact_opens_an_impersonation(root):
    from tests.conftest import run_async

    with session_scope() as db:
        token = staff_session(db)
        contact = make_contact(db, email=f"preview{next(_n)}@example.com")
    editor = sub(root, AdminActionsState)
    editor.staff_sid = token
    run_async(editor.preview_as_contact({"email": "nobody@example.com"}))
    assert editor.flash_key == "admin.actions.unknown_contact"
    redirect = run_async(editor.preview_as_contact({"email": contact.email.upper()}))
    assert redirect is not None
    portal = sub(root, PortalState)
    with session_scope() as db:
        ctx = portal_sessions.resolve_session(db, portal.portal_sid)
    assert ctx.contact_id == contact.id and ctx.impersonating


def test_documents_switched_off_hides_the_card_data(root):
    with session_scope() as db:
        acc = make_account(db)
        c = make_contact(db, acc, portal_role="admin")
        make_document(db, acc, by=staff_ctx(db))
        token = portal_sessions.open_session(db, c.id)
        row = business.get_business(db)
        saved = list(row.modules)
        row.modules = [m for m in row.modules if m != "documents"]
        db.add(row)
    business.forget_cached_business()
    try:
        dash = sub(root, DashboardState)
        dash.portal_sid = token
        docs_card = load_home(root, dash)
        assert docs_card.new_docs == [] and all("document" not in n.text.lower() for n in dash.news)
    finally:
        with session_scope() as db:
            row = business.get_business(db)
            row.modules = saved
            db.add(row)
        business.forget_cached_business()


def test_ids_that_are_not_numbers_are_refused_cleanly(root):
    with session_scope() as db:
        token = staff_session(db)
    editor = sub(root, AdminActionsState)
    editor.staff_sid = token
    for handler in (editor.toggle_enabled, editor.edit_action):
        editor.flash_key = ""
        handler("1; DROP TABLE portal_action")
        assert editor.flash_key == "error.not_found" and editor.dialog != "form"
    editor.flash_key = ""
    editor.move("x", "y")
    assert editor.flash_key == "error.not_found"
    editor.flash_key = ""
    editor.ask_delete("x")
    assert editor.flash_key == "error.not_found" and editor.confirm_delete_id == 0
