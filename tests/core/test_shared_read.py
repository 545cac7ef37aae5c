"""Values every event reads and that change a few times a year (`SharedRead`), and `read`, the column
select run on the session's connection. Built on the knowledge-base categories, with slugs of this test's
own: the shared database keeps every other test's rows."""

from __future__ import annotations

import itertools
import time

import sqlalchemy as sa
from sqlmodel import Session, select

from portal_app.core import business
from portal_app.core.db import SharedRead, after_commit, get_engine, read, session_scope
from portal_app.core.models.accounts import Account
from portal_app.helpdesk.kb_models import KbCategory
from tests.factories import make_account
from tests.support.sql import SqlSent

_n = itertools.count(1)


def _kept(prefix: str, seconds: float = 60.0):
    """A SharedRead of the slugs starting with `prefix`, and the list of the times it read the database."""
    builds: list[int] = []

    def build(db):
        builds.append(1)
        return tuple(db.exec(select(KbCategory.slug).where(KbCategory.slug.startswith(prefix))
                             .order_by(KbCategory.slug)).all())

    return SharedRead(build, KbCategory, seconds=seconds), builds


def _prefix() -> str:
    return f"shared-{next(_n)}-{time.monotonic_ns()}-"


def _add(slug: str) -> None:
    with session_scope() as db:
        db.add(KbCategory(slug=slug, names={"en": slug}))


def test_it_reads_the_database_once_until_something_changes():
    prefix = _prefix()
    _add(prefix + "a")
    kept, builds = _kept(prefix)
    for _ in range(3):
        with session_scope() as db:
            assert kept(db) == (prefix + "a",)
    assert len(builds) == 1


def test_a_change_this_process_commits_shows_at_once():
    prefix = _prefix()
    kept, builds = _kept(prefix)
    with session_scope() as db:
        assert kept(db) == ()
    _add(prefix + "b")
    with session_scope() as db:
        assert kept(db) == (prefix + "b",)
    assert len(builds) == 2


def test_an_orm_update_statement_is_a_change_too():
    prefix = _prefix()
    _add(prefix + "c")
    kept, _ = _kept(prefix)
    with session_scope() as db:
        assert kept(db) == (prefix + "c",)
    with session_scope() as db:
        db.exec(sa.update(KbCategory).where(KbCategory.slug == prefix + "c").values(slug=prefix + "d")
                .execution_options(synchronize_session=False))
    with session_scope() as db:
        assert kept(db) == (prefix + "d",)


def test_an_uncommitted_change_is_its_own_sessions_and_a_rollback_leaves_the_kept_value_alone():
    prefix = _prefix()
    _add(prefix + "e")
    kept, builds = _kept(prefix)
    with session_scope() as other:
        assert kept(other) == (prefix + "e",)
    with Session(get_engine(), expire_on_commit=False) as db:
        db.add(KbCategory(slug=prefix + "f", names={"en": "f"}))
        db.flush()
        assert kept(db) == (prefix + "e", prefix + "f")  # the writer reads its own change
        with session_scope() as other:
            assert kept(other) == (prefix + "e",)  # nobody else sees what is not committed
        db.rollback()
    with session_scope() as other:
        assert kept(other) == (prefix + "e",)  # what was rolled back never reached the kept value
    assert len(builds) == 2  # the first read, and the writer's own


def test_a_change_made_elsewhere_shows_within_its_seconds():
    """Another worker's commit is not seen by this process's session events: it shows once the value is
    older than its seconds."""
    prefix = _prefix()
    kept, _ = _kept(prefix, seconds=0.3)
    with session_scope() as db:
        assert kept(db) == ()
    with get_engine().begin() as conn:  # no ORM, as another process would write
        conn.execute(sa.text("INSERT INTO kb_category (slug, names, position, created_at) "
                             "VALUES (:slug, '{}', 0, '2026-01-01 00:00:00')"), {"slug": prefix + "g"})
    with session_scope() as db:
        assert kept(db) == ()
    time.sleep(0.35)
    with session_scope() as db:
        assert kept(db) == (prefix + "g",)


