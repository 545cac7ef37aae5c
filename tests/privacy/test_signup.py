"""Self-service sign-up: off by default; email, code, name; GDPR-only access on the account whose
domains match, else waiting for staff; staff told; known and unknown addresses answered alike."""

from __future__ import annotations

import itertools
import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event
from sqlmodel import select

from portal_app.core import accounts, clock
from portal_app.core.db import get_engine, session_scope
from portal_app.core.errors import DomainError
from portal_app.core.models.accounts import Contact
from portal_app.core.models.notify import OutboundMessage
from portal_app.privacy import settings, signup
from portal_app.privacy.models import SignupChallenge
from portal_app.privacy.signup_state import SignupState
from portal_app.privacy.state import PrivacyState
from portal_app.privacy.team_state import TeamState
from tests.factories import make_account, make_staff, staff_ctx
from tests.support.states import public_json, sub

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
_n = itertools.count(1)


@pytest.fixture
def signup_on():
    with session_scope() as db:
        settings.update_settings(db, staff_ctx(db).actor, intro={}, dpo_email="", signup_enabled=True)
    yield
    with session_scope() as db:
        settings.update_settings(db, staff_ctx(db).actor, intro={}, dpo_email="", signup_enabled=False)


def _domain():
    return f"firm{next(_n)}-{time.time_ns() % 10**9}.example"


def _code(email):
    with session_scope() as db:
        row = db.exec(select(OutboundMessage).where(OutboundMessage.recipient == email,
                                                    OutboundMessage.template == "signup_code")
                      .order_by(OutboundMessage.id.desc())).first()
    return re.search(r"\b(\d{6})\b", row.body_text).group(1)


def _ip():
    return f"10.9.{next(_n) % 250}.{next(_n) % 250}"


def test_sign_up_is_off_by_default():
    from portal_app.privacy.models import PrivacySettings

    assert PrivacySettings().signup_enabled is False  # a new portal's default
    with session_scope() as db:
        settings.update_settings(db, staff_ctx(db).actor, intro={}, dpo_email="", signup_enabled=False)
    with session_scope() as db:
        with pytest.raises(DomainError) as off:
            signup.start(db, "someone@example.com", _ip())
        assert off.value.key == "signup.error.off"


def test_domains_match_one_active_account_exactly():
    d = _domain()
    with session_scope() as db:
        account = make_account(db, name="Matching", domains=f"{d}, other-{d}")
        make_account(db, name="Inactive", domains=f"x-{d}", active=False)
        assert [a.id for a in signup.matching_accounts(db, f"Jo@{d}")] == [account.id]
        assert signup.matching_accounts(db, f"jo@sub.{d}") == []  # no partial domain match
        assert signup.matching_accounts(db, f"jo@x-{d}") == []  # inactive account
        assert signup.matching_accounts(db, f"jo@{d[1:]}") == []  # "irm1…" is inside the text, not a domain


def test_sign_up_with_a_matching_domain_ends_with_gdpr_only_and_staff_told(signup_on):
    d = _domain()
    with session_scope() as db:
        account = make_account(db, name="Firm", domains=d)
        owner = make_staff(db, email=f"owner{next(_n)}@guichet.example").email
        account_id = account.id
    email = f"new.person@{d}"
    with session_scope() as db:
        signup_id, deliveries = signup.start(db, email.upper(), _ip())
        assert len(deliveries) == 1
    with session_scope() as db:
        with pytest.raises(DomainError):
            signup.verify(db, signup_id, "000000" if _code(email) != "000000" else "111111")
    with session_scope() as db:
        signup.verify(db, signup_id, _code(email))
        contact, told = signup.finish(db, signup_id, first_name="Noa", last_name="Levi", language="en")
        assert (contact.account_id, contact.rights, contact.portal_role) == (account_id, ["gdpr"], "member")
        # a member may hold the GDPR right (their own data), and holds nothing else
        assert accounts.effective_rights(contact) == ["gdpr"]
        assert told  # one email per active owner or staff user
    with session_scope() as db:
        assert db.exec(select(OutboundMessage).where(OutboundMessage.recipient == owner,
                                                     OutboundMessage.template == "signup_staff")).first()
        with pytest.raises(DomainError):  # a used sign-up cannot make a second contact
            signup.finish(db, signup_id, first_name="X", last_name="Y", language="en")


def test_without_a_matching_account_the_sign_up_waits_for_staff(signup_on):
    email = f"solo@{_domain()}"
    with session_scope() as db:
        signup_id, _ = signup.start(db, email, _ip())
    with session_scope() as db:
        signup.verify(db, signup_id, _code(email))
        contact, _ = signup.finish(db, signup_id, first_name="Sam", last_name="", language="en")
        assert contact is None
    with session_scope() as db:
        assert db.exec(select(Contact).where(Contact.email == email)).first() is None
        assert signup_id in [w.id for w in signup.waiting(db)]


