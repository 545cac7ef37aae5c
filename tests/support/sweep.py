"""The app-wide sweeps' shared pieces: two accounts' worth of data (B's marked so a leak is seen), the
footprint of an account in the database, and calling any walked handler the way a browser would.

The handlers come from `tests/core/test_handler_walk.py`'s discovery (state modules only, never page
modules)."""

from __future__ import annotations

import inspect
import itertools
import os
import typing
from contextlib import contextmanager
from pathlib import Path
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import SQLModel

from portal_app.core.db import session_scope
from portal_app.core.states import handlers
from portal_app.core.states.portal import PortalState
from portal_app.core.states.staff import StaffState
from tests.conftest import run_async
from tests.core.test_handler_walk import ALL, _no_chunks

# Every string of account B carries this: finding it anywhere account A can see is a leak.
MARK = "Zqx7B"

PORTAL = [(c, n, h) for c, n, h in ALL if issubclass(c, PortalState) and getattr(h.fn, handlers.SIDE_MARK) != "public"]
STAFF = [(c, n, h) for c, n, h in ALL if issubclass(c, StaffState) and getattr(h.fn, handlers.SIDE_MARK) != "public"]
# Audit lines are written by refusals on purpose; everything else of B must stay as it was.
NOT_FOOTPRINT = {"audit_event"}

_worlds = itertools.count(1)


@dataclass
class World:
    a_account: int
    a_contact: int
    a_email: str
    b_account: int
    b_contact: int
    b_email: str
    b_account_number: str
    b_ids: dict[str, int] = field(default_factory=dict)

    def ids(self) -> list[int]:
        """Every id of B's objects, once each."""
        return sorted(set(self.b_ids.values()))


def make_world() -> World:
    """Account A (an admin contact with every right) and account B with one of everything a customer
    owns: an issued invoice with a line, a payment and a consumption file, a folder and a document, a
    message thread with an attachment and a staff reply, a booking."""
    from portal_app.billing import consumption, payments
    from portal_app.bookings import staff_calendar
    from portal_app.core import files as file_intake
    from portal_app.documents import rules as documents
    from portal_app.core.conversations import attachments
    from portal_app.messages import rules as messages
    from portal_app.billing.access import lines_of
    from tests.factories import (PDF_BYTES, make_account, make_booking_service, make_contact, make_document,
                                 make_issued, portal_ctx, staff_ctx)

    n = next(_worlds)
    with session_scope() as db:
        staff = staff_ctx(db)
        a = make_account(db, name=f"Alpha Sweep {n}")
        a_contact = make_contact(db, a, email=f"alpha.sweep{n}@example.com", portal_role="admin")
        b = make_account(db, name=f"{MARK} Bravo {n}", number=f"{MARK}-{n}")
        b_contact = make_contact(db, b, email=f"{MARK.lower()}.bravo{n}@example.com", first_name=f"{MARK}First",
                                 last_name=f"{MARK}Last", portal_role="admin")
        inv = make_issued(db, b, ((f"{MARK} line", "1", "100.00", "20"),), staff=staff, notes=f"{MARK} note")
        line = lines_of(db, inv.id)[0]
        payment = payments.record_manual_payment(db, staff, inv.id, amount="10", received_on="",
                                                 reference=f"{MARK}-REF")
        usage = consumption.attach_consumption_file(db, staff, inv.id, f"{MARK}-usage.pdf", PDF_BYTES)
        folder = documents.create_folder(db, staff, b.id, f"{MARK} folder")
        doc = make_document(db, b, title=f"{MARK}-contract.pdf", folder_id=folder.id, by=staff)
        b_ctx = portal_ctx(db, b_contact)
        att, _ = attachments.stage_for_contact(db, b_ctx, file_intake.store_bytes(
            "messages", f"{MARK}-scan.pdf", PDF_BYTES, 1024 * 1024), kind="message")
        thread, _ = messages.start_thread(db, b_ctx, subject=f"{MARK} subject", body=f"{MARK} body")
        messages.reply_as_staff(db, staff, thread.id, f"{MARK} reply")
        svc = make_booking_service(db, f"Sweep {n}")
        start = datetime(2034, 1, 2, 8, tzinfo=timezone.utc) + timedelta(days=n)
        booking, _ = staff_calendar.staff_create(db, staff, contact_email=b_contact.email, service_id=svc.id,
                                                 starts_at=start, note=f"{MARK} booking note")
        message_ids = [m for m in db.execute(sa.text("SELECT id FROM conversation_entry WHERE conversation_id = :t"),
                                             {"t": thread.id}).scalars()]
        return World(a.id, a_contact.id, a_contact.email, b.id, b_contact.id, b_contact.email, b.number, {
            "account": b.id, "contact": b_contact.id, "invoice": inv.id, "line": line.id, "payment": payment.id,
            "consumption": usage.id, "folder": folder.id, "document": doc.id, "thread": thread.id,
            "message": message_ids[0], "attachment": att.id, "booking": booking.id})


