"""Privacy test helpers: a contact with the GDPR right and a live session, on the session's database."""

from __future__ import annotations

import itertools

import pytest

from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from tests.factories import make_account, make_contact

_n = itertools.count(1)


def gdpr_contact(db, account=None, **kw):
    kw.setdefault("portal_role", "admin")
    kw.setdefault("rights", ["gdpr", "invoices"])
    return make_contact(db, account or make_account(db, name=f"Privacy {next(_n)}"),
                        email=kw.pop("email", f"privacy{next(_n)}@example.com"), **kw)


@pytest.fixture
def person():
    """(contact id, account id, session token) of a fresh contact with the GDPR right."""
    with session_scope() as db:
        c = gdpr_contact(db)
        return c.id, c.account_id, portal_sessions.open_session(db, c.id)


def ctx_of(db, token):
    return portal_sessions.resolve_session(db, token)