def _statements(fn) -> list[str]:
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(re.sub(r"\s+", " ", statement))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_work(signup_on):
    """Same answer on screen, same SQL statements in the same order, one email queued either way (the
    known address gets "you already have access", whose code is never sent and cannot be typed)."""
    from portal_app.core.business import forget_cached_business

    d = _domain()
    with session_scope() as db:
        known = make_account(db, name="K", domains=d)
        db.add(Contact(account_id=known.id, email=f"known@{d}", rights=["gdpr"]))
    answers = {}

    def start(email):
        def run():
            forget_cached_business()  # both runs start cold: the business settings' short cache must not differ
            with session_scope() as db:
                answers[email] = signup.start(db, email, _ip())
        return run

    known_sql = _statements(start(f"known@{d}"))
    unknown_sql = _statements(start(f"unknown@{d}"))
    assert known_sql == unknown_sql
    assert [len(answers[e][1]) for e in (f"known@{d}", f"unknown@{d}")] == [1, 1]
    with session_scope() as db:
        templates = {m.recipient: m.template for m in db.exec(select(OutboundMessage).where(
            OutboundMessage.recipient.in_((f"known@{d}", f"unknown@{d}")))).all()}
        assert templates == {f"known@{d}": "signup_existing", f"unknown@{d}": "signup_code"}
        mail = db.exec(select(OutboundMessage).where(OutboundMessage.recipient == f"known@{d}")).first()
        assert not re.search(r"\b\d{6}\b", mail.body_text)  # no code to the known address


def test_sign_up_limits_per_address_and_per_email_and_tries(signup_on):
    ip = _ip()
    d = _domain()
    clock.freeze(T0)
    try:
        for n in range(5):  # MAX_SIGNUPS_PER_IP_PER_HOUR
            with session_scope() as db:
                signup.start(db, f"p{n}@{d}", ip)
        with session_scope() as db:
            with pytest.raises(DomainError) as capped:
                signup.start(db, f"p9@{d}", ip)
            assert capped.value.key == "login.error.too_many_requests"
        for n in range(3):  # MAX_SIGNUPS_PER_EMAIL_PER_HOUR, from three different addresses
            with session_scope() as db:
                signup.start(db, f"same@{d}", _ip())
        with session_scope() as db:
            with pytest.raises(DomainError):
                signup.start(db, f"same@{d}", _ip())
        clock.freeze(T0 + timedelta(hours=1, seconds=1))
        with session_scope() as db:
            signup_id, _ = signup.start(db, f"tries@{d}", ip)  # the hour has passed
        for _ in range(5):  # MAX_CODE_ATTEMPTS
            with session_scope() as db:
                with pytest.raises(DomainError):
                    signup.verify(db, signup_id, "abc")
        with session_scope() as db:
            with pytest.raises(DomainError) as over:
                signup.verify(db, signup_id, _code(f"tries@{d}"))
            assert over.value.key == "signup.error.expired"
        with session_scope() as db:
            late_id, _ = signup.start(db, f"late@{d}", _ip())
        clock.freeze(T0 + timedelta(hours=1, seconds=1) + timedelta(minutes=10))
        with session_scope() as db:
            with pytest.raises(DomainError):
                signup.verify(db, late_id, _code(f"late@{d}"))
    finally:
        clock.freeze(None)


def test_the_sign_up_page_ends_in_the_gdpr_space(signup_on, root):
    d = _domain()
    with session_scope() as db:
        make_account(db, name="Page Firm", domains=d)
    email = f"page@{d}"
    page = sub(root, SignupState)
    page.load_signup()
    assert page.offered and page.step == "email"
    page.submit_signup_email({"email": email})
    assert page.error_key == "" and page.step == "code" and page.info_key == "signup.code_sent"
    assert "signup_id" not in public_json(root)  # the sign-up in progress stays on the server
    page.submit_signup_code({"code": _code(email)})
    assert page.step == "name"
    page.submit_signup_name({"first_name": "Ida", "last_name": "Nordin"})
    assert page.error_key == "" and page.portal_sid and page.authed
    with session_scope() as db:
        c = db.exec(select(Contact).where(Contact.email == email)).one()
        assert c.rights == ["gdpr"]
    space = sub(root, PrivacyState)  # where the redirect leads: the GDPR space opens for them
    space.portal_sid = page.portal_sid
    space.load_privacy()
    assert space.error_key == "" and space.email == email and space.rights_text == "gdpr"
    team_page = sub(root, TeamState)  # a member: no team page
    team_page.portal_sid = page.portal_sid
    team_page.load_team()
    assert team_page.members == []
    page.step = "email"
    page.submit_signup_email({"email": email})  # now a known address: the same answer as the first time
    assert (page.error_key, page.step, page.info_key) == ("", "code", "signup.code_sent")
    with session_scope() as db:
        assert len(db.exec(select(SignupChallenge).where(SignupChallenge.email == email)).all()) == 2
