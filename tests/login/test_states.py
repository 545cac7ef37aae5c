"""Login and portal states: handlers called directly, and nothing secret in public vars."""

from __future__ import annotations

import itertools

import pyotp
from sqlmodel import select

from portal_app.core.auth import staff
from portal_app.core.db import session_scope
from portal_app.core.models.auth import LoginChallenge, PortalSession, StaffSession, StaffUser
from portal_app.core.security import decrypt_secret
from portal_app.login.state import LoginState
from portal_app.core.states.portal import PortalState
from portal_app.login.staff_state import StaffLoginState
from tests.conftest import run_async
from tests.factories import make_contact, make_staff
from tests.support.states import last_code, public_json, sub

_n = itertools.count(1)


def new_contact(**kw):
    with session_scope() as db:
        c = make_contact(db, email=f"state{next(_n)}@example.com", **kw)
        return c.id, c.email


def log_in(root, email: str) -> tuple[LoginState, PortalState]:
    """A code login through the handlers, as the login page drives it."""
    login = sub(root, LoginState)
    login.submit_email({"email": email})
    login.submit_code({"code": last_code(email)})
    return login, sub(root, PortalState)


def test_code_login_through_the_handlers(root):
    cid, email = new_contact()
    login = sub(root, LoginState)
    login.login_load()
    login.submit_email({"email": email.upper()})
    assert login.step == "code" and login.info_key == "login.code_sent" and login.error_key == ""
    code = last_code(email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    login.submit_code({"code": wrong})
    assert login.error_key == "login.error.code_wrong" and "4" in login.error_text
    login.submit_code({"code": "12"})
    assert login.error_key == "login.error.code_format"
    redirect = login.submit_code({"code": code})
    assert redirect is not None and login.error_key == ""
    portal = sub(root, PortalState)
    assert portal.authed and portal.portal_sid and portal.contact_name
    # nothing the server knows leaks into what the browser receives
    blob = public_json(root)
    with session_scope() as db:
        token_hash = db.exec(select(PortalSession.token_hash).where(PortalSession.contact_id == cid)).first()
        challenge = db.exec(select(LoginChallenge).where(LoginChallenge.contact_id == cid)).first()
    assert code not in blob and token_hash not in blob
    assert challenge.public_id not in blob and challenge.code_hash not in blob
    # the session token is only in the browser's own cookie var
    assert blob.count(portal.portal_sid) == 1


def test_unknown_address_gets_the_same_screen(root):
    _, known = new_contact()
    a = sub(root, LoginState)
    a.submit_email({"email": known})
    seen_known = (a.step, a.info_key, a.error_key)
    a.other_email()
    a.submit_email({"email": "nobody-at-all@example.com"})
    assert (a.step, a.info_key, a.error_key) == seen_known


def test_bad_email_gets_a_message(root):
    a = sub(root, LoginState)
    a.submit_email({"email": "nonsense"})
    assert a.step == "email" and a.error_key == "login.error.email_invalid" and a.error_text


def test_portal_page_without_session_goes_to_login(root):
    portal = sub(root, PortalState)
    portal.portal_sid = "forged-token"
    result = portal.portal_load()
    assert not portal.authed and portal.contact_name == "" and result is not None


def test_language_choice_is_remembered_on_the_contact(root):
    cid, email = new_contact(language="en")
    login = sub(root, LoginState)
    login.load_site()
    login.submit_email({"email": email})
    login.submit_code({"code": last_code(email)})
    portal = sub(root, PortalState)
    portal.choose_language("de")
    assert portal.lang == "de" and portal.tr["app.logout"] == "Abmelden"
    from portal_app.core.models.accounts import Contact

    with session_scope() as db:
        assert db.get(Contact, cid).language == "de"
    portal.choose_language("xx")  # not offered: ignored
    assert portal.lang == "de"


def test_logout_ends_the_session(root):
    _, email = new_contact()
    _, portal = log_in(root, email)
    token = portal.portal_sid
    run_async(portal.logout())
    assert not portal.authed and portal.portal_sid == ""
    portal.portal_sid = token  # the old cookie is worthless now
    portal.portal_load()
    assert not portal.authed


def test_staff_login_with_enrolment_keeps_secrets_out_of_state(root):
    with session_scope() as db:
        user = make_staff(db, password="a long staff password")
        uid, email = user.id, user.email
    s = sub(root, StaffLoginState)
    s.submit_password({"email": email, "password": "wrong password!"})
    assert s.error_key == "staff.error.credentials" and s.step == "password"
    s.submit_password({"email": email, "password": "a long staff password"})
    assert s.step == "enrol" and s.staff_sid
    from portal_app.core.auth import staff as staff_service

    with session_scope() as db:
        staff_service.enrolment_uri(db, s.staff_sid)  # what the QR route does
        row = db.get(StaffUser, uid)
        secret = decrypt_secret(row.totp_secret_enc)
        password_hash = row.password_hash
    s.submit_totp({"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert s.error_key == "staff.error.totp_wrong"
    s.submit_totp({"code": pyotp.TOTP(secret).now()})
    assert s.staff_authed and s.error_key == ""
    blob = public_json(root)
    with session_scope() as db:
        token_hash = db.exec(select(StaffSession.token_hash).where(StaffSession.staff_id == uid)).first()
    for secret_value in (secret, password_hash, token_hash, row.totp_secret_enc):
        assert secret_value not in blob


def test_failed_tries_are_kept_between_handler_calls(root):
    """Refusals commit what they recorded: the 5-try limit holds through the UI, not only in services."""
    _, email = new_contact()
    login = sub(root, LoginState)
    login.submit_email({"email": email})
    code = last_code(email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    seen = []
    for _ in range(4):
        login.submit_code({"code": wrong})
        seen.append(login.error_params.get("remaining"))
    assert seen == ["4", "3", "2", "1"]
    login.submit_code({"code": wrong})
    assert login.error_key == "login.error.too_many_tries" and login.step == "email"


def test_staff_lockout_holds_through_the_login_form(root):
    with session_scope() as db:
        user = make_staff(db, password="a long staff password")
        uid, email = user.id, user.email
    s = sub(root, StaffLoginState)
    for _ in range(3):
        s.submit_password({"email": email, "password": "wrong password!"})
    with session_scope() as db:
        row = db.get(StaffUser, uid)
        # three failures from this tab's address: the (user, address) pair is locked
        assert row.failed_logins == 3 and staff._locked_for(db, email, s._client_ip()) > 0
    s.submit_password({"email": email, "password": "a long staff password"})  # locked: refused all the same
    assert s.error_key == "staff.error.credentials" and s.step == "password"


def test_a_code_login_remembers_the_browser_past_logout(root):
    """The device cookie (issue 9, point 2) is set by a code login, is the browser's own, survives logout
    (which empties every page's state) and gives this browser its own code budget at the next login."""
    from portal_app.core.auth import devices
    from portal_app.core.models.auth import LoginAttempt

    cid, email = new_contact()
    login, portal = log_in(root, email)
    cookie = portal.login_device
    with session_scope() as db:
        from portal_app.core.models.accounts import Contact

        assert devices.recognise(db.get(Contact, cid), cookie)
    declared = PortalState.get_fields()["login_device"].default_value()  # a long-lived browser cookie
    assert (declared, declared.name, declared.max_age, declared.same_site) == ("", "guichet_device", 180 * 86400,
                                                                              "lax")
    run_async(portal.logout())
    assert portal.login_device == cookie
    login.submit_email({"email": email})
    assert login.step == "code" and login.error_key == ""
    with session_scope() as db:
        device_rows = db.exec(select(LoginAttempt).where(LoginAttempt.contact_id == cid,
                                                         LoginAttempt.device != "")).all()
    assert [r.outcome for r in device_rows] == ["sent_email"]
    # a second login from the same browser keeps its device (and its budget)
    login.submit_code({"code": last_code(email)})
    assert portal.login_device == cookie


def test_the_address_typed_is_kept_for_the_step_chosen_next(root):
    login = sub(root, LoginState)
    login.keep_email("a" * 300 + "@example.com")
    assert login.email == "a" * 254 and login.step == "email"  # bounded like a submitted one
    login.keep_email("nora@example.com ")
    login.choose_step("email")  # the code step again (always offered): the address stays
    assert (login.step, login.email) == ("email", "nora@example.com")
    login.keep_email(["not", "text"])  # any browser may send anything: ignored
    login.keep_email(None)
    assert login.email == "nora@example.com"
