"""Security of the customer identity methods: passkeys cannot cross contacts, ceremonies stay on the
server, impersonation and no-session callers register nothing."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from portal_app.core import clock
from portal_app.core.auth import passkeys
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.auth import Passkey
from portal_app.core.states.portal import PortalState
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

