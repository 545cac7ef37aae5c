"""Security: handlers without a session or with someone else's credentials, routes, brute force, bad files."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from portal_app.core.routes import build_api
from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Contact
from portal_app.core.models.notify import OutboundMessage
from portal_app.core import clock, notify
from portal_app.core.auth import login, sessions as portal_sessions, staff
from portal_app.core.errors import DomainError
from portal_app.core.states.portal import PortalState
from portal_app.core.states.staff import STAFF_COOKIE
from portal_app.core.models.auth import StaffUser
from portal_app.core.security import decrypt_secret
from tests.factories import make_contact, make_staff
from tests.support.states import STAFF_PASSWORD as PASSWORD, contact_row, staff_tokens, sub

_n = itertools.count(1)






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


def test_the_qr_code_and_the_key_in_text_name_one_secret_when_fetched_together():
    """The enrolment page fetches the QR code and the key in text at the same time. The secret used to be
    made by whichever request came first, so the two could show different keys and the code typed from
    the QR was refused (seen in CI). The password step makes it now; the two routes only read it."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import parse_qs, urlparse

    with session_scope() as db:
        user = make_staff(db, email=f"together{next(_n)}@guichet.example", password=PASSWORD)
        pending, _ = staff.login_password(db, user.email, PASSWORD)
    with session_scope() as db:
        stored = decrypt_secret(db.get(StaffUser, user.id).totp_secret_enc)  # made by the password step
    client = TestClient(build_api())

    def key_text(_):
        response = client.get("/api/admin/totp-key", cookies={STAFF_COOKIE: pending})
        assert response.status_code == 200
        return re.search(r'id="key">([A-Z2-7 ]+)', response.text).group(1).replace(" ", "")

    with ThreadPoolExecutor(8) as pool:
        keys_seen = set(pool.map(key_text, range(16)))
    assert keys_seen == {stored}
    with session_scope() as db:
        uri = staff.enrolment_uri(db, pending)
    assert parse_qs(urlparse(uri).query)["secret"] == [stored]


@pytest.mark.parametrize("path", ["/api/brand/secret.key", "/api/brand/..%2Fsecret.key", "/api/brand/logo%00",
                                  "/api/brand/../../etc/passwd", "/api/brand/"])
def test_brand_route_serves_nothing_but_the_current_images(path):
    client = TestClient(build_api())
    assert client.get(path).status_code == 404


# ---- brute force --------------------------------------------------------------------------------


def test_guessing_codes_is_bounded_per_address_per_hour(db):
    """From one client address: 5 codes an hour, 5 tries each. From many addresses the budgets are per
    address (a stranger cannot use up the owner's), so the bound is the contact's 100 failures a day:
    beyond them not even the right code works."""
    c = make_contact(db)
    t0 = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)

    def guess(ips) -> int:
        guesses = 0
        for i, ip in enumerate(ips):  # an attacker restarting the login over and over
            clock.freeze(t0 + timedelta(seconds=31 * i))
            try:
                sent = login.request_code(db, c.email, ip)
            except DomainError as exc:
                assert exc.key == "login.error.too_many_codes"
                continue
            for _ in range(10):
                guesses += 1
                try:
                    login.verify_code(db, sent.challenge_id, "000000" if guesses % 2 else "999999")
                except DomainError as exc:
                    if exc.key == "login.error.too_many_tries":
                        break
        return guesses

    assert guess(["198.51.100.1"] * 20) == 5 * 5
    assert guess([f"198.51.100.{i}" for i in range(2, 40)]) == 38 * 5  # tries go on, but past 100 failures…
    sent = login.request_code(db, c.email, "203.0.113.1")
    for d in sent.deliveries:
        notify.deliver(db, d)
    code = re.search(r"\b(\d{6})\b", db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == c.id)
                                             .order_by(OutboundMessage.id.desc())).first().body_text).group(1)
    with pytest.raises(DomainError) as err:  # …nothing can succeed for a day, not even the right code
        login.verify_code(db, sent.challenge_id, code)
    assert err.value.key == "login.error.code_wrong"


# ---- files --------------------------------------------------------------------------------------


@pytest.mark.parametrize("area", ["documents", "messages"])
def test_nothing_goes_to_the_public_upload_folder(area):
    """Reflex serves its upload folder to anyone: private files live in data_dir, never there or in assets."""
    import reflex as rx

    from portal_app.core import files as file_intake
    from portal_app.core.config import get_settings
    from tests.conftest import REPO_ROOT

    upload_dir = rx.get_upload_dir().resolve()
    data_dir = get_settings().data_dir.resolve()
    stored = file_intake.area_dir(area).resolve()
    assert upload_dir not in stored.parents and stored != upload_dir
    assert (REPO_ROOT / "assets").resolve() not in stored.parents
    assert data_dir in stored.parents
    assert not [p for p in upload_dir.rglob("*") if p.is_file()]
