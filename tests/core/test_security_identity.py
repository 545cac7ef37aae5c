"""Security of the customer identity methods: passkeys cannot cross contacts, ceremonies stay on the
server, impersonation and no-session callers register nothing."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone  # noqa: F401

import pytest
from sqlmodel import select

from portal_app.core import clock
from portal_app.core.auth import passkeys
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.auth import Passkey
from portal_app.core.states.portal import PortalState
from portal_app.login.password_state import PasswordState
from portal_app.login.security_state import SecurityState
from portal_app.login.state import LoginState
from tests.conftest import run_async
from tests.factories import make_contact, portal_ctx
from tests.support.states import last_code, public_json, sub
from tests.support.webauthn_soft import SoftAuthenticator, b64

_n = itertools.count(1)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _clock():
    clock.freeze(None)
    yield
    clock.freeze(None)


def two_contacts(db):
    a = make_contact(db, email="a@example.com")
    b = make_contact(db, email="b@example.com")
    return a, b


def enrol(db, contact, device):
    ctx = portal_ctx(db, contact)
    options, ceremony = passkeys.registration_options(db, ctx)
    response, cred_id = device.create(options)
    passkeys.register(db, ctx, ceremony, response)
    return cred_id


def test_a_passkey_of_a_cannot_log_in_as_b(db):
    clock.freeze(T0)
    a, b = two_contacts(db)
    device = SoftAuthenticator()
    cred_a, cred_b = enrol(db, a, device), enrol(db, b, device)
    # A's credential claiming B's user handle.
    options, ceremony = passkeys.authentication_options()
    handle_b = device.keys[cred_b][1]
    with pytest.raises(DomainError):
        passkeys.login(db, ceremony, device.get(options, cred_a, user_handle=handle_b))
    # B's credential id, signed with A's key.
    options, ceremony = passkeys.authentication_options()
    forged = json.loads(device.get(options, cred_a))
    forged["id"] = forged["rawId"] = b64(cred_b)
    with pytest.raises(DomainError) as exc:
        passkeys.login(db, ceremony, json.dumps(forged))
    assert exc.value.key == "passkey.error.failed"
    # A's own passkey logs in as A, never as B.
    options, ceremony = passkeys.authentication_options()
    _, ctx = passkeys.login(db, ceremony, device.get(options, cred_a))
    assert ctx.contact_id == a.id


def test_another_contacts_passkey_id_is_not_found(db):
    clock.freeze(T0)
    a, b = two_contacts(db)
    enrol(db, a, SoftAuthenticator())
    row = db.exec(select(Passkey)).one()
    with pytest.raises(NotFound):
        passkeys.remove(db, portal_ctx(db, b), row.id)
    assert passkeys.count(db, a.id) == 1


def _captured(monkeypatch, name):
    seen = {}
    original = getattr(passkeys, name)

    def capture(*args, **kwargs):
        seen["options"], ceremony = original(*args, **kwargs)
        return seen["options"], ceremony

    monkeypatch.setattr(passkeys, name, capture)
    return seen


def test_passkey_through_the_handlers_keeps_the_challenge_server_side(root, monkeypatch):
    with session_scope() as db:
        email = f"pk{next(_n)}@example.com"
        make_contact(db, email=email)
    login = sub(root, LoginState)
    login.submit_email({"email": email})
    login.submit_code({"code": last_code(email)})
    security = sub(root, SecurityState)
    security.load_offer()
    assert security.offer_passkey
    device = SoftAuthenticator()
    seen = _captured(monkeypatch, "registration_options")
    security.start_registration({"name": "  My   phone "})
    challenge = json.loads(seen["options"])["challenge"]
    assert challenge not in public_json(root)  # the ceremony is a backend-only var
    response, cred_id = device.create(seen["options"])
    security.finish_registration(response)
    assert security.error_key == "" and [p.name for p in security.passkeys] == ["My phone"]
    assert not security.offer_passkey
    security.finish_registration(response)  # the ceremony was good once
    assert security.error_key == "passkey.error.ceremony_over"

    run_async(sub(root, PortalState).logout())
    seen = _captured(monkeypatch, "authentication_options")
    login = sub(root, LoginState)
    login.start_passkey()
    assert json.loads(seen["options"])["challenge"] not in public_json(root)
    login.finish_passkey(device.get(seen["options"], cred_id))
    assert login.error_key == "" and sub(root, PortalState).authed
    login.finish_passkey(device.get(seen["options"], cred_id))  # no ceremony left
    assert login.error_key == "passkey.error.ceremony_over"


def test_a_cancelled_passkey_says_so_and_logs_nobody_in(root):
    login = sub(root, LoginState)
    login.start_passkey()
    login.finish_passkey("")
    assert login.error_key == "passkey.error.cancelled" and not sub(root, PortalState).authed


def test_without_a_session_nothing_is_registered(root):
    security = sub(root, SecurityState)
    security.start_registration({"name": "x"})
    assert security.error_key == "error.session_over"
    with session_scope() as db:
        before = passkeys_total(db)
    security.finish_registration('{"id": "x"}')
    with session_scope() as db:
        assert passkeys_total(db) == before


def passkeys_total(db) -> int:
    return len(db.exec(select(Passkey.id)).all())



# ---- customer TOTP and trusted browsers -----------------------------------------------------------

def _app_code(contact_id: int) -> str:
    import pyotp

    from portal_app.core.models.accounts import Contact
    from portal_app.core.security import decrypt_secret
    with session_scope() as db:
        return pyotp.TOTP(decrypt_secret(db.get(Contact, contact_id).totp_secret_enc)).at(clock.now())


def test_totp_through_the_handlers_keeps_the_secret_out_of_state(root):
    from starlette.testclient import TestClient

    from portal_app.core.routes import build_api
    from portal_app.core.states.portal import PORTAL_COOKIE

    with session_scope() as db:
        email = f"totp{next(_n)}@example.com"
        contact_id = make_contact(db, email=email).id
    login = sub(root, LoginState)
    login.submit_email({"email": email})
    login.submit_code({"code": last_code(email)})
    security = sub(root, SecurityState)
    security.load_security()
    security.start_totp()
    assert security.totp_enrolling and security.error_key == ""
    client = TestClient(build_api())
    sid = sub(root, PortalState).portal_sid
    assert client.get("/api/portal/totp-enrol.svg").status_code == 404  # no session
    qr = client.get("/api/portal/totp-enrol.svg", cookies={PORTAL_COOKIE: sid})
    key = client.get("/api/portal/totp-key", cookies={PORTAL_COOKIE: sid})
    assert qr.status_code == 200 and qr.headers["cache-control"] == "no-store"
    secret = key.text.split('id="key">')[1].split("<")[0].replace(" ", "")
    assert len(secret) >= 16 and secret not in public_json(root)
    security.confirm_totp({"code": _app_code(contact_id)})
    assert security.totp_on and len(security.recovery_codes) == 10
    assert client.get("/api/portal/totp-key", cookies={PORTAL_COOKIE: sid}).status_code == 404  # on: no key
    security.load_security()
    assert security.recovery_codes == []  # shown once

    # The next login asks for the app, and "trust this browser" skips it next time.
    run_async(sub(root, PortalState).logout())
    login = sub(root, LoginState)
    login.submit_email({"email": email})
    login.submit_code({"code": last_code(email)})
    assert login.step == "totp" and not sub(root, PortalState).authed
    login.submit_totp({"code": "000000" if _app_code(contact_id) != "000000" else "111111"})
    assert login.error_key == "login.error.code_wrong"
    clock.freeze(clock.now() + timedelta(seconds=31))
    login.submit_totp({"code": _app_code(contact_id), "trust": "on"})
    assert login.error_key == "" and sub(root, PortalState).authed
    security.load_security()
    assert len(security.trusted) == 1
    run_async(sub(root, PortalState).logout())
    login = sub(root, LoginState)
    login.submit_email({"email": email})
    login.submit_code({"code": last_code(email)})
    assert sub(root, PortalState).authed and login.step == "email"  # trusted: no app step
    security.load_security()
    security.revoke_trusted(security.trusted[0].id)
    assert security.trusted == [] and security.success_key == "trusted.revoked"


def test_totp_routes_give_nothing_to_an_impersonation_or_a_stranger(db):
    from dataclasses import replace

    from portal_app.core.auth import totp
    from tests.factories import make_staff
    a, b = two_contacts(db)
    totp.start_enrolment(db, portal_ctx(db, a))
    assert totp.enrolment_uri(db, portal_ctx(db, b)) is None  # b has no enrolment; a's is not shown to b
    ctx = replace(portal_ctx(db, a), impersonator_staff_id=make_staff(db).id, impersonator_name="Sam")
    assert totp.enrolment_uri(db, ctx) is None


# ---- passwords ----------------------------------------------------------------------------------

@pytest.fixture
def passwords_on(db):
    from portal_app.core.business import forget_cached_business
    from tests.factories import set_business
    set_business(db, password_login_enabled=True)
    yield
    forget_cached_business()


def _link(db, deliveries) -> str:
    import re

    from portal_app.core.models.notify import OutboundMessage
    return re.search(r"/password\?token=([\w-]+)", db.get(OutboundMessage, deliveries[0].message_id).body_text).group(1)


def test_reset_links_are_single_use_and_expire(db, passwords_on):
    from portal_app.core.auth import passwords
    clock.freeze(T0)
    a, _ = two_contacts(db)
    token = _link(db, passwords.request_link(db, a.email))
    passwords.set_password(db, token, "plum-harbour-kettle-91")
    with pytest.raises(DomainError):
        passwords.set_password(db, token, "another-long-phrase-77")  # used
    token = _link(db, passwords.request_link(db, a.email))
    clock.freeze(T0 + timedelta(hours=1))
    with pytest.raises(DomainError) as exc:
        passwords.set_password(db, token, "another-long-phrase-77")  # expired
    assert exc.value.key == "password.error.link_over"
    with pytest.raises(DomainError):
        passwords.set_password(db, "x" * 43, "another-long-phrase-77")  # made up
    with pytest.raises(DomainError):
        passwords.set_password(db, token + "\x00", "another-long-phrase-77")


def test_known_and_unknown_emails_get_the_same_answers(db, passwords_on):
    from portal_app.core.auth import passwords
    from portal_app.core.models.auth import LoginAttempt
    clock.freeze(T0)
    a, _ = two_contacts(db)
    inactive = make_contact(db, email="gone@example.com", active=False)
    passwords.set_password(db, _link(db, passwords.request_link(db, a.email)), "plum-harbour-kettle-91")
    # The link request: no error and nothing on screen differs; only a contact who may log in gets mail.
    for email in (a.email, "nobody@example.com", inactive.email):
        assert isinstance(passwords.request_link(db, email, "10.0.0.5"), list)
    # The login: one answer for a wrong password, an unknown address, an inactive contact, no password.
    answers = set()
    for email, password in ((a.email, "wrong-password-here"), ("nobody@example.com", "wrong-password-here"),
                            (inactive.email, "plum-harbour-kettle-91"), ("b@example.com", "whatever-password"),
                            (a.email, "é" * 80)):
        with pytest.raises(DomainError) as exc:
            passwords.login(db, email, password, "10.0.0.6")
        answers.add((exc.value.key, tuple(exc.value.params.items())))
    assert answers == {("password.error.credentials", ())}
    # Every attempt left a row, known or not.
    assert len(db.exec(select(LoginAttempt).where(LoginAttempt.client_ip == "10.0.0.6")).all()) == 5


def test_the_same_bcrypt_time_for_known_and_unknown_addresses(db, passwords_on, monkeypatch):
    """Unknown addresses run bcrypt too (a dummy check), so timing does not tell them apart."""
    from portal_app.core.auth import passwords
    clock.freeze(T0)
    a, _ = two_contacts(db)
    passwords.set_password(db, _link(db, passwords.request_link(db, a.email)), "plum-harbour-kettle-91")
    calls = []
    monkeypatch.setattr(passwords, "check_password", lambda *args: calls.append("real") or False)
    monkeypatch.setattr(passwords, "dummy_password_check", lambda *args: calls.append("dummy"))
    for email in (a.email, "nobody@example.com", "b@example.com"):
        with pytest.raises(DomainError):
            passwords.login(db, email, "wrong-password-here")
    assert calls == ["real", "dummy", "dummy"]


def test_staff_enrolment_shows_the_key_as_text_only_mid_enrolment():
    from starlette.testclient import TestClient

    from portal_app.core.auth import staff
    from portal_app.core.routes import build_api
    from portal_app.core.states.staff import STAFF_COOKIE
    from tests.factories import make_staff
    client = TestClient(build_api())
    assert client.get("/api/admin/totp-key").status_code == 404
    with session_scope() as db:
        user = make_staff(db, email=f"key{next(_n)}@guichet.example", password="correct horse battery")
        pending, _ = staff.login_password(db, user.email, "correct horse battery")
    response = client.get("/api/admin/totp-key", cookies={STAFF_COOKIE: pending})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert re_key(response.text)


def re_key(text: str) -> bool:
    import re
    return bool(re.search(r'id="key">([A-Z2-7]{4} ?){4,}', text))


def test_a_passkey_added_from_the_home_card_says_saved_on_the_page_it_opens(root, monkeypatch):
    with session_scope() as db:
        email = f"pkhome{next(_n)}@example.com"
        make_contact(db, email=email)
    login = sub(root, LoginState)
    login.submit_email({"email": email})
    login.submit_code({"code": last_code(email)})
    security = sub(root, SecurityState)
    seen = _captured(monkeypatch, "registration_options")
    security.start_registration({"name": "Phone", "after": "security"})
    redirect = security.finish_registration(SoftAuthenticator().create(seen["options"])[0])
    assert redirect is not None
    security.load_security()  # the page the redirect opens
    assert security.success_key == "passkey.added"
    security.load_security()  # any later visit starts clean
    assert security.success_key == ""



def test_passwords_through_the_handlers_stay_out_of_state(root):
    """The link's token, the typed passwords and the hash never reach a public var; the page opened by the
    link works once."""
    import re

    from portal_app.core.business import forget_cached_business, get_business
    from portal_app.core.models.accounts import Contact
    from portal_app.core.models.notify import OutboundMessage
    from tests.support.states import router_data

    with session_scope() as db:
        email = f"pw{next(_n)}@example.com"
        contact_id = make_contact(db, email=email).id
        get_business(db).password_login_enabled = True
    forget_cached_business()
    try:
        login = sub(root, LoginState)
        login.choose_step("forgot")
        login.request_password_link({"email": email})
        assert login.info_key == "password.link_sent"
        with session_scope() as db:
            body = db.exec(select(OutboundMessage.body_text).where(OutboundMessage.contact_id == contact_id,
                                                                   OutboundMessage.template == "password_first")).one()
        token = re.search(r"/password\?token=([\w-]+)", body).group(1)
        page = sub(root, PasswordState)
        page.router = router_data("/password", {"token": token})
        page.password_load()
        assert page.link_ok
        page.save_password({"password": "quiet-harbour-lantern-42"})
        assert page.done and not page.link_ok
        page.password_load()
        assert not page.link_ok and page.error_key == "password.error.link_over"
        page.router = router_data("/login", {})  # the token leaves the URL with the page

        login.choose_step("password")
        login.submit_password({"email": email, "password": "quiet-harbour-lantern-42"})
        assert sub(root, PortalState).authed
        with session_scope() as db:
            hashed = db.get(Contact, contact_id).password_hash
        state = public_json(root)
        assert token not in state and "quiet-harbour-lantern-42" not in state and hashed not in state
    finally:
        with session_scope() as db:
            get_business(db).password_login_enabled = False
        forget_cached_business()


def test_an_impersonation_removes_no_passkey_and_revokes_no_trusted_browser(root):
    from portal_app.core.auth import devices
    from portal_app.core.models.auth import TrustedDevice
    from tests.console.test_security_impersonation import _impersonating

    with session_scope() as db:
        contact = make_contact(db, email=f"imp{next(_n)}@example.com")
        key = Passkey(contact_id=contact.id, credential_id=f"cred-imp-{contact.id}", public_key="pk", name="Phone")
        trusted = TrustedDevice(contact_id=contact.id, device_id=f"dev{contact.id}", label="Laptop",
                                expires_at=clock.now() + timedelta(days=30))
        db.add_all([key, trusted])
        db.flush()
        contact_id, key_id, trusted_id = contact.id, key.id, trusted.id
    page = sub(root, SecurityState)
    page.portal_sid = _impersonating(contact_id)
    page.load_security()
    assert [p.id for p in page.passkeys] == [key_id] and [d.id for d in page.trusted] == [trusted_id]
    page.remove_passkey(key_id)
    assert "not possible while staff view the portal" in page.error_text
    page.revoke_trusted(trusted_id)
    assert "not possible while staff view the portal" in page.error_text
    with session_scope() as db:
        assert db.get(Passkey, key_id) is not None
        assert devices.trusted(db, contact_id, f"dev{contact_id}") is not None


def test_known_and_unknown_addresses_do_the_same_work(db, passwords_on, monkeypatch):
    """The link and the code requests render and write their email for an unknown address too, then roll
    the write back, so the answer's time does not tell the addresses apart; only a known address keeps a
    queued message."""
    from portal_app.core import notify
    from portal_app.core.auth import login, passwords
    from portal_app.core.models.notify import OutboundMessage
    clock.freeze(T0)
    a, _ = two_contacts(db)
    done = []
    real_render, real_store = notify.render_email, notify.store
    monkeypatch.setattr(notify, "render_email", lambda template, *args, **kw: done.append(("render", template))
                        or real_render(template, *args, **kw))
    monkeypatch.setattr(notify, "store", lambda db_, **kw: done.append(("write", kw["template"]))
                        or real_store(db_, **kw))

    def kept() -> int:
        return len(db.exec(select(OutboundMessage)).all())

    before = kept()
    known = passwords.request_link(db, a.email, "10.0.7.1")
    unknown = passwords.request_link(db, "nobody@example.com", "10.0.7.2")
    assert len(known) == 1 and unknown == []
    assert done == [("render", "password_first"), ("write", "password_first")] * 2
    assert kept() == before + 1
    done.clear()
    known_code = login.request_code(db, a.email, "10.0.7.3")
    unknown_code = login.request_code(db, "nobody@example.com", "10.0.7.4")
    assert len(known_code.deliveries) == 1 and unknown_code.deliveries == []
    assert done == [("render", "login_code"), ("write", "login_code")] * 2
    assert kept() == before + 2
