"""The customer code login: every rule with its number (docs/security.md)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from portal_app.core.models.auth import LoginAttempt, LoginChallenge, PortalSession
from portal_app.core.models.notify import OutboundMessage
from portal_app.core import clock, notify
from portal_app.core.auth import login, sessions as portal_sessions
from portal_app.core.errors import DomainError
from tests.factories import make_account, make_contact

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def at(seconds: float) -> None:
    clock.freeze(T0 + timedelta(seconds=seconds))


def sent_code(db, contact) -> str:
    row = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == contact.id)
                  .order_by(OutboundMessage.id.desc())).first()
    return re.search(r"\b(\d{6})\b", row.body_text).group(1)


def deliver_all(db, sent):
    for d in sent.deliveries:
        notify.deliver(db, d)


@pytest.fixture
def alice(db):
    return make_contact(db, email="alice@example.com", mobile="+33612345678")


@pytest.fixture
def bruno(db):
    return make_contact(db, email="bruno@example.com")


def test_code_goes_by_sms_when_a_mobile_is_on_file(db, alice):
    at(0)
    sent = login.request_code(db, "  Alice@Example.COM ", "10.0.0.1")
    assert [d.channel for d in sent.deliveries] == ["sms"]
    assert sent.deliveries[0].to == "+33612345678"


def test_code_goes_by_email_without_mobile_and_on_request(db, alice, bruno):
    at(0)
    assert [d.channel for d in login.request_code(db, "bruno@example.com").deliveries] == ["email"]
    assert [d.channel for d in login.request_code(db, "alice@example.com", force_email=True).deliveries] == ["email"]


def test_right_code_opens_a_session_once(db, bruno):
    at(0)
    sent = login.request_code(db, bruno.email, "1.2.3.4")
    deliver_all(db, sent)
    code = sent_code(db, bruno)
    token, ctx = login.verify_code(db, sent.challenge_id, code, "1.2.3.4")
    assert ctx.contact_id == bruno.id and ctx.account_id == bruno.account_id
    assert len(token) >= 43  # 256 random bits, url-safe
    assert portal_sessions.resolve_session(db, token).contact_id == bruno.id
    with pytest.raises(DomainError) as err:  # single use
        login.verify_code(db, sent.challenge_id, code)
    assert err.value.key == "login.error.challenge_over"


def test_only_hashes_are_stored(db, bruno):
    at(0)
    sent = login.request_code(db, bruno.email)
    deliver_all(db, sent)
    code = sent_code(db, bruno)
    ch = db.exec(select(LoginChallenge)).one()
    assert code not in ch.code_hash and len(ch.code_hash) == 64
    token, _ = login.verify_code(db, sent.challenge_id, code)
    session_row = db.exec(select(PortalSession)).one()
    assert token not in session_row.token_hash and len(session_row.token_hash) == 64


def test_code_expires_after_ten_minutes(db, bruno):
    at(0)
    sent = login.request_code(db, bruno.email)
    deliver_all(db, sent)
    code = sent_code(db, bruno)
    at(login.CODE_TTL_SECONDS)
    assert login.CODE_TTL_SECONDS == 600
    with pytest.raises(DomainError) as err:
        login.verify_code(db, sent.challenge_id, code)
    assert err.value.key == "login.error.code_expired"
    at(login.CODE_TTL_SECONDS - 1)  # one second earlier it still worked
    login.verify_code(db, sent.challenge_id, code)


def test_five_wrong_tries_end_the_challenge(db, bruno):
    at(0)
    sent = login.request_code(db, bruno.email)
    deliver_all(db, sent)
    code = sent_code(db, bruno)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for remaining in (4, 3, 2, 1):
        with pytest.raises(DomainError) as err:
            login.verify_code(db, sent.challenge_id, wrong)
        assert err.value.key == "login.error.code_wrong" and err.value.params["remaining"] == remaining
    with pytest.raises(DomainError) as err:
        login.verify_code(db, sent.challenge_id, wrong)
    assert err.value.key == "login.error.too_many_tries"
    with pytest.raises(DomainError) as err:  # even the right code is dead now
        login.verify_code(db, sent.challenge_id, code)
    assert err.value.key == "login.error.too_many_tries"


def test_resend_keeps_the_failure_count_and_kills_the_old_code(db, bruno):
    at(0)
    sent = login.request_code(db, bruno.email)
    deliver_all(db, sent)
    old = sent_code(db, bruno)
    for _ in range(4):
        with pytest.raises(DomainError):
            login.verify_code(db, sent.challenge_id, "000000" if old != "000000" else "111111")
    at(30)
    again = login.resend_code(db, sent.challenge_id)
    deliver_all(db, again)
    new = sent_code(db, bruno)
    assert db.exec(select(LoginChallenge)).one().failed_attempts == 4
    if new != old:
        with pytest.raises(DomainError) as err:  # the 5th failure, not the 1st
            login.verify_code(db, sent.challenge_id, old)
        assert err.value.key == "login.error.too_many_tries"


def test_resend_waits_thirty_seconds(db, bruno):
    at(0)
    sent = login.request_code(db, bruno.email)
    at(29)  # 30 s, by its literal value: the tests hold the number
    with pytest.raises(DomainError) as err:
        login.resend_code(db, sent.challenge_id)
    assert err.value.key == "login.error.resend_wait" and err.value.params["seconds"] == 1
    at(30)
    assert login.resend_code(db, sent.challenge_id).deliveries


def test_at_most_five_codes_per_contact_per_hour(db, bruno):
    """Per requesting client address: a stranger elsewhere has a budget of their own
    (tests/core/test_login_budgets.py)."""
    for i in range(5):
        at(i * 60)
        login.request_code(db, bruno.email, "10.0.0.1")
    at(5 * 60)
    with pytest.raises(DomainError) as err:
        login.request_code(db, bruno.email, "10.0.0.1")
    assert err.value.key == "login.error.too_many_codes"
    at(3600 + 1)  # the first code has left the hour
    assert login.request_code(db, bruno.email, "10.0.0.1").deliveries


def test_resends_count_towards_the_contact_cap(db, bruno):
    at(0)
    sent = login.request_code(db, bruno.email)
    for i in range(1, 5):
        at(i * login.RESEND_COOLDOWN_SECONDS)
        login.resend_code(db, sent.challenge_id)
    at(10 * login.RESEND_COOLDOWN_SECONDS)
    with pytest.raises(DomainError) as err:
        login.resend_code(db, sent.challenge_id)
    assert err.value.key == "login.error.too_many_codes"


def test_per_client_address_cap(db):
    account = make_account(db)
    contacts = [make_contact(db, account) for _ in range(3)]
    at(0)
    cap = 30
    for i in range(cap):
        login.request_code(db, contacts[i % 3].email if i < 15 else f"nobody{i}@example.com", "203.0.113.9")
    with pytest.raises(DomainError) as err:
        login.request_code(db, "someone.else@example.com", "203.0.113.9")
    assert err.value.key == "login.error.too_many_requests"
    assert login.request_code(db, "someone.else@example.com", "203.0.113.10")  # another address is fine


@pytest.mark.parametrize("case", ["unknown", "inactive", "no_access", "account_inactive"])
def test_unknown_or_refused_addresses_get_the_same_answer(db, case):
    account = make_account(db, active=case != "account_inactive")
    email = f"{case}@example.com"
    if case != "unknown":
        make_contact(db, account, email=email, active=case != "inactive", portal_access=case != "no_access")
    known = make_contact(db, email=f"known-{case}@example.com")
    at(0)
    refused = login.request_code(db, email, "9.9.9.9")
    accepted = login.request_code(db, known.email, "9.9.9.9")
    assert type(refused) is type(accepted)
    assert len(refused.challenge_id) == len(accepted.challenge_id)
    assert refused.resend_after_seconds == accepted.resend_after_seconds
    assert refused.deliveries == [] and db.exec(select(OutboundMessage)
                                                .where(OutboundMessage.recipient == email)).first() is None
    # Every request leaves a login-attempt row, known or not: it feeds the diagnosis.
    rows = db.exec(select(LoginAttempt).where(LoginAttempt.email == email)).all()
    assert [r.outcome for r in rows] == [case]
    # And a code for it never works, with the same error as a wrong code.
    with pytest.raises(DomainError) as err:
        login.verify_code(db, refused.challenge_id, "123456")
    assert err.value.key == "login.error.code_wrong"
    at(30)
    assert login.resend_code(db, refused.challenge_id).deliveries == []


def test_invalid_email_is_a_typing_error(db):
    with pytest.raises(DomainError) as err:
        login.request_code(db, "not an email")
    assert err.value.key == "login.error.email_invalid"


def test_code_is_bound_to_its_challenge(db):
    a, b = make_contact(db), make_contact(db)
    at(0)
    sa, sb = login.request_code(db, a.email), login.request_code(db, b.email)
    deliver_all(db, sa)
    with pytest.raises(DomainError):
        login.verify_code(db, sb.challenge_id, sent_code(db, a))


def test_contact_deactivated_between_code_and_verify_cannot_log_in(db, bruno):
    at(0)
    sent = login.request_code(db, bruno.email)
    deliver_all(db, sent)
    code = sent_code(db, bruno)
    bruno.active = False
    db.add(bruno)
    with pytest.raises(DomainError) as err:
        login.verify_code(db, sent.challenge_id, code)
    assert err.value.key == "login.error.code_wrong"


def test_codes_are_six_random_digits():
    from portal_app.core.security import new_code

    codes = {new_code() for _ in range(2000)}
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert len(codes) > 1990  # a cryptographic generator does not repeat itself this often


def test_resending_on_an_old_challenge_is_no_way_around_the_hourly_cap(db, bruno):
    at(0)
    sent = login.request_code(db, bruno.email, "10.9.9.9")
    at(3600 + 60)  # the challenge is more than an hour old
    with pytest.raises(DomainError) as err:
        login.resend_code(db, sent.challenge_id, "10.9.9.9")
    assert err.value.key == "login.error.challenge_over"


def test_the_hourly_cap_counts_sends_not_challenges(db, bruno):
    at(0)
    sent = login.request_code(db, bruno.email)
    for i in range(1, 5):
        at(i * 40)
        login.resend_code(db, sent.challenge_id)
    at(5 * 40)
    with pytest.raises(DomainError) as err:  # a brand-new challenge is refused too: 5 codes went out
        login.request_code(db, bruno.email)
    assert err.value.key == "login.error.too_many_codes"


def test_refused_requests_do_not_keep_a_client_address_blocked(db):
    at(0)
    for i in range(30):
        login.request_code(db, f"n{i}@example.com", "192.0.2.77")
    for _ in range(20):  # hammering while blocked writes rows, but they do not extend the block
        with pytest.raises(DomainError):
            login.request_code(db, "x@example.com", "192.0.2.77")
    at(3600 + 1)
    assert login.request_code(db, "x@example.com", "192.0.2.77")


def test_codes_typed_in_other_scripts_count_as_digits(db, bruno):
    at(0)
    sent = login.request_code(db, bruno.email)
    deliver_all(db, sent)
    code = sent_code(db, bruno)
    thai = "".join(chr(0x0E50 + int(d)) for d in code)  # Thai digits ๐-๙
    token, ctx = login.verify_code(db, sent.challenge_id, thai)
    assert ctx.contact_id == bruno.id


def test_a_hundred_failures_a_day_lock_the_contact(db, bruno):
    from portal_app.core.models.auth import LoginAttempt

    at(0)
    for _ in range(100):  # NIST's 100, by its literal value
        db.add(LoginAttempt(created_at=clock.now(), email=bruno.email, contact_id=bruno.id, kind="code_verify",
                            outcome="wrong_code"))
    db.flush()
    at(60)
    sent = login.request_code(db, bruno.email)
    deliver_all(db, sent)
    with pytest.raises(DomainError) as err:  # even the right code
        login.verify_code(db, sent.challenge_id, sent_code(db, bruno))
    assert err.value.key == "login.error.code_wrong"
    at(86400 + 120)
    sent = login.request_code(db, bruno.email)
    deliver_all(db, sent)
    assert login.verify_code(db, sent.challenge_id, sent_code(db, bruno))


def test_ninety_nine_failures_a_day_do_not_lock_the_contact(db, bruno):
    from portal_app.core.models.auth import LoginAttempt

    at(0)
    for _ in range(99):
        db.add(LoginAttempt(created_at=clock.now(), email=bruno.email, contact_id=bruno.id, kind="code_verify",
                            outcome="wrong_code"))
    db.flush()
    at(60)
    sent = login.request_code(db, bruno.email)
    deliver_all(db, sent)
    assert login.verify_code(db, sent.challenge_id, sent_code(db, bruno))


def test_no_sms_provider_means_codes_by_email(db, alice, monkeypatch):
    from portal_app.core.config import reload_settings

    monkeypatch.setenv("GUICHET_SMS_PROVIDER", "none")
    reload_settings()
    try:
        at(0)
        assert [d.channel for d in login.request_code(db, alice.email).deliveries] == ["email"]
    finally:
        monkeypatch.undo()
        reload_settings()
