"""Customer TOTP after the login code, recovery codes, trusted browsers: each rule with its number
(docs/security.md)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlmodel import select

from portal_app.core import clock, notify
from portal_app.core.auth import devices, login, sessions as portal_sessions, totp
from portal_app.core.business import forget_cached_business
from portal_app.core.errors import DomainError, Forbidden
from portal_app.core.models.auth import LoginAttempt, RecoveryCode
from portal_app.core.models.notify import OutboundMessage
from portal_app.core.security import decrypt_secret
from tests.factories import make_contact, make_staff, portal_ctx, set_business

T0 = datetime(2026, 3, 2, 9, 0, 15, tzinfo=timezone.utc)


def at(seconds: float) -> None:
    clock.freeze(T0 + timedelta(seconds=seconds))


@pytest.fixture(autouse=True)
def _fresh_business():
    forget_cached_business()
    yield
    forget_cached_business()
    clock.freeze(None)


@pytest.fixture
def alice(db):
    return make_contact(db, email="alice@example.com")


def app_code(contact, offset: float = 0) -> str:
    return pyotp.TOTP(decrypt_secret(contact.totp_secret_enc)).at(clock.now() + timedelta(seconds=offset))


def enrol(db, contact) -> list[str]:
    ctx = portal_ctx(db, contact)
    totp.start_enrolment(db, ctx)
    return totp.confirm_enrolment(db, ctx, app_code(contact))


def code_step(db, email: str, device_cookie: str = "", ip: str = "10.0.0.1") -> str:
    sent = login.request_code(db, email, ip, device_cookie=device_cookie)
    for d in sent.deliveries:
        notify.deliver(db, d)
    row = db.exec(select(OutboundMessage).order_by(OutboundMessage.id.desc())).first()
    token, ctx = login.verify_code(db, sent.challenge_id, re.search(r"\b(\d{6})\b", row.body_text).group(1), ip)
    return sent.challenge_id if not token else token


def require(db, rule: str) -> None:
    set_business(db, customer_totp=rule)


def test_enrolment_needs_a_right_code_and_gives_ten_recovery_codes_once(db, alice):
    at(0)
    ctx = portal_ctx(db, alice)
    totp.start_enrolment(db, ctx)
    assert alice.totp_secret_enc and not alice.totp_enabled
    assert "otpauth://totp/" in totp.enrolment_uri(db, ctx)
    with pytest.raises(DomainError):
        totp.confirm_enrolment(db, ctx, "000000" if app_code(alice) != "000000" else "111111")
    codes = totp.confirm_enrolment(db, ctx, app_code(alice))
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    stored = db.exec(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    assert totp.enrolment_uri(db, ctx) is None  # no QR once it is on


def test_a_contact_with_totp_is_asked_for_it_after_the_code(db, alice):
    at(0)
    enrol(db, alice)
    challenge = code_step(db, alice.email)
    assert not portal_sessions.resolve_session(db, challenge)  # no session yet
    with pytest.raises(DomainError):
        login.verify_code(db, challenge, "123456")  # the code step is over for this challenge
    at(31)
    token, ctx = login.verify_second_factor(db, challenge, app_code(alice), "10.0.0.1")
    assert ctx.contact_id == alice.id
    outcomes = db.exec(select(LoginAttempt.kind, LoginAttempt.outcome).order_by(LoginAttempt.id)).all()
    assert ("code_verify", "second_factor") in outcomes and outcomes[-1] == ("totp_verify", "ok")


def test_a_totp_code_is_good_once(db, alice):
    at(0)
    enrol(db, alice)
    at(60)
    code = app_code(alice)
    login.verify_second_factor(db, code_step(db, alice.email), code)
    with pytest.raises(DomainError):
        login.verify_second_factor(db, code_step(db, alice.email), code)


def test_five_wrong_app_codes_end_the_challenge(db, alice):
    at(0)
    enrol(db, alice)
    at(60)
    challenge = code_step(db, alice.email)
    wrong = f"{(int(app_code(alice)) + 500000) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(DomainError) as exc:
            login.verify_second_factor(db, challenge, wrong)
        assert exc.value.params["remaining"] == left
    with pytest.raises(DomainError) as exc:
        login.verify_second_factor(db, challenge, wrong)
    assert exc.value.key == "login.error.too_many_tries"
    with pytest.raises(DomainError):
        login.verify_second_factor(db, challenge, app_code(alice))


def test_ten_wrong_app_codes_an_hour_lock_the_second_step(db, alice):
    at(0)
    enrol(db, alice)
    at(60)
    wrong = "000000" if app_code(alice) != "000000" else "111111"
    for n in range(10):
        with pytest.raises(DomainError):
            login.verify_second_factor(db, code_step(db, alice.email, ip=f"10.0.{n}.1"), wrong)
    challenge = code_step(db, alice.email)
    with pytest.raises(DomainError) as exc:
        login.verify_second_factor(db, challenge, app_code(alice))
    assert exc.value.key == "login.error.totp_locked"
    at(60 + 3601)
    login.verify_second_factor(db, code_step(db, alice.email), app_code(alice))


def test_the_second_step_lasts_ten_minutes(db, alice):
    at(0)
    enrol(db, alice)
    at(60)
    challenge = code_step(db, alice.email)
    at(60 + 600)
    with pytest.raises(DomainError) as exc:
        login.verify_second_factor(db, challenge, app_code(alice))
    assert exc.value.key == "login.error.challenge_over"


def test_a_recovery_code_works_once(db, alice):
    at(0)
    codes = enrol(db, alice)
    token, _ = login.verify_second_factor(db, code_step(db, alice.email), codes[0].upper())
    assert token
    assert totp.recovery_left(db, alice.id) == 9
    with pytest.raises(DomainError):
        login.verify_second_factor(db, code_step(db, alice.email), codes[0])


def test_required_for_admins_refuses_an_admin_without_it(db, alice):
    at(0)
    admin = make_contact(db, email="boss@example.com", portal_role="admin")
    require(db, "admins")
    with pytest.raises(DomainError) as exc:
        code_step(db, admin.email)
    assert exc.value.key == "login.error.totp_required"
    assert db.exec(select(LoginAttempt.outcome).where(LoginAttempt.contact_id == admin.id,
                                                      LoginAttempt.kind == "code_verify")).all() == ["totp_missing"]
    assert portal_sessions.resolve_session(db, code_step(db, alice.email))  # a member logs in
    require(db, "all")
    with pytest.raises(DomainError):
        code_step(db, alice.email)


def test_required_totp_cannot_be_switched_off_by_the_contact(db, alice):
    at(0)
    enrol(db, alice)
    require(db, "all")
    ctx = portal_ctx(db, alice)
    at(60)
    with pytest.raises(DomainError) as exc:
        totp.disable(db, ctx, app_code(alice))
    assert exc.value.key == "totp.error.required"
    require(db, "optional")
    totp.disable(db, ctx, app_code(alice))
    assert not alice.totp_enabled and alice.totp_secret_enc is None and totp.recovery_left(db, alice.id) == 0


def test_impersonation_never_enrols_or_switches_off(db, alice):
    at(0)
    ctx = replace(portal_ctx(db, alice), impersonator_staff_id=make_staff(db).id, impersonator_name="Sam")
    with pytest.raises(Forbidden):
        totp.start_enrolment(db, ctx)
    assert totp.enrolment_uri(db, ctx) is None
    with pytest.raises(Forbidden):
        totp.disable(db, ctx, "123456")


# ---- trusted browsers ----

def test_a_trusted_browser_skips_the_app_for_thirty_days(db, alice):
    at(0)
    enrol(db, alice)
    cookie = devices.remember(db, alice.id)
    at(60)
    token, _ = login.verify_second_factor(db, code_step(db, alice.email, cookie), app_code(alice))
    devices.trust(db, alice.id, cookie, "Firefox")
    at(120)
    assert portal_sessions.resolve_session(db, code_step(db, alice.email, cookie))  # no app code asked
    assert not portal_sessions.resolve_session(db, code_step(db, alice.email))  # another browser: asked
    at(60 + 30 * 86400 - 1)
    assert portal_sessions.resolve_session(db, code_step(db, alice.email, cookie))
    at(60 + 30 * 86400)
    assert not portal_sessions.resolve_session(db, code_step(db, alice.email, cookie))


def test_trusted_browsers_are_listed_and_revoked_by_the_contact_or_staff(db, alice):
    at(0)
    enrol(db, alice)
    bruno = make_contact(db, email="bruno@example.com")
    cookie = devices.remember(db, alice.id)
    devices.trust(db, alice.id, cookie, "Phone")
    rows = devices.list_trusted(db, alice.id)
    assert [r.label for r in rows] == ["Phone"]
    assert not devices.revoke_trusted(db, bruno.id, rows[0].id)  # not bruno's
    assert devices.revoke_trusted(db, alice.id, rows[0].id)
    assert devices.list_trusted(db, alice.id) == []
    assert not portal_sessions.resolve_session(db, code_step(db, alice.email, cookie))


def test_any_access_change_ends_trust(db, alice):
    at(0)
    enrol(db, alice)
    cookie = devices.remember(db, alice.id)
    devices.trust(db, alice.id, cookie)
    at(10)
    portal_sessions.revoke_contact_sessions(db, alice.id, "staff_signout")
    assert devices.list_trusted(db, alice.id) == []


def test_another_contacts_cookie_is_not_trusted(db, alice):
    at(0)
    bruno = make_contact(db, email="bruno@example.com")
    devices.trust(db, alice.id, devices.remember(db, bruno.id))
    assert devices.list_trusted(db, alice.id) == []


def test_the_diagnosis_says_why_the_app_step_would_fail(db, alice):
    from portal_app.core import access
    at(0)
    admin = make_contact(db, email="boss@example.com", portal_role="admin")
    check = lambda c: next(x for x in access.diagnose(db, c.id).checks if x.key == "diagnose.totp")  # noqa: E731
    assert check(admin).ok and check(admin).detail == "off (not required)"
    require(db, "admins")
    assert not check(admin).ok and "login is refused" in check(admin).detail
    enrol(db, alice)
    assert check(alice).ok and check(alice).detail == "on"


def test_the_diagnosis_does_not_say_can_log_in_when_only_the_missing_app_would_let_them(db, alice):
    """Required and not set up: the code and the password are refused, so only a passkey lets the contact
    in; the badge follows (staff saw "Can log in" above "the code login is refused")."""
    from portal_app.core import access
    from portal_app.core.models.auth import Passkey
    at(0)
    admin = make_contact(db, email="boss@example.com", portal_role="admin")
    assert access.diagnose(db, admin.id).can_log_in
    require(db, "admins")
    assert not access.diagnose(db, admin.id).can_log_in
    assert access.diagnose(db, alice.id).can_log_in  # a member is not concerned
    db.add(Passkey(contact_id=admin.id, credential_id="cred-boss", public_key="pk", name="Phone"))
    db.flush()
    assert access.diagnose(db, admin.id).can_log_in  # a passkey is two factors
