"""Staff console login: bcrypt password, TOTP enrolment and check, growing lockout."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlmodel import select

from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.auth import StaffUser
from portal_app.core import clock
from portal_app.core.auth import staff
from portal_app.core.errors import DomainError
from portal_app.core.security import decrypt_secret
from tests.factories import make_staff

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"


def at(seconds: float) -> None:
    clock.freeze(T0 + timedelta(seconds=seconds))


def totp_for(db, user) -> pyotp.TOTP:
    db.refresh(user)
    return pyotp.TOTP(decrypt_secret(user.totp_secret_enc))


def test_password_is_bcrypt_with_cost_twelve(db):
    user = make_staff(db)
    assert user.password_hash.startswith("$2b$12$")
    assert PASSWORD not in user.password_hash


def test_enrolment_then_totp_login(db):
    user = make_staff(db, email="ops@guichet.example")
    at(0)
    token, ctx = staff.login_password(db, "OPS@guichet.example", PASSWORD)
    assert not ctx.mfa_passed and not ctx.totp_enabled
    assert staff.resolve(db, token) is None  # password alone opens nothing
    uri = staff.enrolment_uri(db, token)
    assert uri.startswith("otpauth://totp/") and "issuer=Guichet" in uri
    ctx = staff.verify_totp(db, token, totp_for(db, user).at(clock.now()))
    assert ctx.mfa_passed and staff.resolve(db, token).staff_id == user.id
    assert staff.enrolment_uri(db, token) is None  # no second look at the secret
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "staff.totp_enrolled")).first()


def test_totp_code_works_once(db):
    user = make_staff(db)
    at(0)
    token, _ = staff.login_password(db, user.email, PASSWORD)
    staff.enrolment_uri(db, token)
    code = totp_for(db, user).at(clock.now())
    staff.verify_totp(db, token, code)
    token2, _ = staff.login_password(db, user.email, PASSWORD)
    with pytest.raises(DomainError) as err:
        staff.verify_totp(db, token2, code)
    assert err.value.key == "staff.error.totp_wrong"


def test_secret_is_encrypted_at_rest(db):
    user = make_staff(db)
    token, _ = staff.login_password(db, user.email, PASSWORD)
    uri = staff.enrolment_uri(db, token)
    secret = uri.split("secret=")[1].split("&")[0]
    row = db.exec(select(StaffUser).where(StaffUser.id == user.id)).one()
    assert secret not in row.totp_secret_enc


def test_wrong_password_and_unknown_user_look_the_same(db):
    make_staff(db, email="real@guichet.example")
    with pytest.raises(DomainError) as a:
        staff.login_password(db, "real@guichet.example", "wrong password!!")
    with pytest.raises(DomainError) as b:
        staff.login_password(db, "ghost@guichet.example", "wrong password!!")
    assert a.value.key == b.value.key == "staff.error.credentials"


def test_lockout_grows_after_three_failures(db):
    user = make_staff(db)
    at(0)
    for _ in range(3):  # three free failures, by their literal value
        with pytest.raises(DomainError):
            staff.login_password(db, user.email, "nope nope nope")
    with pytest.raises(DomainError) as err:  # locked now, even with the right password
        staff.login_password(db, user.email, PASSWORD)
    # ...with the same answer as a wrong password, so a lock does not reveal that the address exists
    assert err.value.key == "staff.error.credentials"
    assert staff._locked_for(db, user.email, "") == 30
    at(30 + 1)
    with pytest.raises(DomainError):
        staff.login_password(db, user.email, "nope nope nope")  # 4th failure: twice as long
    assert staff._locked_for(db, user.email, "") == 60
    at(10_000)
    token, _ = staff.login_password(db, user.email, PASSWORD)
    assert token


def test_lock_never_exceeds_the_maximum():
    assert staff._lock_seconds(100) == 15 * 60
    assert staff._lock_seconds(2) == 0


def test_passwords_longer_than_72_bytes_get_a_clear_error(db):
    with pytest.raises(DomainError) as err:
        make_staff(db, password="é" * 40)  # 80 bytes
    assert err.value.key == "password.error.too_long"


def test_short_password_refused(db):
    with pytest.raises(DomainError) as err:
        make_staff(db, password="short")
    assert err.value.key == "password.error.too_short"


def _full_session(db, user) -> str:
    """Password, then enrolment (the secret appears with the first login), then the TOTP code."""
    token, _ = staff.login_password(db, user.email, PASSWORD)
    staff.enrolment_uri(db, token)
    staff.verify_totp(db, token, totp_for(db, user).at(clock.now()))
    return token


def test_console_session_ends_after_two_idle_hours(db):
    user = make_staff(db)
    at(0)
    token = _full_session(db, user)
    at(2 * 3600 - 5)  # two hours idle, by their literal value
    assert staff.resolve(db, token) is not None  # activity pushes the idle limit back
    at(2 * 3600 - 5 + 2 * 3600)
    assert staff.resolve(db, token) is None


def test_console_session_ends_after_twelve_hours_in_all(db):
    user = make_staff(db)
    at(0)
    token = _full_session(db, user)
    for hour in range(1, 12):
        at(hour * 3600)
        assert staff.resolve(db, token) is not None
    at(12 * 3600)
    assert staff.resolve(db, token) is None


def test_passwords_of_twelve_to_seventy_two_bytes_are_accepted(db):
    with pytest.raises(DomainError):
        make_staff(db, email="eleven@example.com", password="a" * 11)
    assert make_staff(db, email="twelve@example.com", password="a" * 12)
    assert make_staff(db, email="seventytwo@example.com", password="é" * 36)  # 72 bytes


def test_failures_from_one_address_do_not_lock_the_owner_elsewhere(db):
    """Someone failing once every few minutes from their address keeps only that address locked:
    the owner logs in from theirs with the right password and code."""
    user = make_staff(db)
    at(0)
    _full_session(db, user)  # enrolled
    for minute in range(0, 60, 5):
        at(60 + minute * 60)
        with pytest.raises(DomainError):
            staff.login_password(db, user.email, "nope nope nope", "198.51.100.7")
    assert staff._locked_for(db, user.email, "198.51.100.7") > 0
    with pytest.raises(DomainError) as err:  # locked there, even with the right password
        staff.login_password(db, user.email, PASSWORD, "198.51.100.7")
    assert err.value.key == "staff.error.credentials"
    token, _ = staff.login_password(db, user.email, PASSWORD, "203.0.113.5")
    assert staff.verify_totp(db, token, totp_for(db, user).at(clock.now() + timedelta(seconds=30)),
                             "203.0.113.5").mfa_passed


def test_a_right_password_does_not_clear_failed_codes(db):
    user = make_staff(db)
    at(0)
    _full_session(db, user)
    at(100)
    for _ in range(3):
        token, _ = staff.login_password(db, user.email, PASSWORD, "198.51.100.8")
        with pytest.raises(DomainError):
            staff.verify_totp(db, token, "000000", "198.51.100.8")
    with pytest.raises(DomainError):  # three wrong codes lock the pair; the password alone does not reset it
        staff.login_password(db, user.email, PASSWORD, "198.51.100.8")


def test_one_address_failing_for_many_users_waits(db):
    at(0)
    for i in range(20):  # 20 failures in 15 minutes from one address, by their literal values
        with pytest.raises(DomainError):
            staff.login_password(db, f"nobody{i}@example.com", "nope nope nope", "192.0.2.66")
    user = make_staff(db)
    assert staff._locked_for(db, user.email, "192.0.2.66") > 0
    with pytest.raises(DomainError):
        staff.login_password(db, user.email, PASSWORD, "192.0.2.66")
    assert staff.login_password(db, user.email, PASSWORD, "192.0.2.67")
    at(15 * 60 + 1)
    assert staff.login_password(db, user.email, PASSWORD, "192.0.2.66")
