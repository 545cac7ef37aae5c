"""Every event handler of every state the app registers goes through a handler helper, and none of
them does anything for a browser without a session.

The list of states comes from Reflex's own state tree after every module of the app that may hold a
state is imported (all but the page and component modules, which must not define states: a test
below checks that), not from a hand-kept list: a new state or handler is walked the day it is
written. A handler written without `portal_event` / `staff_event` / `public_event` (or a mixin's
`own_side_event`) fails here. Page modules are not imported, because registering pages in the test
process would spoil the browser tests' app server."""

from __future__ import annotations

import ast
import importlib
import inspect
import typing
from pathlib import Path

import pytest
import reflex as rx
import sqlalchemy as sa
from sqlmodel import SQLModel

import portal_app

from portal_app.core.db import session_scope
from portal_app.core.states import handlers
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import SiteState
from portal_app.core.states.staff import StaffState
from tests.conftest import run_async
from tests.support.states import sub

APP_DIR = Path(portal_app.__file__).parent
PAGE_MODULES = ("pages", "page", "components")


def _is_ui_module(path: Path) -> bool:
    return path.stem.endswith(PAGE_MODULES) or path.parent.name == "ui" or path.stem == "portal_app"


for _path in sorted(APP_DIR.rglob("*.py")):  # every module that may declare a state
    if not _is_ui_module(_path):
        importlib.import_module(".".join(("portal_app", *_path.relative_to(APP_DIR).with_suffix("").parts))
                                .removesuffix(".__init__"))

# Handlers that need no actor, by design: page branding and language, the two login forms, the
# session's own load, logout and end of impersonation (each checks the session itself). Adding one
# here is a decision a reviewer sees.
PUBLIC = {
    "SiteState": {"load_site", "set_language"},
    "PortalState": {"open_page", "portal_load", "public_load", "choose_language", "logout", "end_impersonation",
                    "forget_pages"},
    "StaffState": {"open_page", "admin_load", "staff_logout", "choose_language"},
    "LoginState": {"login_load", "keep_email", "submit_email", "resend", "send_by_email", "other_email", "submit_code",
                   "start_passkey", "finish_passkey", "submit_totp", "choose_step", "submit_password",
                   "request_password_link"},
    "PasswordState": {"password_load", "save_password"},
    "StaffLoginState": {"staff_login_load", "submit_password", "submit_totp"},
    # The help centre is read by visitors too: its rules decide what a reader without a session sees.
    "HelpLinkState": {"load_help_link"},
    "HelpState": {"load_help", "search_help", "show_category", "prev_help_page", "next_help_page"},
    "HelpArticleState": {"load_article"},
    # An invited staff member choosing their password: the link's token is the credential.
    "StaffWelcomeState": {"welcome_load", "choose_password"},
    # Self-service sign-up (a business option): the code sent to the email is the credential.
    "SignupState": {"load_signup_link", "load_signup", "submit_signup_email", "submit_signup_code",
                    "submit_signup_name"},
}
# The customer's own acts, refused while staff impersonate the contact (`impersonated="refuse"`):
# paying, writing to the business as the contact, sending them files. Bookings are allowed and
# recorded as "by <staff> for <contact>". Adding or removing one here is a decision a reviewer sees.
REFUSED_WHILE_IMPERSONATING = {
    # The contact's time zone is their own preference: staff viewing the portal do not change it.
    "PortalState": {"save_time_zone"},
    "PayState": {"start_checkout"},
    # Billing alerts are the customer's own settings: staff viewing the portal do not set them for them.
    "UsageAlertsState": {"add_alert", "delete_alert"},
    "MessagesState": {"send_new", "send_reply", "remove_attachment", "upload_attachments"},
    "DocumentsState": {"upload_document"},
    "TicketState": {"send_new", "send_reply", "resolve_ticket", "reopen_ticket", "remove_attachment",
                    "upload_attachments", "answered_by_article"},
    "PrivacyState": {"start_change", "confirm_change", "set_consent", "request_export", "request_erasure"},
    "TeamState": {"save_member", "remove_access", "resend_access"},
}
SIDES = {"portal": PortalState, "staff": StaffState}


