"""Customer passwords (business option): links, rules and limits with their numbers (docs/security.md)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from portal_app.core import clock
from portal_app.core.auth import passwords, sessions as portal_sessions
from portal_app.core.business import forget_cached_business
from portal_app.core.errors import DomainError
from portal_app.core.models.auth import LoginAttempt
from portal_app.core.models.notify import OutboundMessage
from tests.factories import make_contact, set_business

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
GOOD = "plum-harbour-kettle-91"


def at(seconds: float) -> None:
    clock.freeze(T0 + timedelta(seconds=seconds))


@pytest.fixture(autouse=True)
def _on(db):
    set_business(db, password_login_enabled=True)
    yield
    forget_cached_business()
    clock.freeze(None)


@pytest.fixture
def alice(db):
    return make_contact(db, email="alice@example.com")


def token_of(db, deliveries) -> str:
    return re.search(r"http://localhost:3000/password\?token=([\w-]+)", db.get(OutboundMessage, deliveries[0].message_id).body_text).group(1)


def templates(db, deliveries) -> list[str]:
    return [db.get(OutboundMessage, d.message_id).template for d in deliveries]


def test_off_by_default(db, alice):
    set_business(db, password_login_enabled=False)
    with pytest.raises(DomainError) as exc:
        passwords.request_link(db, alice.email)
    assert exc.value.key == "password.error.off"


def test_first_connection_by_a_single_use_link_from_the_base_url(db, alice):
    at(0)
    sent = passwords.request_link(db, alice.email, "10.0.0.1")
    assert templates(db, sent) == ["password_first"]
    assert sent[0].to == alice.email
    token = token_of(db, sent)
    passwords.set_password(db, token, GOOD, "10.0.0.1")
    assert alice.password_hash.startswith("$2b$12$")
    with pytest.raises(DomainError) as exc:
        passwords.set_password(db, token, GOOD + "x")
    assert exc.value.key == "password.error.link_over"
    token, ctx, challenge = passwords.login(db, "ALICE@example.com ", GOOD, "10.0.0.1")
    assert ctx.contact_id == alice.id and challenge == ""
    assert templates(db, passwords.request_link(db, alice.email, "10.0.0.1")) == ["password_reset"]


def test_a_link_lasts_one_hour(db, alice):
    at(0)
    token = token_of(db, passwords.request_link(db, alice.email))
    at(3600)
    assert not passwords.link_is_live(db, token)
    with pytest.raises(DomainError):
        passwords.set_password(db, token, GOOD)
    at(0)
    token = token_of(db, passwords.request_link(db, alice.email, "10.0.0.2"))
    at(3599)
    passwords.set_password(db, token, GOOD)


def test_a_new_password_ends_the_other_links_and_sessions(db, alice):
    at(0)
    first = token_of(db, passwords.request_link(db, alice.email))
    second = token_of(db, passwords.request_link(db, alice.email))
    session = portal_sessions.open_session(db, alice.id)
    passwords.set_password(db, second, GOOD)
    assert not passwords.link_is_live(db, first)
    assert portal_sessions.resolve_session(db, session) is None


@pytest.mark.parametrize("password,key", [
    ("a" * 11 + "b", None),  # 12 characters, but 2 distinct ones
    ("short-pw-1", "password.error.too_short"),
    ("x1y2z3" + "a" * 5, "password.error.too_short"),  # 11 characters
    ("é" * 37, "password.error.too_long"),  # 74 bytes
    ("password1234", "password.error.common"),
    ("Correcthorsebatterystaple", "password.error.common"),
])
def test_length_and_common_passwords(db, alice, password, key):
    if key is None:
        key = "password.error.common"
    with pytest.raises(DomainError) as exc:
        passwords.check_strength(password)
    assert exc.value.key == key


def test_twelve_characters_to_seventy_two_bytes_are_accepted(db):
    with pytest.raises(DomainError) as exc:
        passwords.check_strength("a" * 11)
    assert exc.value.key == "password.error.too_short" and exc.value.params["min"] == 12
    passwords.check_strength("kx7-plum-dew")  # 12 characters
    passwords.check_strength("éèêë" * 9)  # 72 bytes
    with pytest.raises(DomainError) as exc:
        passwords.check_strength("éèêë" * 9 + "a")  # 73 bytes
    assert exc.value.key == "password.error.too_long" and exc.value.params["max"] == 72


def test_three_links_an_hour_per_address_and_client(db, alice):
    at(0)
    for _ in range(3):
        passwords.request_link(db, alice.email, "10.0.0.1")
    with pytest.raises(DomainError) as exc:
        passwords.request_link(db, alice.email, "10.0.0.1")
    assert exc.value.key == "password.error.too_many_links"
    passwords.request_link(db, alice.email, "10.0.0.2")  # the owner elsewhere still gets one
    at(3601)
    passwords.request_link(db, alice.email, "10.0.0.1")


def test_ten_wrong_passwords_an_hour_lock_the_contact(db, alice):
    at(0)
    passwords.set_password(db, token_of(db, passwords.request_link(db, alice.email)), GOOD)
    for n in range(10):
        with pytest.raises(DomainError):
            passwords.login(db, alice.email, "wrong-password-" + str(n), f"10.0.{n}.1")
    with pytest.raises(DomainError) as exc:
        passwords.login(db, alice.email, GOOD, "10.9.9.9")
    assert exc.value.key == "password.error.credentials"
    assert db.exec(select(LoginAttempt.outcome).where(LoginAttempt.kind == "password")).all()[-1] == "locked"
    at(3601)
    assert passwords.login(db, alice.email, GOOD, "10.9.9.9")[0]


def test_thirty_failures_an_hour_from_one_client_address(db, alice):
    at(0)
    for n in range(30):
        with pytest.raises(DomainError):
            passwords.login(db, f"nobody{n}@example.com", "whatever-password", "10.0.0.1")
    with pytest.raises(DomainError) as exc:
        passwords.login(db, alice.email, GOOD, "10.0.0.1")
    assert exc.value.key == "login.error.too_many_requests"


def test_a_contact_with_an_app_is_asked_for_it_after_the_password(db, alice):
    from portal_app.core.auth import login, totp
    from tests.factories import portal_ctx
    import pyotp
    from portal_app.core.security import decrypt_secret
    at(0)
    passwords.set_password(db, token_of(db, passwords.request_link(db, alice.email)), GOOD)
    ctx = portal_ctx(db, alice)
    totp.start_enrolment(db, ctx)
    app = pyotp.TOTP(decrypt_secret(alice.totp_secret_enc))
    totp.confirm_enrolment(db, ctx, app.at(clock.now()))
    at(60)
    token, ctx, challenge = passwords.login(db, alice.email, GOOD)
    assert token == "" and challenge
    token, ctx = login.verify_second_factor(db, challenge, app.at(clock.now()))
    assert ctx.contact_id == alice.id


def test_the_diagnosis_says_why_a_password_would_fail(db, alice):
    from portal_app.core import access
    at(0)
    check = lambda: next(x for x in access.diagnose(db, alice.id).checks if x.key == "diagnose.password")  # noqa: E731
    assert not check().ok and "not set" in check().detail
    passwords.set_password(db, token_of(db, passwords.request_link(db, alice.email)), GOOD)
    assert check().ok and check().detail == "set"
    for n in range(10):
        with pytest.raises(DomainError):
            passwords.login(db, alice.email, "wrong-password-x", f"10.1.{n}.1")
    assert not check().ok and "too many wrong passwords" in check().detail

