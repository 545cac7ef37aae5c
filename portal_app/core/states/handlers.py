"""The one way to write an event handler.

Every public method of a Reflex state is an event that any browser may call with arguments of its
choosing. So every handler goes through one of three decorators, and a test walks the whole state
tree to prove it (a handler without one fails that test):

    @portal_event   a customer handler:  fn(self, db, ctx, *args)   ctx: the PortalContext
    @staff_event    a console handler:   fn(self, db, ctx, *args)   ctx: the StaffContext
    @public_event   no actor needed (login forms, language, page branding): fn(self, db, *args)

The decorator opens the database session, resolves and checks the actor before the handler's first
line (no live session: refused, nothing written), turns a `DomainError` into the user's message
(`self._fail`, defined once per side), answers "not found" to an argument of the wrong shape, and
commits or rolls back (`session_scope`: a refusal keeps what it recorded, a crash keeps nothing).
The browser sees the handler's own parameters only: `db` and `ctx` are not part of its signature.

Right after the actor, before the handler's first line, the side checks what the handler declared:

    @staff_event("read")           the console role must hold "<state's area>.read" (`core/permissions.py`);
    @staff_event                   a bare one needs "<area>.write": a handler that forgets to say it
                                   only reads is refused to read-only roles, never allowed to write;
    @staff_event("support.write")  a permission of another area than the state's;
    @portal_event(impersonated="refuse")   refused while staff impersonate the contact: the
                                   customer's own acts (paying, writing as them, sending them files).

A refusal is audited and shown like any other; nothing of the handler runs.

A page opens with ONE event (`run_page_loads`, called by the shells' `open_page`): the shell's work
(branding, the session) and the page's own load handlers run in that event and its one database
session, each load with the same checks and the same refusals as when it is sent alone.

Async handlers (uploads, payment providers, impersonation) receive `(self, ctx, *args)` without a
database session: none is held across an `await`. With `background=True` the actor check runs
inside `async with self`, and the handler takes the state lock itself when it changes vars.

Slow work (rendering and storing a PDF, a provider call, building an archive) never runs in a sync
handler: Reflex runs those on the worker's event loop, under the state lock, and every browser that
worker serves would wait. It runs in a background handler through `off_loop(work)`, in a thread with
a database session of its own, committed there (a refusal keeps what it recorded, as above).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import typing
from dataclasses import dataclass
from typing import Any, Callable

import reflex as rx
from reflex.event import EventHandler

from sqlalchemy.exc import OperationalError

from portal_app.core import zones
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError, NotFound

log = logging.getLogger("guichet.handlers")

# Set on every wrapped handler: "portal", "staff", "own" (a mixin's: the state's side) or "public".
# The handler-walk test reads it.
SIDE_MARK = "_guichet_side"
# Set on every wrapped handler: what it declared beyond its side, a `Rule`. The walk tests read it.
RULE_MARK = "_guichet_rule"
IMPERSONATION_CHOICES = ("allow", "refuse")


@dataclass(frozen=True)
class Rule:
    """What a handler needs beyond a live actor: a console permission ("read", "write" on the state's
    area, or "area.level"), and whether it runs while staff impersonate the contact."""

    permission: str | None = None  # None: "write"
    impersonated: str = "allow"


def _browser_signature(fn: Callable, injected: int) -> inspect.Signature:
    """The handler's signature as the browser sees it: `self` and the event's own arguments."""
    params = list(inspect.signature(fn).parameters.values())
    return inspect.Signature([params[0], *params[1 + injected:]])


def _container_shapes(fn: Callable, injected: int) -> dict[str, tuple[int, type]]:
    """The browser's arguments declared `dict` or `list` (a form, a selection): name -> (position, type).
    A browser may send anything in their place; a rule would then fail on `.get` or iteration."""
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - an annotation naming a type only the page module knows
        hints = {}
    params = list(inspect.signature(fn).parameters.values())[1 + injected:]
    shapes = {}
    for position, param in enumerate(params):
        hint = hints.get(param.name)
        origin = typing.get_origin(hint) or hint
        if origin in (dict, list):
            shapes[param.name] = (position, origin)
    return shapes


def _check_shapes(shapes: dict[str, tuple[int, type]], args: tuple, kwargs: dict) -> None:
    for name, (position, kind) in shapes.items():
        value = kwargs[name] if name in kwargs else args[position] if position < len(args) else None
        if name in kwargs or position < len(args):
            if not isinstance(value, kind):
                raise TypeError(f"{name} must be a {kind.__name__}, not {type(value).__name__}")


def _refuse(state, exc: Exception) -> None:
    if isinstance(exc, OperationalError):
        # The database did not answer (restarting, failing over, locked too long): nothing was written
        # (the transaction rolled back), the user reads that it is temporary, the next event retries.
        log.error("%s: database unavailable: %s", type(state).__name__, str(exc).splitlines()[0][:300])
        exc = DomainError("error.unavailable")
    elif not isinstance(exc, DomainError):
        # A value of the wrong shape reached a rule (a browser can send anything): same answer as a
        # foreign id, and a line for the operator.
        log.warning("%s refused arguments: %s", type(state).__name__, exc)
        exc = NotFound()
    state._fail(exc)


async def off_loop(work: Callable[[Any], Any]) -> Any:
    """`work(db)` in a worker thread with its own database session, committed when it returns: the event
    loop and the state lock stay free meanwhile. A DomainError it raises reaches the caller (and
    so the handler's refusal), with what the work recorded before refusing committed."""
    def run():
        with session_scope() as db:
            return work(db)

    return await asyncio.to_thread(run)


def _reader_zone(state) -> Callable[[], str] | None:
    """The state's reader's time zone, read when a date is formatted (`SiteState._reader_zone`)."""
    return getattr(state, "_reader_zone", None)


def _wrap(fn: Callable, side: str, *, background: bool = False, rule: Rule = Rule()) -> Any:
    needs_actor = side != "public"
    if rule.impersonated not in IMPERSONATION_CHOICES:
        raise TypeError(f"{fn.__qualname__}: impersonated must be one of {IMPERSONATION_CHOICES}")

    def actor(state, db):
        ctx = state._actor(db)
        state._authorise(db, ctx, rule, fn.__name__)
        return ctx

    is_async = inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn)
    shapes = _container_shapes(fn, (2 if needs_actor else 1) if not is_async else (1 if needs_actor else 0))
    if background and not is_async:
        raise TypeError(f"{fn.__qualname__}: a background handler must be async")
    if inspect.isgeneratorfunction(fn):
        # Its body would run after the session closed: return a list of events instead.
        raise TypeError(f"{fn.__qualname__}: a sync handler returns its events, it does not yield them")

    if not is_async:
        # fn(self, db, [ctx,] *args)
        @functools.wraps(fn)
        def handler(self, *args, **kwargs):
            try:
                with session_scope() as db, zones.reading(_reader_zone(self)):
                    ctx = actor(self, db) if needs_actor else None
                    _check_shapes(shapes, args, kwargs)
                    if needs_actor:
                        return fn(self, db, ctx, *args, **kwargs)
                    return fn(self, db, *args, **kwargs)
            except (DomainError, TypeError, ValueError, OperationalError) as exc:
                _refuse(self, exc)
                return None

        injected = 2 if needs_actor else 1
    else:
        # fn(self, [ctx,] *args), async: the actor is checked in a short session of its own.
        def check(state):
            if not needs_actor:
                return True, None
            try:
                with session_scope() as db:
                    return True, actor(state, db)
            except (DomainError, OperationalError) as exc:
                _refuse(state, exc)
                return False, None

        async def checked(state):
            if background:
                async with state:
                    return check(state)
            return check(state)

        async def fail(state, exc):
            if background:
                async with state:
                    _refuse(state, exc)
            else:
                _refuse(state, exc)

        def call(state, ctx, args, kwargs):
            _check_shapes(shapes, args, kwargs)
            return fn(state, ctx, *args, **kwargs) if needs_actor else fn(state, *args, **kwargs)

        if inspect.isasyncgenfunction(fn):
            @functools.wraps(fn)
            async def handler(self, *args, **kwargs):
                ok, ctx = await checked(self)
                if not ok:
                    return
                try:
                    with zones.reading(_reader_zone(self)):
                        async for update in call(self, ctx, args, kwargs):
                            yield update
                except (DomainError, TypeError, ValueError, OperationalError) as exc:
                    await fail(self, exc)
        else:
            @functools.wraps(fn)
            async def handler(self, *args, **kwargs):
                ok, ctx = await checked(self)
                if not ok:
                    return None
                try:
                    with zones.reading(_reader_zone(self)):
                        return await call(self, ctx, args, kwargs)
                except (DomainError, TypeError, ValueError, OperationalError) as exc:
                    await fail(self, exc)
                    return None

        injected = 1 if needs_actor else 0

    signature = _browser_signature(fn, injected)
    handler.__signature__ = signature
    handler.__annotations__ = {k: v for k, v in getattr(fn, "__annotations__", {}).items()
                               if k in signature.parameters or k == "return"}
    setattr(handler, SIDE_MARK, side)
    setattr(handler, RULE_MARK, rule)
    return rx.event(handler, background=background) if background else rx.event(handler)


