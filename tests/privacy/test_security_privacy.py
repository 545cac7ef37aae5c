"""Security of the GDPR space: another contact's (or account's) archive refused by URL and recorded; the
link is single-use and expires after 24 h; no session, a forged one, staff impersonating, or a contact
without the GDPR right get nothing; customer handlers take no foreign id; consent and requests are
refused while staff impersonate; the console queue needs its area."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from starlette.testclient import TestClient

from portal_app.core import clock
from portal_app.core.auth import impersonation
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.core.errors import Forbidden
from portal_app.core.models.accounts import Account
from portal_app.core.routes import build_api
from portal_app.core.states.portal import PORTAL_COOKIE
from portal_app.privacy import consents, requests
from portal_app.privacy.admin_state import AdminPrivacyRequestsState
from portal_app.privacy.models import PrivacyRequest
from portal_app.privacy.state import PrivacyState
from tests.factories import make_contact, staff_ctx
from tests.privacy.conftest import ctx_of, gdpr_contact
from tests.support.states import refusals, sub

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def client():
    return TestClient(build_api())


def _ready_archive(token) -> int:
    with session_scope() as db:
        row = requests.create_request(db, ctx_of(db, token), "export")
    while requests.build_next_archive() is not None:
        pass
    return row.id


def _url(request_id) -> str:
    """The archive's link as the page shows it (a missing request: a plausible one)."""
    with session_scope() as db:
        row = db.get(PrivacyRequest, request_id)
        return requests.archive_path(row) if row else f"/api/privacy/archive/{request_id}/{'a' * 64}"


def test_the_link_needs_its_token(person, client):
    clock.freeze(T0)
    request_id = _ready_archive(person[2])
    cookies = {PORTAL_COOKIE: person[2]}
    for bad in (f"/api/privacy/archive/{request_id}", f"/api/privacy/archive/{request_id}/{'0' * 64}",
                f"/api/privacy/archive/{request_id}/", _url(request_id)[:-1]):
        assert client.get(bad, cookies=cookies).status_code == 404
    assert client.get(_url(request_id), cookies=cookies).status_code == 200


@pytest.fixture
def two():
    """Two contacts of one account and one of another, each with a session."""
    with session_scope() as db:
        mine = gdpr_contact(db)
        colleague = gdpr_contact(db)
        same_account = gdpr_contact(db, account=db.get(Account, mine.account_id))
        return {name: (c.id, c.account_id, portal_sessions.open_session(db, c.id))
                for name, c in (("mine", mine), ("other_account", colleague), ("colleague", same_account))}


def test_another_contacts_archive_is_refused_by_url_and_recorded(two, client):
    clock.freeze(T0)
    request_id = _ready_archive(two["mine"][2])
    for who in ("other_account", "colleague"):
        _, account_id, token = two[who]
        before = refusals(account_id, "privacy_request", request_id)
        other = client.get(_url(request_id), cookies={PORTAL_COOKIE: token})
        missing = client.get(_url(999999999), cookies={PORTAL_COOKIE: token})
        assert other.status_code == missing.status_code == 404 and other.content == missing.content
        assert refusals(account_id, "privacy_request", request_id) == before + 1
    assert client.get(_url(request_id)).status_code == 404  # no session
    assert client.get(_url(request_id), cookies={PORTAL_COOKIE: "forged"}).status_code == 404
    ok = client.get(_url(request_id), cookies={PORTAL_COOKIE: two["mine"][2]})  # still there for its owner
    assert ok.status_code == 200 and ok.content[:2] == b"PK"
    assert ok.headers["content-disposition"].startswith("attachment;") and "no-store" in ok.headers["cache-control"]


def test_the_archive_link_works_once(person, client):
    clock.freeze(T0)
    request_id = _ready_archive(person[2])
    cookies = {PORTAL_COOKIE: person[2]}
    assert client.get(_url(request_id), cookies=cookies).status_code == 200
    assert client.get(_url(request_id), cookies=cookies).status_code == 404
    with session_scope() as db:
        assert db.get(PrivacyRequest, request_id).status == "downloaded"


