"""Helpers for state tests: a substate of the in-memory tree, what the browser could see, the last code sent."""

from __future__ import annotations

import json
import re

from sqlmodel import select

from portal_app.core.db import session_scope
import itertools

from tests.conftest import run_async
from portal_app.core.models.notify import OutboundMessage


def sub(root, cls):
    return root.get_substate(cls.get_full_name().split(".")[1:])


def public_json(root) -> str:
    """Everything the browser could receive: every public var of every state, computed ones too."""
    return json.dumps(root.dict(include_computed=True), default=str)


def last_code(email: str) -> str:
    with session_scope() as db:
        row = db.exec(select(OutboundMessage).where(OutboundMessage.template == "login_code")
                      .where((OutboundMessage.recipient == email) | (OutboundMessage.contact_id.in_(
                          select_contact_ids(email))))
                      .order_by(OutboundMessage.id.desc())).first()
    return re.search(r"\b(\d{6})\b", row.body_text).group(1)


def select_contact_ids(email: str):
    from portal_app.core.models.accounts import Contact

    return select(Contact.id).where(Contact.email == email)


def router_data(path: str, query: dict):
    """What the router holds for a page load of `path?query`."""
    from urllib.parse import urlencode

    from reflex.istate.data import RouterData

    full = path + ("?" + urlencode(query) if query else "")
    return RouterData.from_router_data({"pathname": path, "asPath": full, "headers": {"origin": "http://localhost:3000"},
                                        "ip": "127.0.0.1"})


def run_background(state, name: str, *args):
    """A background handler's body, run on the state itself (State's `async with` is a no-op)."""
    return run_async(type(state).event_handlers[name].fn(state, *args))


_router = router_data


def refusals(account_id: int, target_type: str, target_id: int) -> int:
    """How many refused accesses the audit log holds for this object of this account."""
    from portal_app.core.models.audit import AuditEvent

    with session_scope() as db:
        return len(db.exec(select(AuditEvent).where(AuditEvent.action == "security.refused",
                                                    AuditEvent.account_id == account_id,
                                                    AuditEvent.target_type == target_type,
                                                    AuditEvent.target_id == target_id)).all())


STAFF_PASSWORD = "a long staff password"


def contact_row(**kw):
    """A fresh contact of a fresh account: (id, email, account id)."""
    from tests.factories import make_contact

    with session_scope() as db:
        c = make_contact(db, email=f"sec{next(_contact_numbers)}@example.com", **kw)
        return c.id, c.email, c.account_id


def staff_tokens():
    """(password-only token, fully authenticated token), each for a new staff member."""
    from tests.factories import staff_session

    with session_scope() as db:
        return (staff_session(db, totp=False, password=STAFF_PASSWORD),
                staff_session(db, password=STAFF_PASSWORD))


class FakeUpload:
    """What Reflex hands an upload handler: a name and bytes to read."""

    def __init__(self, data: bytes, name: str):
        self._data, self.filename, self.name = data, name, name

    async def read(self, n: int = -1) -> bytes:
        return self._data if n < 0 else self._data[:n]


_contact_numbers = itertools.count(1)