def _decorator(side: str):
    """`@x_event`, `@x_event(background=True)`, and on the console side `@staff_event("read")`."""

    def decorate(fn: Callable | str | None = None, *, background: bool = False, permission: str | None = None,
                 impersonated: str = "allow"):
        if isinstance(fn, str):  # @staff_event("read"): the permission, positionally
            fn, permission = None, fn
        if permission is not None and side == "portal":
            raise TypeError("a portal handler has no console permission")
        if impersonated != "allow" and side == "staff":
            raise TypeError("a console handler is never impersonated")
        rule = Rule(permission, impersonated)
        if fn is None:
            return lambda f: _wrap(f, side, background=background, rule=rule)
        return _wrap(fn, side, background=background, rule=rule)

    decorate.__name__ = f"{side}_event"
    return decorate


portal_event = _decorator("portal")
# For mixins that serve both sides (paged lists, dialogs): the actor comes from the state's own side.
own_side_event = _decorator("own")
staff_event = _decorator("staff")
public_event = _decorator("public")


def _load_handler(item: Any):
    """The handler of a page load the opening event can run itself: a sync handler written with a
    helper and sent without arguments (an `EventHandler`, or an `EventSpec` of one with no args)."""
    handler = item if isinstance(item, EventHandler) else getattr(item, "handler", None)
    if handler is None or getattr(item, "args", ()) or handler.state is None:
        return None
    fn = handler.fn
    if getattr(fn, SIDE_MARK, None) is None or not hasattr(fn, "__wrapped__"):
        return None
    if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
        return None
    return handler