def test_the_archive_link_expires_after_24_hours(person, client):
    clock.freeze(T0)
    request_id = _ready_archive(person[2])
    cookies = {PORTAL_COOKIE: person[2]}
    with session_scope() as db:
        assert db.get(PrivacyRequest, request_id).expires_at == T0 + timedelta(hours=24)
    # the portal session would have ended meanwhile: a fresh one, the same contact
    clock.freeze(T0 + timedelta(hours=24) - timedelta(seconds=1))
    with session_scope() as db:
        assert requests.list_for_contact(db, ctx_of(db, person[2]))[0].status == "ready"  # a second before
    clock.freeze(T0 + timedelta(hours=24))
    with session_scope() as db:
        cookies = {PORTAL_COOKIE: portal_sessions.open_session(db, person[0])}
    assert client.get(_url(request_id), cookies=cookies).status_code == 404
    with session_scope() as db:
        requests.clean_archives(db)
    with session_scope() as db:
        row = db.get(PrivacyRequest, request_id)
        assert row.status == "expired" and row.stored_name is None and row.downloaded_at is None


def test_staff_impersonating_cannot_take_the_archive(person, client):
    clock.freeze(T0)
    request_id = _ready_archive(person[2])
    with session_scope() as db:
        as_them = impersonation.start(db, staff_ctx(db), person[0])
    assert client.get(_url(request_id), cookies={PORTAL_COOKIE: as_them}).status_code == 404
    assert client.get(_url(request_id), cookies={PORTAL_COOKIE: person[2]}).status_code == 200


def test_a_contact_without_the_gdpr_right_gets_nothing(client, root):
    with session_scope() as db:
        c = make_contact(db, portal_role="admin", rights=["invoices"])
        token = portal_sessions.open_session(db, c.id)
    page = sub(root, PrivacyState)
    page.portal_sid = token
    page.load_privacy()
    assert page.error_key == "error.forbidden" and page.email == ""
    page.request_export()
    assert page.error_key == "error.forbidden"
    with session_scope() as db:
        with pytest.raises(Forbidden):  # the rule itself refuses too
            requests.create_request(db, ctx_of(db, token), "export")


def test_handlers_refuse_while_staff_impersonate(person, root):
    clock.freeze(T0)  # the shared staff session of this module was opened at T0
    with session_scope() as db:
        purpose = consents.save_purpose(db, staff_ctx(db).actor, None, names={"en": "Surveys"}, descriptions={},
                                        active=True)
        as_them = impersonation.start(db, staff_ctx(db), person[0])
    page = sub(root, PrivacyState)
    page.portal_sid = as_them
    page.load_privacy()
    assert page.error_key == "" and page.purposes  # staff may look
    page.set_consent(purpose.id, True)
    assert page.error_key == "impersonation.error.refused"
    page.request_export()
    page.request_erasure()
    page.start_change({"what": "email", "value": "staff@example.com"})
    assert page.error_key == "impersonation.error.refused"
    with session_scope() as db:
        assert consents.history(db, ctx_of(db, person[2])) == []
        assert requests.list_for_contact(db, ctx_of(db, person[2])) == []


def test_consent_handler_takes_only_an_id_and_a_purpose_must_exist(person, root):
    page = sub(root, PrivacyState)
    page.portal_sid = person[2]
    page.load_privacy()
    for bad in ("1 or 1=1", -1, 0, "../1", 999999999):
        page.set_consent(bad, True)
        assert page.error_key == "error.not_found"


def test_the_request_queue_needs_the_accounts_area(root):
    from tests.factories import staff_session

    with session_scope() as db:
        agent = staff_session(db, role="agent")
    page = sub(root, AdminPrivacyRequestsState)
    page.staff_sid = agent
    page.load_list()  # agents read the queue
    assert page.error_key == ""
    page.chosen_id = 1
    page.fulfil()  # but do not erase
    assert page.error_key == "error.role_forbidden"
