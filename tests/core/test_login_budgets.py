"""Who may use up whose login codes: budgets per client address, per remembered browser, and for the
whole portal (issue 9, point 2). Each number is stated by its literal value (docs/security.md)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from portal_app.core import accounts, audit, clock
from portal_app.core.auth import devices, login, sessions as portal_sessions
from portal_app.core.errors import DomainError
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.auth import LoginAttempt
from portal_app.core.models.notify import OutboundMessage
from tests.factories import make_contact, make_staff

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
STRANGER, OWNER = "198.51.100.66", "203.0.113.20"


@pytest.fixture(autouse=True)
def _the_default_portal_budget(monkeypatch):
    """The test run raises the portal-wide budget (tests/conftest.py); these tests hold its default."""
    from portal_app.core.config import reload_settings

    monkeypatch.delenv("GUICHET_LOGIN_SEND_BUDGET", raising=False)
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


def at(seconds: float) -> None:
    clock.freeze(T0 + timedelta(seconds=seconds))


def refused(call) -> str:
    with pytest.raises(DomainError) as err:
        call()
    return err.value.key


def to_contact(sent, contact) -> bool:
    """Did this request send a code to the contact?"""
    return any(d.to in (contact.email, contact.mobile) for d in sent.deliveries)


def exhaust(db, email: str, ip: str, device_cookie: str = "") -> None:
    """Five codes an hour per contact and client (by its literal value), then a refusal."""
    for i in range(5):
        at(i * 60)
        login.request_code(db, email, ip, device_cookie=device_cookie)
    at(5 * 60)
    assert refused(lambda: login.request_code(db, email, ip, device_cookie=device_cookie)) == \
        "login.error.too_many_codes"


@pytest.fixture
def owner(db):
    return make_contact(db, email="owner@example.com")


def test_a_stranger_elsewhere_does_not_use_up_the_owners_codes(db, owner):
    exhaust(db, owner.email, STRANGER)
    assert to_contact(login.request_code(db, owner.email, OWNER), owner)
    # the resend of a challenge started elsewhere is counted for the address that asks for it
    at(6 * 60)
    assert refused(lambda: login.request_code(db, owner.email, STRANGER)) == "login.error.too_many_codes"


def test_an_unknown_address_is_budgeted_per_client_too(db):
    exhaust(db, "nobody@example.com", STRANGER)
    assert login.request_code(db, "nobody@example.com", OWNER).deliveries == []


def test_an_empty_client_address_is_one_client_not_a_free_pass(db, owner):
    exhaust(db, owner.email, "")
    # and the per-address cap counts the empty address as one client: 30, by its literal value
    at(0)
    cap = 30
    for i in range(cap - 5):
        login.request_code(db, f"nobody{i}@example.com", "")
    assert refused(lambda: login.request_code(db, "someone@example.com", "")) == "login.error.too_many_requests"
    assert login.request_code(db, "someone@example.com", OWNER)


def test_a_remembered_browser_has_its_own_budget(db, owner):
    at(0)
    cookie = devices.remember(db, owner.id)
    exhaust(db, owner.email, OWNER)  # a stranger behind the owner's own address (one NAT)
    for i in range(5):  # five codes an hour for the remembered browser, by its literal value
        at(6 * 60 + i * 60)
        assert to_contact(login.request_code(db, owner.email, OWNER, device_cookie=cookie), owner)
    rows = db.exec(select(LoginAttempt).where(LoginAttempt.device != "")).all()
    assert [r.outcome for r in rows] == ["sent_email"] * 5
    at(12 * 60)
    assert refused(lambda: login.request_code(db, owner.email, OWNER, device_cookie=cookie)) == \
        "login.error.too_many_codes"
    # the per-address cap does not hold a remembered browser either
    at(15 * 60)
    for i in range(30):
        login.request_code(db, f"n{i}@example.com", "192.0.2.1")
    assert refused(lambda: login.request_code(db, owner.email, "192.0.2.1")) == "login.error.too_many_requests"
    second = devices.remember(db, owner.id)
    assert to_contact(login.request_code(db, owner.email, "192.0.2.1", device_cookie=second), owner)


def test_a_resend_from_a_remembered_browser_uses_its_budget(db, owner):
    at(0)
    cookie = devices.remember(db, owner.id)
    sent = login.request_code(db, owner.email, OWNER, device_cookie=cookie)
    for i in range(5):
        at(i * 30)
        login.request_code(db, owner.email, OWNER)  # strangers use up the address's budget meanwhile
    at(5 * 30)
    assert refused(lambda: login.request_code(db, owner.email, OWNER)) == "login.error.too_many_codes"
    assert to_contact(login.resend_code(db, sent.challenge_id, OWNER, device_cookie=cookie), owner)


def test_forged_or_foreign_device_cookies_give_no_budget(db, owner):
    at(0)
    other = make_contact(db, email="other@example.com")
    theirs = devices.remember(db, other.id)
    mine = devices.remember(db, owner.id)
    device_id, issued, signature = mine.split(".")
    forged = [
        theirs,  # another contact's valid cookie
        f"{device_id}.{issued}.{'0' * len(signature)}",  # a made-up signature
        f"{device_id}x.{issued}.{signature}",  # another device id under my signature
        f"{device_id}.{int(issued) + 1}.{signature}",  # pushed-back issue time
        "garbage", "a.b.c", "", "." * 300,
    ]
    for cookie in forged:
        exhaust(db, owner.email, OWNER, device_cookie=cookie)
        db.exec(LoginAttempt.__table__.delete())  # a clean hour for the next one


def test_a_device_cookie_dies_with_the_email_and_with_sign_out_everywhere(db, owner):
    at(0)
    cookie = devices.remember(db, owner.id)
    assert devices.recognise(owner, cookie)
    at(60)
    portal_sessions.revoke_contact_sessions(db, owner.id, "staff_signout")
    assert not devices.recognise(owner, cookie)
    at(120)
    fresh = devices.remember(db, owner.id, cookie)
    assert fresh != cookie and devices.recognise(owner, fresh)
    at(180)
    data = accounts.ContactInput(account_id=owner.account_id, email="new-owner@example.com",
                                 first_name=owner.first_name, last_name=owner.last_name)
    accounts.save_contact(db, audit.SYSTEM, data, contact_id=owner.id)
    assert not devices.recognise(owner, fresh)


def test_a_device_cookie_lasts_a_hundred_and_eighty_days(db, owner):
    at(0)
    cookie = devices.remember(db, owner.id)
    at(180 * 86400 - 1)
    assert devices.recognise(owner, cookie)
    assert devices.remember(db, owner.id, cookie) == cookie  # a valid cookie is kept, not replaced
    at(180 * 86400)
    assert not devices.recognise(owner, cookie)


def _sent_rows(db, n: int) -> None:
    for i in range(n):
        db.add(LoginAttempt(created_at=clock.now(), email=f"c{i}@example.com", contact_id=None,
                            client_ip=f"10.1.{i // 250}.{i % 250}", kind="code_request", outcome="sent_email"))
    db.flush()


def test_the_business_wide_budget_stops_sending_and_alerts_staff_once(db, owner):
    boss = make_staff(db, role="owner")
    make_staff(db, role="agent")
    at(0)
    _sent_rows(db, 200 - 1)  # 200 codes an hour for the whole portal, by its literal value
    at(60)
    first = login.request_code(db, owner.email, OWNER)
    assert to_contact(first, owner)  # the 200th
    at(120)
    held = login.request_code(db, owner.email, OWNER)
    quiet = login.request_code(db, "nobody@example.com", OWNER)
    # the same screen as any other request: a challenge, no error, no code for the contact
    assert len(held.challenge_id) == len(quiet.challenge_id) and not to_contact(held, owner)
    assert [d.to for d in held.deliveries] == [boss.email]  # staff are told, the owner role only
    alert = db.exec(select(OutboundMessage).where(OutboundMessage.recipient == boss.email)).one()
    assert "200" in alert.body_text
    at(30 * 60)
    again = login.request_code(db, owner.email, STRANGER)
    assert again.deliveries == []  # once per window
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "login.send_budget_crossed")).all()) == 1
    outcomes = db.exec(select(LoginAttempt.outcome).where(LoginAttempt.contact_id == owner.id)
                       .order_by(LoginAttempt.id)).all()
    assert outcomes == ["sent_email", "budget_stopped", "budget_stopped"]
    # a browser the contact logged in from still gets its code
    assert to_contact(login.request_code(db, owner.email, OWNER, device_cookie=devices.remember(db, owner.id)), owner)
    # an hour after the sends, sending resumes; crossing again in a new window alerts again
    at(3600 + 61)
    assert to_contact(login.request_code(db, owner.email, "192.0.2.9"), owner)
    _sent_rows(db, 200)
    at(3600 + 180)
    assert [d.to for d in login.request_code(db, owner.email, "192.0.2.10").deliveries] == [boss.email]


def test_strangers_wearing_out_the_daily_failures_do_not_stop_a_remembered_browser(db, owner):
    """The daily failure limit (NIST's 100) bounds guessing; strangers reaching it for the contact lock
    out new browsers for a day, not the browsers the owner logged in from: those count their own."""
    import re

    at(0)
    cookie = devices.remember(db, owner.id)
    for _ in range(100):
        db.add(LoginAttempt(created_at=clock.now(), email=owner.email, contact_id=owner.id, kind="code_verify",
                            outcome="wrong_code", client_ip=STRANGER))
    db.flush()
    at(60)

    def code_for(sent) -> str:
        for d in sent.deliveries:
            login.notify.deliver(db, d)
        row = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == owner.id)
                      .order_by(OutboundMessage.id.desc())).first()
        return re.search(r"\b(\d{6})\b", row.body_text).group(1)

    sent = login.request_code(db, owner.email, OWNER)
    assert refused(lambda: login.verify_code(db, sent.challenge_id, code_for(sent), OWNER)) == "login.error.code_wrong"
    sent = login.request_code(db, owner.email, OWNER, device_cookie=cookie)
    token, ctx = login.verify_code(db, sent.challenge_id, code_for(sent), OWNER)
    assert ctx.contact_id == owner.id
    # and a remembered browser has its own 100 a day: guessing through it stays bounded
    at(120)
    for _ in range(100):
        db.add(LoginAttempt(created_at=clock.now(), email=owner.email, contact_id=owner.id, kind="code_verify",
                            outcome="wrong_code", device=devices.recognise(owner, cookie)))
    db.flush()
    sent = login.request_code(db, owner.email, OWNER, device_cookie=cookie)
    assert refused(lambda: login.verify_code(db, sent.challenge_id, code_for(sent), OWNER)) == "login.error.code_wrong"
