"""Customer passkeys: registration, discoverable login, the limits with their numbers (docs/security.md)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from portal_app.core import audit, clock
from portal_app.core.auth import passkeys, sessions as portal_sessions
from portal_app.core.errors import DomainError, Forbidden, NotFound
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.auth import LoginAttempt, Passkey
from tests.factories import make_contact, make_staff, portal_ctx
from tests.support.webauthn_soft import SoftAuthenticator

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def at(seconds: float) -> None:
    clock.freeze(T0 + timedelta(seconds=seconds))


@pytest.fixture
def alice(db):
    return make_contact(db, email="alice@example.com")


def enrol(db, ctx, device: SoftAuthenticator, name: str = "Laptop"):
    options, ceremony = passkeys.registration_options(db, ctx)
    response, cred_id = device.create(options)
    return passkeys.register(db, ctx, ceremony, response, name), cred_id


def attempts(db, outcome=None):
    q = select(LoginAttempt).where(LoginAttempt.kind == "passkey")
    return db.exec(q.where(LoginAttempt.outcome == outcome) if outcome else q).all()


def test_register_then_log_in_without_an_email(db, alice):
    at(0)
    device = SoftAuthenticator()
    row, cred_id = enrol(db, portal_ctx(db, alice), device)
    assert row.name == "Laptop"
    options, ceremony = passkeys.authentication_options()
    assert json.loads(options)["allowCredentials"] == []  # discoverable: no email, no list
    assert json.loads(options)["userVerification"] == "required"
    token, ctx = passkeys.login(db, ceremony, device.get(options, cred_id), "10.0.0.1")
    assert ctx.contact_id == alice.id
    assert portal_sessions.resolve_session(db, token).contact_id == alice.id
    assert [a.outcome for a in attempts(db)] == ["ok"]
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "portal.login")).one().detail["channel"] == "passkey"


def test_registration_options_require_a_resident_key_and_user_verification(db, alice):
    options = json.loads(passkeys.registration_options(db, portal_ctx(db, alice))[0])
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert "alice" not in options["user"]["id"]


def test_a_ceremony_lasts_five_minutes(db, alice):
    at(0)
    device = SoftAuthenticator()
    ctx = portal_ctx(db, alice)
    options, ceremony = passkeys.registration_options(db, ctx)
    response, _ = device.create(options)
    at(300)
    with pytest.raises(DomainError) as exc:
        passkeys.register(db, ctx, ceremony, response, "x")
    assert exc.value.key == "passkey.error.ceremony_over"
    at(0)
    row, cred_id = enrol(db, ctx, device)
    options, ceremony = passkeys.authentication_options()
    at(299)
    passkeys.login(db, ceremony, device.get(options, cred_id))
    at(0)
    options, ceremony = passkeys.authentication_options()
    at(300)
    with pytest.raises(DomainError):
        passkeys.login(db, ceremony, device.get(options, cred_id))
    assert attempts(db, "expired")


def test_a_registration_ceremony_is_bound_to_its_session(db, alice):
    at(0)
    device = SoftAuthenticator()
    options, ceremony = passkeys.registration_options(db, portal_ctx(db, alice))
    response, _ = device.create(options)
    with pytest.raises(DomainError):
        passkeys.register(db, portal_ctx(db, alice), ceremony, response)  # another session of hers
    assert passkeys.count(db, alice.id) == 0


def test_the_challenge_comes_from_the_server_not_the_browser(db, alice):
    at(0)
    device = SoftAuthenticator()
    ctx = portal_ctx(db, alice)
    options, ceremony = passkeys.registration_options(db, ctx)
    forged = json.dumps({**json.loads(options), "challenge": "AAAAAAAAAAAAAAAAAAAAAA"})
    response, _ = device.create(forged)
    with pytest.raises(DomainError):
        passkeys.register(db, ctx, ceremony, response)
    assert passkeys.count(db, alice.id) == 0


@pytest.mark.parametrize("origin,rp_id", [("https://evil.example", None), (None, "evil.example")])
def test_origin_and_rp_id_come_from_the_base_url(db, alice, origin, rp_id):
    at(0)
    device = SoftAuthenticator()
    ctx = portal_ctx(db, alice)
    options, ceremony = passkeys.registration_options(db, ctx)
    response, _ = device.create(options, origin=origin, rp_id=rp_id)
    with pytest.raises(DomainError):
        passkeys.register(db, ctx, ceremony, response)
    assert passkeys.count(db, alice.id) == 0


def test_user_verification_is_required(db, alice):
    at(0)
    ctx = portal_ctx(db, alice)
    options, ceremony = passkeys.registration_options(db, ctx)
    response, _ = SoftAuthenticator().create(options, user_verified=False)
    with pytest.raises(DomainError):
        passkeys.register(db, ctx, ceremony, response)


def test_a_sign_count_that_goes_back_is_refused(db, alice):
    at(0)
    device = SoftAuthenticator()
    _, cred_id = enrol(db, portal_ctx(db, alice), device)
    options, ceremony = passkeys.authentication_options()
    passkeys.login(db, ceremony, device.get(options, cred_id, counter=10))
    assert db.exec(select(Passkey)).one().sign_count == 10
    options, ceremony = passkeys.authentication_options()
    with pytest.raises(DomainError) as exc:
        passkeys.login(db, ceremony, device.get(options, cred_id, counter=10))  # a cloned key
    assert exc.value.key == "passkey.error.failed"
    assert attempts(db, "failed")[0].contact_id == alice.id


def test_a_ceremony_is_good_once(db, alice):
    at(0)
    device = SoftAuthenticator()
    _, cred_id = enrol(db, portal_ctx(db, alice), device)
    options, ceremony = passkeys.authentication_options()
    passkeys.login(db, ceremony, device.get(options, cred_id))
    # The state forgets the ceremony after use; replaying the same assertion fails on its sign count.
    with pytest.raises(DomainError):
        passkeys.login(db, ceremony, device.get(options, cred_id, counter=1))


def test_at_most_ten_passkeys_per_contact(db, alice):
    at(0)
    device = SoftAuthenticator()
    ctx = portal_ctx(db, alice)
    for n in range(10):
        enrol(db, ctx, device, f"key {n}")
    with pytest.raises(DomainError) as exc:
        passkeys.registration_options(db, ctx)
    assert exc.value.key == "passkey.error.too_many"
    assert passkeys.count(db, alice.id) == 10


def test_ten_failures_an_hour_lock_passkey_login_for_the_contact(db, alice):
    at(0)
    device = SoftAuthenticator()
    _, cred_id = enrol(db, portal_ctx(db, alice), device)
    for n in range(10):
        options, ceremony = passkeys.authentication_options()
        with pytest.raises(DomainError):
            passkeys.login(db, ceremony, device.get(options, cred_id, origin="https://evil.example"), f"10.0.0.{n}")
    options, ceremony = passkeys.authentication_options()
    with pytest.raises(DomainError):
        passkeys.login(db, ceremony, device.get(options, cred_id), "10.9.9.9")  # the right key: still locked
    assert attempts(db, "locked")
    at(3601)
    options, ceremony = passkeys.authentication_options()
    passkeys.login(db, ceremony, device.get(options, cred_id), "10.9.9.9")


def test_thirty_failures_an_hour_from_one_client_address_stop_it(db, alice):
    at(0)
    device = SoftAuthenticator()
    _, cred_id = enrol(db, portal_ctx(db, alice), device)
    for _ in range(30):
        options, ceremony = passkeys.authentication_options()
        with pytest.raises(DomainError):
            passkeys.login(db, ceremony, '{"id": "unknown-credential"}', "10.0.0.1")
    options, ceremony = passkeys.authentication_options()
    with pytest.raises(DomainError) as exc:
        passkeys.login(db, ceremony, device.get(options, cred_id), "10.0.0.1")
    assert exc.value.key == "login.error.too_many_requests"
    passkeys.login(db, ceremony, device.get(options, cred_id), "10.0.0.2")


def test_an_inactive_contact_cannot_log_in_with_a_passkey(db, alice):
    at(0)
    device = SoftAuthenticator()
    _, cred_id = enrol(db, portal_ctx(db, alice), device)
    alice.portal_access = False
    db.add(alice)
    options, ceremony = passkeys.authentication_options()
    with pytest.raises(DomainError) as exc:
        passkeys.login(db, ceremony, device.get(options, cred_id))
    assert exc.value.key == "passkey.error.failed"
    assert attempts(db, "no_access")


@pytest.mark.parametrize("junk", ["", "x" * 20_001, "not json", "[]", '{"id": 3}', '{"id": "a", "response": 1}'])
def test_bad_responses_get_the_same_answer(db, alice, junk):
    at(0)
    options, ceremony = passkeys.authentication_options()
    with pytest.raises(DomainError) as exc:
        passkeys.login(db, ceremony, junk)
    assert exc.value.key == "passkey.error.failed"


def test_contact_removes_own_passkeys_only(db, alice):
    at(0)
    bruno = make_contact(db, email="bruno@example.com")
    row, _ = enrol(db, portal_ctx(db, alice), SoftAuthenticator())
    with pytest.raises(NotFound):
        passkeys.remove(db, portal_ctx(db, bruno), row.id)
    passkeys.remove(db, portal_ctx(db, alice), row.id)
    assert passkeys.list_for(db, alice.id) == []


def test_impersonation_never_registers_or_removes(db, alice):
    at(0)
    row, _ = enrol(db, portal_ctx(db, alice), SoftAuthenticator())
    ctx = replace(portal_ctx(db, alice), impersonator_staff_id=make_staff(db).id, impersonator_name="Sam")
    with pytest.raises(Forbidden):
        passkeys.registration_options(db, ctx)
    with pytest.raises(Forbidden):
        passkeys.remove(db, ctx, row.id)
    assert passkeys.count(db, alice.id) == 1


def test_staff_remove_a_passkey_of_that_contact_only(db, alice):
    at(0)
    bruno = make_contact(db, email="bruno@example.com")
    row, _ = enrol(db, portal_ctx(db, alice), SoftAuthenticator())
    actor = audit.Actor("staff", make_staff(db).id, "sam@example.com")
    with pytest.raises(NotFound):
        passkeys.staff_remove(db, actor, bruno.id, row.id)
    passkeys.staff_remove(db, actor, alice.id, row.id)
    assert passkeys.count(db, alice.id) == 0


def test_the_diagnosis_shows_passkeys_and_why_they_would_fail(db, alice):
    from portal_app.core import access
    at(0)
    device = SoftAuthenticator()
    check = lambda: next(c for c in access.diagnose(db, alice.id).checks if c.key == "diagnose.passkeys")  # noqa: E731
    assert not check().ok and check().detail == "0 registered"
    _, cred_id = enrol(db, portal_ctx(db, alice), device)
    assert check().ok and check().detail == "1 registered"
    for _ in range(10):
        options, ceremony = passkeys.authentication_options()
        with pytest.raises(DomainError):
            passkeys.login(db, ceremony, device.get(options, cred_id, origin="https://evil.example"))
    assert not check().ok and "too many failures" in check().detail


@pytest.mark.parametrize("totp_on", [True, False])
def test_a_passkey_login_is_two_factors_where_the_app_is_required(db, alice, totp_on):
    """No authenticator-app step after a passkey, whether the contact has the app or the business requires
    one they have not set up: the passkey (with user verification) is both factors."""
    from portal_app.core.business import forget_cached_business
    from tests.factories import set_business

    at(0)
    device = SoftAuthenticator()
    _, cred_id = enrol(db, portal_ctx(db, alice), device)
    alice.totp_enabled = totp_on
    db.add(alice)
    set_business(db, customer_totp="all")
    try:
        options, ceremony = passkeys.authentication_options()
        token, ctx = passkeys.login(db, ceremony, device.get(options, cred_id), "10.0.0.1")
        assert portal_sessions.resolve_session(db, token).contact_id == alice.id == ctx.contact_id
        assert [a.outcome for a in attempts(db)] == ["ok"]
    finally:
        forget_cached_business()
