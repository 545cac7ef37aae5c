"""Security: handlers without a session or with someone else's credentials, routes, brute force, bad files."""

from __future__ import annotations

import io
import itertools
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.core.routes import build_api
from portal_app.core.db import session_scope
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.business import BusinessSettings
from portal_app.core.models.accounts import Contact
from portal_app.core import clock
from portal_app.core.auth import login, sessions as portal_sessions, staff
from portal_app.core.errors import DomainError
from portal_app.console.contacts_state import AdminContactState
from portal_app.console.logs_state import AdminLogsState
from portal_app.console.settings_state import AdminSettingsState
from portal_app.core.states.portal import PortalState
from portal_app.core.states.staff import STAFF_COOKIE
from tests.conftest import run_async
from tests.factories import make_contact, make_staff, staff_session
from tests.support.states import public_json, sub

_n = itertools.count(1)
PASSWORD = "a long staff password"


def contact_row(**kw):
    with session_scope() as db:
        c = make_contact(db, email=f"sec{next(_n)}@example.com", **kw)
        return c.id, c.email, c.account_id


def staff_tokens():
    """(password-only token, fully authenticated token), each for a new staff member."""
    with session_scope() as db:
        return staff_session(db, totp=False, password=PASSWORD), staff_session(db, password=PASSWORD)


# ---- portal handlers --------------------------------------------------------------------------


def test_language_change_without_session_touches_no_contact(root):
    cid, _, _ = contact_row(language="en")
    portal = sub(root, PortalState)
    portal.load_site()
    portal.portal_sid = "made-up"
    portal.choose_language("de")
    with session_scope() as db:
        assert db.get(Contact, cid).language == "en"


def test_a_customer_session_cannot_end_an_impersonation_or_reach_the_console(root):
    cid, _, _ = contact_row()
    with session_scope() as db:
        token = portal_sessions.open_session(db, cid)
    portal = sub(root, PortalState)
    portal.portal_sid = token
    assert portal.end_impersonation() is None  # not an impersonation: nothing happens
    with session_scope() as db:
        assert portal_sessions.resolve_session(db, token) is not None
        assert staff.resolve(db, token) is None  # a portal token is not a console token
        assert staff.resolve(db, token, require_mfa=False) is None


def test_a_staff_token_is_not_a_portal_token():
    _, full = staff_tokens()
    with session_scope() as db:
        assert portal_sessions.resolve_session(db, full) is None


# ---- console handlers -------------------------------------------------------------------------


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


# ---- routes -------------------------------------------------------------------------------------


def test_totp_qr_only_for_a_staff_member_mid_enrolment():
    client = TestClient(build_api())
    assert client.get("/api/admin/totp-enrol.svg").status_code == 404
    half, full = staff_tokens()
    assert client.get("/api/admin/totp-enrol.svg", cookies={STAFF_COOKIE: full}).status_code == 404
    with session_scope() as db:
        user = make_staff(db, email=f"enrol{next(_n)}@guichet.example", password=PASSWORD)
        pending, _ = staff.login_password(db, user.email, PASSWORD)
    response = client.get("/api/admin/totp-enrol.svg", cookies={STAFF_COOKIE: pending})
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"] == "no-store"
    # a customer's session cookie under the staff cookie name gets nothing
    cid, _, _ = contact_row()
    with session_scope() as db:
        customer_token = portal_sessions.open_session(db, cid)
    assert client.get("/api/admin/totp-enrol.svg", cookies={STAFF_COOKIE: customer_token}).status_code == 404


@pytest.mark.parametrize("path", ["/api/brand/secret.key", "/api/brand/..%2Fsecret.key", "/api/brand/logo%00",
                                  "/api/brand/../../etc/passwd", "/api/brand/"])
def test_brand_route_serves_nothing_but_the_current_images(path):
    client = TestClient(build_api())
    assert client.get(path).status_code == 404


# ---- brute force --------------------------------------------------------------------------------


def test_guessing_codes_is_bounded_per_address_per_hour(db):
    c = make_contact(db)
    t0 = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
    guesses = 0
    for i in range(20):  # an attacker restarting the login over and over
        clock.freeze(t0 + timedelta(minutes=i))
        try:
            sent = login.request_code(db, c.email, f"198.51.100.{i}")
        except DomainError as exc:
            assert exc.key == "login.error.too_many_codes"
            continue
        for _ in range(10):
            try:
                login.verify_code(db, sent.challenge_id, "000000")
                guesses += 1
            except DomainError as exc:
                guesses += 1
                if exc.key == "login.error.too_many_tries":
                    break
    assert guesses <= login.MAX_CODES_PER_CONTACT_PER_HOUR * login.MAX_CODE_ATTEMPTS


# ---- files --------------------------------------------------------------------------------------


class FakeUpload:
    def __init__(self, data: bytes, name: str):
        self._data, self.filename, self.name = data, name, name

    async def read(self, n: int = -1) -> bytes:
        return self._data if n < 0 else self._data[:n]


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
