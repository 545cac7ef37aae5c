"""Security of the staff side of privacy: the console's archive route answers only the staff member who
prepared the export, with a role that may change contacts, once, within 24 hours; a contact's own archive
and a staff export never cross routes; refusals are recorded."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from starlette.testclient import TestClient

from portal_app.core import clock
from portal_app.core.auth import sessions as portal_sessions, staff as staff_auth
from portal_app.core.db import session_scope
from portal_app.core.routes import build_api
from portal_app.core.states.portal import PORTAL_COOKIE
from portal_app.core.states.staff import STAFF_COOKIE
from portal_app.privacy import requests
from portal_app.privacy.models import PrivacyRequest
from tests.factories import make_account, make_contact, staff_session, staff_session_at_clock
from tests.privacy.conftest import ctx_of
from tests.support.states import refusals

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def client():
    return TestClient(build_api())


@pytest.fixture
def contact():
    with session_scope() as db:
        c = make_contact(db, make_account(db, name="Staff export security"), rights=["gdpr"])
        return c.id, c.account_id, portal_sessions.open_session(db, c.id)


def _staff_export(token: str, contact_id: int) -> int:
    with session_scope() as db:
        row = requests.request_staff_export(db, staff_auth.resolve(db, token), contact_id)
        staff_id = row.requested_by_staff_id
    while requests.build_next_archive(contact_id, staff_id) is not None:
        pass
    return row.id


def _url(request_id: int) -> str:
    with session_scope() as db:
        return requests.staff_archive_path(db.get(PrivacyRequest, request_id))


def _get(client, url, token):
    return client.get(url, cookies={STAFF_COOKIE: token} if token else {})


def test_only_the_staff_member_who_prepared_it_downloads_it_once(contact, client):
    with session_scope() as db:
        mine, colleague, agent = staff_session(db), staff_session(db), staff_session(db, role="agent")
    request_id = _staff_export(mine, contact[0])
    url = _url(request_id)
    before = refusals(contact[1], "privacy_request", request_id)
    other = _get(client, url, colleague)  # another owner: the same answer as a missing export, recorded
    missing = _get(client, f"/api/admin/privacy/archive/999999999/{'a' * 64}", colleague)
    assert other.status_code == missing.status_code == 404 and other.content == missing.content
    assert refusals(contact[1], "privacy_request", request_id) == before + 1
    assert _get(client, url, agent).status_code == 403  # a role that may not change contacts, before any id
    assert _get(client, url, None).status_code == 404  # no session
    assert _get(client, url, "forged").status_code == 404
    for bad in (url[:-1], url.rsplit("/", 1)[0] + "/" + "0" * 64, url.rsplit("/", 1)[0]):
        assert _get(client, bad, mine).status_code == 404
    ok = _get(client, url, mine)
    assert ok.status_code == 200 and ok.content[:2] == b"PK"
    assert ok.headers["content-disposition"].startswith("attachment;") and "no-store" in ok.headers["cache-control"]
    assert _get(client, url, mine).status_code == 404  # once
    with session_scope() as db:
        row = db.get(PrivacyRequest, request_id)
        assert row.status == "downloaded" and row.downloaded_at is not None
        from portal_app.core.models.audit import AuditEvent
        from sqlmodel import select

        taken = db.exec(select(AuditEvent).where(AuditEvent.action == "privacy.staff_archive_downloaded",
                                                 AuditEvent.target_id == contact[0])).all()
        assert len(taken) == 1 and taken[0].actor_type == "staff"


def test_a_staff_export_link_expires_after_24_hours(contact, client):
    clock.freeze(T0)
    with session_scope() as db:
        mine = staff_session_at_clock(db)
    request_id = _staff_export(mine, contact[0])
    with session_scope() as db:
        assert db.get(PrivacyRequest, request_id).expires_at == T0 + timedelta(hours=24)
    url = _url(request_id)
    clock.freeze(T0 + timedelta(hours=24))
    with session_scope() as db:
        fresh = staff_session_at_clock(db)  # the console session would have ended meanwhile
        row = db.get(PrivacyRequest, request_id)
        row.requested_by_staff_id = staff_auth.resolve(db, fresh).staff_id  # the same person, a new login
        db.add(row)
    assert _get(client, _url(request_id), fresh).status_code == 404
    assert url != _url(request_id)  # the link is bound to the staff member: the old one opens nothing either
    with session_scope() as db:
        requests.clean_archives(db)
    with session_scope() as db:
        row = db.get(PrivacyRequest, request_id)
        assert row.status == "expired" and row.stored_name is None and row.downloaded_at is None


def test_the_two_routes_never_cross(contact, client):
    """The contact cannot take a staff export through their route, and staff cannot spend the contact's own
    archive through theirs: each link stays its owner's, once."""
    with session_scope() as db:
        mine = staff_session(db)
        own = requests.create_request(db, ctx_of(db, contact[2]), "export").id
    while requests.build_next_archive(contact[0]) is not None:
        pass
    staff_export = _staff_export(mine, contact[0])
    with session_scope() as db:
        own_row, staff_row = db.get(PrivacyRequest, own), db.get(PrivacyRequest, staff_export)
        customer_link_of_staff_export = requests.archive_path(staff_row)
        staff_link_of_own = requests.staff_archive_path(own_row)
    assert client.get(customer_link_of_staff_export, cookies={PORTAL_COOKIE: contact[2]}).status_code == 404
    assert _get(client, staff_link_of_own, mine).status_code == 404
    with session_scope() as db:
        assert db.get(PrivacyRequest, own).status == "ready"
        assert db.get(PrivacyRequest, staff_export).status == "ready"
    with session_scope() as db:
        assert client.get(requests.archive_path(db.get(PrivacyRequest, own)),
                          cookies={PORTAL_COOKIE: contact[2]}).status_code == 200