def test_the_branding_every_event_shows_is_read_once_and_follows_a_saved_change():
    for _ in range(2):  # the first may create the row (a change: then nothing is kept until it is committed)
        with session_scope() as db:
            business.business_view(db)
    with session_scope() as db, SqlSent() as seen:
        for _ in range(3):
            business.business_view(db)
    assert seen.selects("business_settings") == 0
    with session_scope() as db:
        row = business.get_business(db)
        before = row.login_text
        row.login_text = f"Welcome {next(_n)}"
        db.add(row)
    try:
        with session_scope() as db:
            assert business.business_view(db).login_text == row.login_text
    finally:
        with session_scope() as db:
            row = business.get_business(db)
            row.login_text = before
            db.add(row)
    with session_scope() as db:
        assert business.business_view(db).login_text == before


def test_read_gives_the_rows_db_exec_gives_and_sees_what_the_session_holds():
    with session_scope() as db:
        account = make_account(db, name=f"Read Co {next(_n)}")  # flushed by the factory or not: read flushes
        one_column = select(Account.name).where(Account.id == account.id)
        two_columns = select(Account.id, Account.name).where(Account.id == account.id)
        assert read(db, one_column).all() == db.exec(one_column).all() == [account.name]
        assert read(db, two_columns).all() == db.exec(two_columns).all()
        pending = Account(name=f"Pending Co {next(_n)}", number=f"P-{next(_n)}-{time.monotonic_ns()}")
        db.add(pending)
        assert read(db, select(Account.name).where(Account.name == pending.name)).all() == [pending.name]
        db.rollback()


def test_another_worker_sees_a_settings_change_within_five_seconds():
    """docs/deploy.md: the worker where staff save shows it at once, the others within 5 seconds."""
    from portal_app.bookings import _opening_hours_zone
    from portal_app.dashboard.actions import _enabled_actions
    from portal_app.helpdesk.ticket_settings import config

    for kept in (business.business_view, config, _enabled_actions, _opening_hours_zone):
        assert isinstance(kept, SharedRead) and kept._seconds == 5.0


def test_a_released_savepoint_is_not_the_commit():
    """SQLAlchemy announces a released savepoint as a commit: neither the kept values nor the actions
    waiting for the commit may take it for one, since the transaction around it may still roll back."""
    prefix = _prefix()
    kept, _ = _kept(prefix)
    with session_scope() as other:
        assert kept(other) == ()
    ran: list[str] = []
    with Session(get_engine(), expire_on_commit=False) as db:
        after_commit(db, lambda: ran.append("sent"))
        # A write first: SQLite's Python driver only opens the transaction at the first write, and a
        # savepoint opened before it would be a transaction of its own, committed when released.
        db.add(KbCategory(slug=prefix + "g", names={"en": "g"}))
        db.flush()
        with db.begin_nested():
            db.add(KbCategory(slug=prefix + "h", names={"en": "h"}))
        assert ran == []  # the savepoint is released, the transaction is not over
        assert kept(db) == (prefix + "g", prefix + "h")  # still the writer's own, uncommitted
        with session_scope() as other:
            assert kept(other) == ()
        db.rollback()
    assert ran == []  # rolled back: never run
    with session_scope() as other:
        assert kept(other) == ()
    with Session(get_engine(), expire_on_commit=False) as db:
        after_commit(db, lambda: ran.append("sent"))
        with db.begin_nested():
            db.add(KbCategory(slug=prefix + "i", names={"en": "i"}))
        db.commit()
    assert ran == ["sent"]  # once, at the commit
    with session_scope() as other:
        assert kept(other) == (prefix + "i",)


def test_a_change_not_flushed_yet_is_still_the_writers_own():
    prefix = _prefix()
    kept, _ = _kept(prefix)
    with session_scope() as other:
        assert kept(other) == ()
    with Session(get_engine(), expire_on_commit=False) as db:
        db.add(KbCategory(slug=prefix + "j", names={"en": "j"}))  # no flush
        assert kept(db) == (prefix + "j",)
        db.rollback()
    with session_scope() as other:
        assert kept(other) == ()