def run_page_loads(state: rx.State, db, loads) -> list:
    """Run a page's load handlers inside the event that opens it, on the session `db` it holds.

    Each load runs as its own event would: the actor checked (`_actor`, which reuses what the shell
    resolved on this session), its declared rule, its refusal shown on its own state; a refusal
    commits what it recorded, a bad value rolls back. Events a load returns that are loads themselves
    (the home page's cards) run here too, after it. What cannot run here (an async or background
    handler, an event with arguments, a state not in this tab's tree) is returned, to be chained as
    before, with the frontend events (redirects)."""
    later: list = []
    pending = list(loads)
    while pending:
        item = pending.pop(0)
        handler = _load_handler(item)
        try:
            target = state._get_state_from_cache(handler.state) if handler else None
        except ValueError:  # not loaded with this event (a state manager that loads by need)
            target = None
        if target is None:
            later.append(item)
            continue
        fn, name = handler.fn.__wrapped__, handler.fn.__name__
        side, rule = getattr(handler.fn, SIDE_MARK), getattr(handler.fn, RULE_MARK)
        try:
            if side == "public":
                result = fn(target, db)
            else:
                ctx = target._actor(db)
                target._authorise(db, ctx, rule, name)
                result = fn(target, db, ctx)
        except (DomainError, TypeError, ValueError, OperationalError) as exc:
            # As `session_scope` does for an event of its own: a refusal keeps its record, the rest not.
            db.commit() if isinstance(exc, DomainError) else db.rollback()
            _refuse(target, exc)
            continue
        if result is not None:
            pending[0:0] = result if isinstance(result, (list, tuple)) else [result]
    return later


def parse_id(value: Any) -> int:
    """An object id from the browser (a URL parameter, a button's argument): a positive integer, or
    the same "not found" a foreign id gets."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not text.isdigit() or len(text) > 18 or int(text) == 0:
        raise NotFound()
    return int(text)


def query_id(state: rx.State, name: str = "id") -> int:
    """The id in the page's query string (`?id=12`), or "not found"."""
    return parse_id(state.router.url.query_parameters.get(name, ""))
