"""What keeps a code login cheap, pinned by what each step sends to the database and to the browser (never by
time): the statements and commits of every round trip, one read per row, the budgets in one statement, the
new session not read back, the catalogue not sent again to a new tab in the language it was compiled in.
`python -m tests.bench.profile_login` measures the same journey's CPU."""

from __future__ import annotations

import itertools

from portal_app.core.business import forget_cached_business, get_business
from portal_app.core.db import session_scope
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import SiteState
from portal_app.login.state import LoginState
from tests.conftest import run_async
from tests.factories import make_contact
from tests.support.sql import SqlSent
from tests.support.states import last_code, sub

_n = itertools.count(1)


def _tab(root, path: str, ip: str) -> None:
    from reflex.istate.data import RouterData

    root.router = RouterData.from_router_data({"pathname": path, "asPath": path, "ip": ip,
                                               "headers": {"origin": "http://localhost:3000"}})


def _contact() -> str:
    with session_scope() as db:
        return make_contact(db, email=f"cost{next(_n)}@example.com", language="en").email


def _delta(root) -> dict:
    delta = run_async(root._get_resolved_delta())
    root._clean()
    return delta


def test_opening_the_login_page_and_asking_for_a_code_send_few_statements(root):
    email, ip = _contact(), f"10.77.0.{next(_n)}"
    login = sub(root, LoginState)
    _tab(root, "/login", ip)
    login.login_load()  # the business settings are then cached (for 5 s) for the tabs that follow
    with SqlSent() as opening:
        login.login_load()
    assert len(opening.statements) == 0  # branding cached, no session to check

    with SqlSent() as asking:
        login.submit_email({"email": email})
    assert login.step == "code" and login.error_key == ""
    # Contact with its account (1), the three code budgets (1), the attempt, the challenge, the staff's
    # email rewrites, the outbox row (4); the send after commit: claim, read, outcome (3).
    assert len(asking.statements) == 9, asking.statements
    assert asking.selects("login_attempt") == 1  # per address, per contact, portal-wide: one statement
    assert asking.selects("account") == 0  # read with the contact
    assert asking.commits == 3  # the request; the send's claim, then its outcome (no transaction held across it)



def test_a_right_code_opens_the_session_with_few_statements_and_one_commit(root):
    email, ip = _contact(), f"10.77.4.{next(_n)}"
    login = sub(root, LoginState)
    _tab(root, "/login", ip)
    login.submit_email({"email": email})
    code = last_code(email)
    with SqlSent() as checking:
        login.submit_code({"code": code})
    assert login.error_key == "" and login.portal_sid
    # The challenge with its contact and account (1), the failures of the day (1); then the writes: contact's
    # last login, attempt, challenge ended, session, audit (5). The new session is not read back.
    assert len(checking.statements) == 7, checking.statements
    assert checking.selects("portal_session") == 0 and checking.selects("contact") == 0
    assert checking.commits == 1

    _tab(root, "/", ip)
    with SqlSent() as home:
        sub(root, PortalState).open_page("/")
    assert sub(root, PortalState).authed
    assert home.selects("portal_session") == 1  # the session check still reads the database
    assert home.commits == 1


def test_a_code_login_checks_the_session_on_the_next_event_all_the_same(root):
    """The session opened from the rows the login checked is an ordinary one: revoked, the next event
    refuses it (nothing of the login is cached)."""
    from portal_app.core.auth import sessions as portal_sessions

    email, ip = _contact(), f"10.77.1.{next(_n)}"
    login = sub(root, LoginState)
    _tab(root, "/login", ip)
    login.submit_email({"email": email})
    login.submit_code({"code": last_code(email)})
    portal = sub(root, PortalState)
    assert portal.authed and portal.contact_name and portal.account_name
    with session_scope() as db:
        portal_sessions.revoke_session(db, portal.portal_sid, "test")
    _tab(root, "/", ip)
    portal.open_page("/")
    assert not portal.authed


def test_a_new_tab_is_not_sent_the_catalogue_it_was_compiled_with(root):
    _tab(root, "/login", f"10.77.2.{next(_n)}")
    _delta(root)
    sub(root, LoginState).login_load()
    site = _delta(root).get(SiteState.get_full_name(), {})
    assert site.get("lang_rx_state_") == "en"
    assert "tr_rx_state_" not in site  # the English catalogue is already in the compiled page


def test_a_tab_in_another_language_gets_its_catalogue(root):
    with session_scope() as db:
        row = get_business(db)
        before = (row.languages, row.default_language)
        row.languages, row.default_language = ["en", "fr"], "fr"
        db.add(row)
    forget_cached_business()
    try:
        _tab(root, "/login", f"10.77.3.{next(_n)}")
        _delta(root)
        sub(root, LoginState).login_load()
        site = _delta(root).get(SiteState.get_full_name(), {})
        assert site.get("lang_rx_state_") == "fr"
        assert site["tr_rx_state_"]["login.title"] == sub(root, SiteState).tr["login.title"] != ""
        assert sub(root, SiteState).tr["app.logout"] == "Se déconnecter"
    finally:
        with session_scope() as db:
            row = get_business(db)
            row.languages, row.default_language = before
            db.add(row)
        forget_cached_business()
