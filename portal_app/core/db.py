"""The database engine for code that runs outside Reflex's request cycle (jobs, commands, sends)."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from typing import Callable, Generic, Iterator, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, create_engine
from sqlmodel.sql.expression import SelectOfScalar


def database_url() -> str:
    return os.environ.get("REFLEX_DB_URL", "sqlite:///guichet.db")


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # concurrent readers while one writes
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> sa.Engine:
    return make_engine(url or database_url())


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on a crash.

    A DomainError is an answer, not a crash: what the service recorded before refusing (a failed try,
    a rate-limit row, an audit line) is committed, so limits and audits hold. Services therefore
    validate before they change anything they would not want kept."""
    from portal_app.core.errors import DomainError

    with Session(get_engine(), expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except DomainError:
            db.commit()
            raise
        except Exception:
            db.rollback()
            raise


def fetch_page(db: Session, query, count, *, page: int, page_size: int,
               params: dict | None = None) -> tuple[list, int]:
    """One page of an ordered query, and the total of its count query: lists page in the database.

    With `params`, `query` and `count` are statements built once with bound parameters (`query` through
    `paged`), run with `params` and the page's offset and limit: SQLAlchemy then reuses their compiled
    form instead of building, keying and looking up a new statement on every page turn."""
    offset = (max(page, 1) - 1) * page_size
    if params is None:
        total = db.exec(count).one()
        rows = db.exec(query.offset(offset).limit(page_size)).all()
    else:
        total = read(db, count, params).one()
        total = total[0] if isinstance(total, sa.Row) else total  # a count built with sqlalchemy's select
        rows = read(db, query, {**params, "page_offset": offset, "page_limit": page_size}).all()
    return list(rows), total


def read(db: Session, statement, params: dict | None = None):
    """The rows of a select of columns (never of whole objects), run on the session's connection, in its
    transaction, after what the session holds is flushed (as `db.exec` would).

    For the statements every event runs (the session check, a list's page) this skips the ORM's own work
    per statement, about 0.1 ms each, which is more than SQLite takes to answer them. Rows come back as
    `db.exec` gives them, with the columns' types applied."""
    if db.autoflush:
        db.flush()  # nothing to do when nothing is pending
    result = db.connection().execute(statement, params or {})
    return result.scalars() if isinstance(statement, SelectOfScalar) else result  # as `db.exec` gives them


def paged(query):
    """An ordered statement built once, its page left to `fetch_page(..., params=...)`."""
    return query.offset(sa.bindparam("page_offset")).limit(sa.bindparam("page_limit"))


def get_or_not_found(db: Session, model, row_id):
    """The row with this id, or the NotFound every missing (or foreign) object answers with."""
    from portal_app.core.errors import NotFound

    row = db.get(model, row_id) if isinstance(row_id, int) and not isinstance(row_id, bool) else None
    if row is None:
        raise NotFound()
    return row


# Key in a database session's `info`: what to do once its transaction commits (`after_commit`).
_AFTER_COMMIT = "guichet.after_commit"


def after_commit(db: Session, action) -> None:
    """Run `action()` once this session's transaction commits, never if it rolls back: messages are
    sent and files removed only when the rows that speak of them are for good. Releasing a savepoint
    (`begin_nested`) is not that commit: the transaction around it may still roll back."""
    db.info.setdefault(_AFTER_COMMIT, []).append(action)


# Key in a database session's `info`: the settings rows it read, held so that the session's identity map
# keeps them (it holds rows weakly): a page reading its settings three times in one event sends one query.
_SINGLETONS = "guichet.singletons"


def singleton(db: Session, model, **defaults):
    """The one row of a settings table (id 1), created with `defaults` the first time it is read. Read
    once per database session: later reads in the same session come from its identity map (expired and
    read again after a rollback, as any row)."""
    row = db.get(model, 1)
    if row is not None:
        db.info.setdefault(_SINGLETONS, {})[model] = row
        return row
    try:
        with db.begin_nested():
            row = model(id=1, **defaults)
            db.add(row)
            db.flush()
    except sa.exc.IntegrityError:  # another request created it first
        row = db.get(model, 1)
    db.info.setdefault(_SINGLETONS, {})[model] = row
    return row


# Key in a database session's `info`: rows an event holds on to (`hold`).
_HELD = "guichet.held"


def hold(db: Session, *rows) -> None:
    """Keep these rows in the session's identity map for the rest of its event (it holds rows weakly): a
    later `db.get` of one, in another function of the same event, then sends no query."""
    db.info.setdefault(_HELD, []).extend(rows)


# ---- values every event reads and that change a few times a year ----------------------------------------

# Key in a database session's `info`: the tables this session wrote since its last commit.
_WRITTEN = "guichet.written_tables"
SHARED_READ_SECONDS = 5.0  # how long another worker's change may take to show in this one
V = TypeVar("V")


class SharedRead(Generic[V]):
    """A value built from settings tables (the business, the ticket settings, the business's zone), kept by
    this process: read on every event, changed a few times a year. `build(db)` must return a value that is
    safe to share (frozen, no ORM object).

    - This process commits a change to one of `models` (through the ORM: objects flushed, or an ORM
      UPDATE or DELETE): forgotten at once.
    - Another worker changed it: seen within `seconds` (SHARED_READ_SECONDS).
    - A session that changed one of `models` and has not committed reads the database itself, and never
      leaves what it may still roll back in the cache.
    """

    _all: list["SharedRead"] = []

    def __init__(self, build: Callable[[Session], V], *models, seconds: float = SHARED_READ_SECONDS) -> None:
        self._build, self._models, self._seconds = build, frozenset(models), seconds
        self._held: tuple[float, V] | None = None
        self._generation = 0
        self._lock = threading.Lock()
        SharedRead._all.append(self)

    def __call__(self, db: Session) -> V:
        if db.autoflush:
            db.flush()  # a change this session holds, not flushed yet, counts as written (nothing to do if none)
        if self._models & db.info.get(_WRITTEN, set()):
            return self._build(db)
        now = time.monotonic()
        held = self._held
        if held is not None and now - held[0] < self._seconds:
            return held[1]
        generation = self._generation
        value = self._build(db)
        with self._lock:
            if generation == self._generation and not self._models & db.info.get(_WRITTEN, set()):
                self._held = (now, value)
        return value

    def fresh(self, db: Session) -> V:
        """Built from the database now, whatever is kept (a settings form that saves every field back)."""
        return self._build(db)

    def forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._held = None

    @classmethod
    def forget_all(cls) -> None:
        """Another database now (a test's own, a restore)."""
        for cache in cls._all:
            cache.forget()

    @classmethod
    def forget_written(cls, tables: set) -> None:
        for cache in cls._all:
            if cache._models & tables:
                cache.forget()


def _written(db: Session) -> set:
    return db.info.setdefault(_WRITTEN, set())


@sa.event.listens_for(OrmSession, "before_flush")  # every session, Reflex's too
def _note_flushed(db, _flush_context, _instances) -> None:
    tables = _written(db)
    for obj in (*db.new, *db.dirty, *db.deleted):
        tables.add(type(obj))


@sa.event.listens_for(OrmSession, "do_orm_execute")  # every session, Reflex's too
def _note_bulk_write(state) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        _written(state.session).add(state.bind_mapper.class_)


@sa.event.listens_for(OrmSession, "after_commit")  # every session, Reflex's too
def _committed(db) -> None:
    """The transaction committed: what it wrote is forgotten by the kept values, then its `after_commit`
    actions run. SQLAlchemy sends this event when a savepoint is released too: then nothing is over yet."""
    if db.in_nested_transaction():
        return
    tables = db.info.pop(_WRITTEN, None)
    if tables:
        SharedRead.forget_written(tables)
    for action in db.info.pop(_AFTER_COMMIT, ()):
        action()


@sa.event.listens_for(OrmSession, "after_soft_rollback")  # every session, Reflex's too
def _rolled_back(db, previous_transaction) -> None:
    """The whole transaction rolled back (not a savepoint): its writes and its actions are gone."""
    if previous_transaction.parent is None and not previous_transaction.nested:
        db.info.pop(_WRITTEN, None)
        db.info.pop(_AFTER_COMMIT, None)
