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

Async handlers (uploads, payment providers, impersonation) receive `(self, ctx, *args)` without a
database session: none is held across an `await`. With `background=True` the actor check runs
inside `async with self`, and the handler takes the state lock itself when it changes vars.
"""

from __future__ import annotations

import functools
import inspect
import logging
from dataclasses import dataclass
from typing import Any, Callable

import reflex as rx

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


def _refuse(state, exc: Exception) -> None:
    if not isinstance(exc, DomainError):
        # A value of the wrong shape reached a rule (a browser can send anything): same answer as a
        # foreign id, and a line for the operator.
        log.warning("%s refused arguments: %s", type(state).__name__, exc)
        exc = NotFound()
    state._fail(exc)


def _wrap(fn: Callable, side: str, *, background: bool = False, rule: Rule = Rule()) -> Any:
    needs_actor = side != "public"
    if rule.impersonated not in IMPERSONATION_CHOICES:
        raise TypeError(f"{fn.__qualname__}: impersonated must be one of {IMPERSONATION_CHOICES}")

    def actor(state, db):
        ctx = state._actor(db)
        state._authorise(db, ctx, rule, fn.__name__)
        return ctx

    is_async = inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn)
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
                with session_scope() as db:
                    if needs_actor:
                        return fn(self, db, actor(self, db), *args, **kwargs)
                    return fn(self, db, *args, **kwargs)
            except (DomainError, TypeError, ValueError) as exc:
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
            except DomainError as exc:
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
            return fn(state, ctx, *args, **kwargs) if needs_actor else fn(state, *args, **kwargs)

        if inspect.isasyncgenfunction(fn):
            @functools.wraps(fn)
            async def handler(self, *args, **kwargs):
                ok, ctx = await checked(self)
                if not ok:
                    return
                try:
                    async for update in call(self, ctx, args, kwargs):
                        yield update
                except (DomainError, TypeError, ValueError) as exc:
                    await fail(self, exc)
        else:
            @functools.wraps(fn)
            async def handler(self, *args, **kwargs):
                ok, ctx = await checked(self)
                if not ok:
                    return None
                try:
                    return await call(self, ctx, args, kwargs)
                except (DomainError, TypeError, ValueError) as exc:
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