@contextmanager
def own_portal(folder: Path):
    """The portal on a database and a data dir of its own (an SQLite file built from the models), so a
    test may write at random or wipe everything without touching the session's shared database."""
    from portal_app.core.config import reload_settings
    from portal_app.core.db import SharedRead, get_engine

    saved = {k: os.environ[k] for k in ("REFLEX_DB_URL", "GUICHET_DATA_DIR")}
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.update({"REFLEX_DB_URL": f"sqlite:///{folder / 'portal.db'}", "GUICHET_DATA_DIR": str(folder / "data")})

    def switch():
        get_engine.cache_clear()
        reload_settings()
        SharedRead.forget_all()

    switch()
    try:
        SQLModel.metadata.create_all(get_engine())
        yield os.environ["REFLEX_DB_URL"], Path(os.environ["GUICHET_DATA_DIR"])
    finally:
        get_engine().dispose()
        os.environ.update(saved)
        switch()


def footprint(account_id: int) -> dict[str, list[tuple]]:
    """Every row that belongs to the account, by foreign keys from its `account` row down (contacts,
    invoices and their lines, payments, documents, threads and messages, bookings and their claims…)."""
    known: dict[str, set] = {"account": {account_id}}
    out: dict[str, list[tuple]] = {}
    with session_scope() as db:
        for table in SQLModel.metadata.sorted_tables:  # parents before children
            if table.name in NOT_FOOTPRINT:
                continue
            conds = [table.c.id == account_id] if table.name == "account" else []
            for fk in table.foreign_keys:
                ids = known.get(fk.column.table.name)
                if ids and fk.column.name == "id":
                    conds.append(fk.parent.in_(sorted(ids)))
            if not conds:
                continue
            rows = db.execute(sa.select(table).where(sa.or_(*conds))).all()
            if "id" in table.c:
                known[table.name] = {r.id for r in rows}
            out[table.name] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def upload_argument(hint_text: str, origin):
    return [] if origin is list else _no_chunks()


def call(state, handler, values: dict[str, typing.Any]):
    """Call a walked handler on `state` with one value per browser parameter (by name; uploads get an
    empty upload), async and background ones included. Returns what it returned or yielded."""
    fn = handler.fn
    hints = typing.get_type_hints(fn)
    args = []
    for p in list(inspect.signature(fn).parameters.values())[1:]:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            continue
        hint = hints.get(p.name, str)
        if "Upload" in str(hint):
            args.append(upload_argument(str(hint), typing.get_origin(hint) or hint))
        else:
            args.append(values[p.name])
    result = fn(state, *args)
    if inspect.isasyncgen(result):
        async def drain():
            return [update async for update in result]
        return run_async(drain())
    if inspect.iscoroutine(result):
        return run_async(result)
    return result


def browser_params(handler) -> list[tuple[str, typing.Any]]:
    """(name, annotation) of each argument the browser sends, uploads left out."""
    fn = handler.fn
    hints = typing.get_type_hints(fn)
    out = []
    for p in list(inspect.signature(fn).parameters.values())[1:]:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and "Upload" not in str(hints.get(p.name, str)):
            out.append((p.name, hints.get(p.name, str)))
    return out