def app_states() -> list[type[rx.State]]:
    """Every state class of the app, walked from Reflex's root state."""
    found, pending = [], [rx.State]
    while pending:
        cls = pending.pop()
        pending.extend(cls.get_substates())
        if cls.__module__.startswith("portal_app."):
            found.append(cls)
    return sorted(found, key=lambda c: c.get_full_name())


def own_handlers(cls: type[rx.State]) -> dict[str, typing.Any]:
    """The events this state class declares (inherited ones are walked on the class that has them)."""
    return {name: h for name, h in cls.event_handlers.items()
            if not name.startswith("_") and getattr(h.fn, "__module__", "").startswith("portal_app.")}


STATES = app_states()
ALL = [(cls, name, h) for cls in STATES for name, h in own_handlers(cls).items()]


def test_the_walk_sees_the_whole_app():
    names = {cls.__name__ for cls in STATES}
    assert {"SiteState", "PortalState", "StaffState", "LoginState", "StaffLoginState", "AdminAccountsState",
            "DashboardState"} <= names
    assert len(STATES) >= 30 and len(ALL) >= 150


@pytest.mark.parametrize("cls,name,handler", ALL, ids=[f"{c.__name__}.{n}" for c, n, _ in ALL])
def test_every_handler_goes_through_a_helper(cls, name, handler):
    side = getattr(handler.fn, handlers.SIDE_MARK, None)
    assert side in {"portal", "staff", "public", "own"}, f"{cls.__name__}.{name} skips the handler helper"
    if side == "public":
        assert name in PUBLIC.get(cls.__name__, set()), f"{cls.__name__}.{name} is public: declare it in PUBLIC"
    elif side in SIDES:
        assert issubclass(cls, SIDES[side]), f"{cls.__name__}.{name} is a {side} handler on the wrong side"
    else:  # a mixin's handler (paged lists, dialogs): the state's own side decides
        assert issubclass(cls, (PortalState, StaffState))


def _argument(param: inspect.Parameter, hints: dict):
    """A plausible value of the annotated type, as a browser could send it."""
    hint = hints.get(param.name, str)
    origin = typing.get_origin(hint) or hint
    text = str(hint)
    if "Upload" in text:
        return [] if origin is list else _no_chunks()
    if origin is dict:
        return {"id": "1", "q": "x", "email": "someone@example.com", "code": "123456", "name": "x"}
    if origin is list:
        return []
    if hint is int:
        return 1
    if hint is bool:
        return True
    return "1"


async def _no_chunks():
    if False:  # an empty upload
        yield None


