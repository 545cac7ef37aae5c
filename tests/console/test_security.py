"""Console handlers: nothing without a full staff session, and what staff end really ends."""

from __future__ import annotations

import io

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.console.contacts_state import AdminContactState
from portal_app.console.logs_state import AdminLogsState
from portal_app.console.settings_state import AdminSettingsState
from portal_app.core.auth import staff
from portal_app.core.db import session_scope
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.business import BusinessSettings
from portal_app.core.routes import build_api
from portal_app.core.states.portal import PortalState
from portal_app.core.states.staff import StaffState
from portal_app.login.state import LoginState
from tests.conftest import run_async
from tests.factories import make_contact, staff_session
from tests.support.uploads import FakeUpload
from tests.support.states import (
    contact_row,
    last_code,
    public_json,
    staff_tokens,
    sub,
)


@pytest.fixture
def contact() -> tuple[int, str]:
    """A fresh contact of a fresh account: (id, email)."""
    with session_scope() as db:
        row = make_contact(db)
        return row.id, row.email


def test_console_handlers_refuse_without_a_staff_session(root, contact):
    cid, email = contact
    c = sub(root, AdminContactState)
    c.staff_sid = ""
    c.contact_id, c.account_id = cid, 1
    c.save_contact({"email": "hijack@example.com", "language": "en", "portal_role": "admin"})
    assert c.flash_key == "error.session_over"
    from portal_app.core.models.accounts import Contact

    with session_scope() as db:
        assert db.get(Contact, cid).email == email
    assert sub(root, StaffState).admin_load() is not None  # redirected to the console login


def test_staff_sign_out_everywhere_ends_the_customers_sessions(root, contact):
    cid, email = contact
    login = sub(root, LoginState)
    login.submit_email({"email": email})
    login.submit_code({"code": last_code(email)})
    portal = sub(root, PortalState)
    assert portal.authed
    with session_scope() as db:
        token = staff_session(db)
    console = sub(root, AdminContactState)
    console.staff_sid, console.contact_id = token, cid
    console.sign_out_everywhere()
    assert console.flash_kind == "info" and console.flash_params == {"count": "1"}
    assert portal.portal_load() is not None and not portal.authed


def test_console_handlers_need_password_and_totp(root):
    half, full = staff_tokens()
    cid, email, account_id = contact_row()
    page = sub(root, AdminContactState)
    for token in ("", "forged", half):
        page.staff_sid = token
        page.contact_id, page.account_id = cid, account_id
        page.open_invitation()
        assert page.flash_key == "error.session_over" and not page.preview_open
        page.send_invitation()
        assert page.flash_key == "error.session_over"
    logs = sub(root, AdminLogsState)
    logs.staff_sid = half
    logs.view_message(1)
    assert logs.flash_key == "error.session_over" and logs.viewing_body == ""
    page.staff_sid = full
    page.open_invitation()
    assert page.preview_open and email in page.preview_to


def test_impersonation_needs_a_full_staff_session(root):
    half, _ = staff_tokens()
    cid, _, account_id = contact_row()
    page = sub(root, AdminContactState)
    page.staff_sid, page.contact_id, page.account_id = half, cid, account_id
    run_async(page.impersonate())
    assert sub(root, PortalState).portal_sid == ""
    with session_scope() as db:
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "impersonation.start",
                                                AuditEvent.target_id == cid)).first() is None


def test_ids_from_the_browser_are_checked(root):
    _, full = staff_tokens()
    logs = sub(root, AdminLogsState)
    logs.staff_sid = full
    logs.view_message(10**9)  # no such message
    assert logs.flash_key == "error.not_found" and not logs.viewing_open
    logs.view_message("1; DROP TABLE contact")  # not a number: ignored
    assert not logs.viewing_open


@pytest.mark.parametrize("data,name", [(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "logo.png"),
                                       (b"MZ\x90\x00 an executable", "logo.jpg"),
                                       (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "../../logo.png")])
def test_bad_branding_files_are_refused_with_a_message(root, data, name):
    _, full = staff_tokens()
    page = sub(root, AdminSettingsState)
    page.staff_sid = full
    with session_scope() as db:
        before = db.get(BusinessSettings, 1).logo_file if db.get(BusinessSettings, 1) else None
    run_async(page.upload_logo([FakeUpload(data, name)]))
    assert page.flash_kind == "error" and page.flash_key == "settings.error.image_type"
    with session_scope() as db:
        row = db.get(BusinessSettings, 1)
        assert (row.logo_file if row else None) == before


def test_a_real_logo_is_accepted_and_served(root):
    from PIL import Image

    _, full = staff_tokens()
    page = sub(root, AdminSettingsState)
    page.staff_sid = full
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buf, format="PNG")
    run_async(page.upload_logo([FakeUpload(buf.getvalue(), "../../evil name.png")]))
    assert page.flash_kind == "info", page.flash_key
    assert page.logo_url.startswith("/api/brand/logo?v=logo-")
    response = TestClient(build_api()).get("/api/brand/logo")
    assert response.status_code == 200 and response.content == buf.getvalue()
    assert response.headers["x-content-type-options"] == "nosniff"


def test_console_logout_leaves_nothing_of_the_console_in_the_tab(root):
    from portal_app.console.contacts_state import AdminContactsState
    from portal_app.core.states.staff import StaffState

    _, full = staff_tokens()
    cid, email, _ = contact_row(mobile="+33612345699")
    contacts = sub(root, AdminContactsState)
    contacts.staff_sid = full
    contacts.search({"q": email})
    assert contacts.rows and email in public_json(root)
    run_async(sub(root, StaffState).staff_logout())
    blob = public_json(root)
    assert email not in blob and "+33612345699" not in blob and full not in blob
    with session_scope() as db:
        assert staff.resolve(db, full) is None
