"""The database engine for code that runs outside Reflex's request cycle (jobs, commands, sends)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

import sqlalchemy as sa
from sqlmodel import Session, create_engine


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
        total = db.exec(count, params=params).one()
        rows = db.exec(query, params={**params, "page_offset": offset, "page_limit": page_size}).all()
    return list(rows), total


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


def after_commit(db: Session, action) -> None:
    """Run `action()` once this session's transaction commits, never if it rolls back: messages are
    sent and files removed only when the rows that speak of them are for good."""
    sa.event.listen(db, "after_commit", lambda _session: action(), once=True)


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