def _row_counts() -> dict[str, int]:
    with session_scope() as db:
        return {t.name: db.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


GUARDED = [(cls, name, h) for cls, name, h in ALL if getattr(h.fn, handlers.SIDE_MARK, None) != "public"]


@pytest.mark.parametrize("cls,name,handler", GUARDED, ids=[f"{c.__name__}.{n}" for c, n, _ in GUARDED])
def test_without_a_session_every_handler_is_refused_and_writes_nothing(root, monkeypatch, cls, name, handler):
    refusals = []
    real = handlers._refuse
    monkeypatch.setattr(handlers, "_refuse", lambda state, exc: (refusals.append(getattr(exc, "key", exc)),
                                                                  real(state, exc)))
    state = sub(root, cls)
    assert (getattr(state, "portal_sid", "") or getattr(state, "staff_sid", "")) == ""
    fn = handler.fn
    hints = typing.get_type_hints(fn)
    args = [_argument(p, hints) for p in list(inspect.signature(fn).parameters.values())[1:]
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    before = _row_counts()
    result = fn(state, *args)
    if inspect.isasyncgen(result):
        async def drain():
            return [update async for update in result]
        result = run_async(drain())
    elif inspect.iscoroutine(result):
        result = run_async(result)
    assert refusals == ["error.session_over"], f"{cls.__name__}.{name} was not refused: {refusals}"
    assert not result, f"{cls.__name__}.{name} answered {result!r} without a session"
    assert _row_counts() == before, f"{cls.__name__}.{name} wrote to the database without a session"


def _rule(handler) -> handlers.Rule:
    return getattr(handler.fn, handlers.RULE_MARK)


def test_every_console_handler_names_a_permission_of_the_table():
    """Each console state declares its area, and each handler's permission resolves in the table
    (tests/console/test_security_roles.py then calls every one of them as every role)."""
    from portal_app.core import permissions

    for cls, name, h in ALL:
        if issubclass(cls, StaffState) and getattr(h.fn, handlers.SIDE_MARK) in ("staff", "own"):
            permissions.resolve(_rule(h).permission, cls.area)  # ValueError when it does not


def test_the_portal_handlers_refused_while_impersonating_are_the_listed_ones():
    found: dict[str, set[str]] = {}
    for cls, name, h in ALL:
        if issubclass(cls, PortalState) and _rule(h).impersonated == "refuse":
            found.setdefault(cls.__name__, set()).add(name)
    assert found == REFUSED_WHILE_IMPERSONATING


def test_the_browser_never_sees_db_or_ctx():
    for cls, name, h in ALL:
        params = list(inspect.signature(h.fn).parameters)
        assert "db" not in params and "ctx" not in params, f"{cls.__name__}.{name} exposes {params}"


def test_site_state_is_the_root_of_both_sides():
    assert issubclass(PortalState, SiteState) and issubclass(StaffState, SiteState)


def test_page_and_component_modules_declare_no_state():
    """What makes the walk complete: states live in the modules it imports."""
    for path in APP_DIR.rglob("*.py"):
        if _is_ui_module(path):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef):
                    bases = {ast.unparse(b) for b in node.bases}
                    assert not any("State" in b or "PagedList" in b for b in bases), \
                        f"{path.relative_to(APP_DIR)} declares the state {node.name}: move it to a state module"


def test_no_backend_var_is_declared_twice_in_one_state_lineage():
    """Two `_name` vars of one name in a state and its ancestors (mixins included) shadow each other:
    a page's backend var once took the place of the site's list of offered languages."""
    for cls in STATES:
        seen: dict[str, str] = {}
        for klass in cls.__mro__:
            if not (isinstance(klass, type) and issubclass(klass, rx.State)) or klass.__module__.startswith("reflex"):
                continue
            for name in vars(klass).get("__annotations__", {}):
                if name.startswith("_") and not name.startswith("__"):
                    assert name not in seen or seen[name] == klass.__name__, \
                        f"{cls.__name__}: {name} is declared in {seen[name]} and in {klass.__name__}"
                    seen.setdefault(name, klass.__name__)


def test_a_database_that_does_not_answer_is_told_and_the_next_event_works(root, monkeypatch):
    """The database unavailable for a moment: the handler answers "briefly unavailable" (not a crash,
    nothing written), and the next event, once the database is back, works as usual."""
    from sqlalchemy.exc import OperationalError

    from portal_app.core.auth import sessions as portal_sessions
    from portal_app.messages.state import ThreadsState
    from tests.factories import make_contact

    with session_scope() as db:
        token = portal_sessions.open_session(db, make_contact(db).id)
    page = sub(root, ThreadsState)
    page.portal_sid = token
    real = handlers.session_scope
    calls = {"n": 0}

    def flaky():
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("SELECT 1", {}, Exception("could not connect to server"))
        return real()

    monkeypatch.setattr(handlers, "session_scope", flaky)
    page.load_list()
    assert page.error_key == "error.unavailable"
    page.load_list()
    assert page.error_key == "" and page.total == 0
