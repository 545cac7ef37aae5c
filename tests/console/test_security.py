"""Console handlers: nothing without a full staff session, and what staff end really ends."""

from __future__ import annotations

import pytest

from portal_app.console.contacts_state import AdminContactState
from portal_app.core.db import session_scope
from portal_app.core.states.portal import PortalState
from portal_app.core.states.staff import StaffState
from portal_app.login.state import LoginState
from tests.factories import make_contact, staff_session
from tests.support.states import last_code, sub

@pytest.fixture
def contact() -> tuple[int, str]:
    """A fresh contact of a fresh account: (id, email)."""
    with session_scope() as db:
        row = make_contact(db)
        return row.id, row.email


def test_console_handlers_refuse_without_a_staff_session(root, contact):
    cid, email = contact
    c = sub(root, AdminContactState)
    c.staff_sid = ""
    c.contact_id, c.account_id = cid, 1
    c.save_contact({"email": "hijack@example.com", "language": "en", "portal_role": "admin"})
    assert c.flash_key == "error.session_over"
    from portal_app.core.models.accounts import Contact

    with session_scope() as db:
        assert db.get(Contact, cid).email == email
    assert sub(root, StaffState).admin_load() is not None  # redirected to the console login


def test_staff_sign_out_everywhere_ends_the_customers_sessions(root, contact):
    cid, email = contact
    login = sub(root, LoginState)
    login.submit_email({"email": email})
    login.submit_code({"code": last_code(email)})
    portal = sub(root, PortalState)
    assert portal.authed
    with session_scope() as db:
        token = staff_session(db)
    console = sub(root, AdminContactState)
    console.staff_sid, console.contact_id = token, cid
    console.sign_out_everywhere()
    assert console.flash_kind == "info" and console.flash_params == {"count": "1"}
    assert portal.portal_load() is not None and not portal.authed
