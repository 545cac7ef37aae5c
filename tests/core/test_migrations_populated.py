"""Every migration from the first applies to a populated database without losing a row, and the schema
at the head is the models' schema.

A fresh database is built at the first revision; every table it has gets rows (values made from each
column's type, foreign keys pointing at the parents' rows); then the migrations run one at a time up to
the head, each step's new tables getting rows too. After every step no table has fewer rows than before,
and at the head Alembic's comparison with the models finds no difference at all."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from tests.conftest import REPO_ROOT

ROWS_PER_TABLE = 3
_n = itertools.count(1)


def _script() -> tuple[Config, ScriptDirectory]:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    return config, ScriptDirectory.from_config(config)


def _revisions() -> list[str]:
    """Base to head, in order (the history is one line)."""
    _, script = _script()
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _upgrade(conn: sa.Connection, to_rev: str) -> None:
    config, script = _script()
    with EnvironmentContext(config, script, fn=lambda rev, _ctx: script._upgrade_revs(to_rev, rev)) as env:
        env.configure(connection=conn)
        env.run_migrations()


def _value(table: sa.Table, column: sa.Column, row: int, parents: dict[str, list]):
    """A plausible value of the column's type, unique where it must be."""
    for fk in column.foreign_keys:
        ids = parents.get(fk.column.table.name)
        if ids:
            return ids[row % len(ids)]
        return None
    kind = column.type
    n = next(_n)
    if isinstance(kind, sa.Boolean):
        return bool(row % 2)
    if isinstance(kind, (sa.Integer, sa.BigInteger, sa.SmallInteger)):
        return n
    if isinstance(kind, (sa.Float, sa.Numeric)):
        return 1.5
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 1, 1 + row, 9, 0, tzinfo=timezone.utc)
    if isinstance(kind, sa.Date):
        return date(2026, 1, 1 + row)
    if isinstance(kind, sa.JSON):
        return []
    if isinstance(kind, sa.LargeBinary):
        return b"x"
    text = f"{column.name[:6]}{n}"
    length = getattr(kind, "length", None)
    return text[-length:] if length else text


def _fill(conn: sa.Connection, only: set[str] | None = None) -> None:
    """ROWS_PER_TABLE rows in every table (or those in `only`), parents first."""
    meta = sa.MetaData()
    meta.reflect(conn)
    parents: dict[str, list] = {}
    for table in meta.sorted_tables:
        if table.name == "alembic_version":
            continue
        pk = list(table.primary_key.columns)
        if only is None or table.name in only:
            for row in range(ROWS_PER_TABLE):
                values = {}
                for column in table.columns:
                    auto = column.primary_key and len(pk) == 1 and isinstance(column.type, sa.Integer) \
                        and not column.foreign_keys
                    if not auto:
                        values[column.name] = _value(table, column, row, parents)
                conn.execute(table.insert().values(**values))
        if len(pk) == 1:
            parents[table.name] = list(conn.execute(sa.select(pk[0])).scalars())


def _counts(conn: sa.Connection) -> dict[str, int]:
    names = [n for n in sa.inspect(conn).get_table_names() if n != "alembic_version"]
    return {n: conn.execute(sa.select(sa.func.count()).select_from(sa.table(n))).scalar_one() for n in names}


def test_every_migration_keeps_the_rows_of_a_populated_database(tmp_path):
    revisions = _revisions()
    assert len(revisions) >= 6
    script = _script()[1]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'migrations.db'}")

    @sa.event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_conn, _record):  # as the app runs SQLite: a dangling key fails loudly
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    with engine.begin() as conn:
        _upgrade(conn, revisions[0])
        _fill(conn)
        counts = _counts(conn)
        assert counts and all(c == ROWS_PER_TABLE for c in counts.values())
    # Migrations run as `reflex db migrate` runs them (SQLite's foreign keys off: a batch step rebuilds a
    # table others point at); after each step every key must still point at a row.
    migrating = sa.create_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
    for rev in revisions[1:]:
        with migrating.begin() as conn:
            _upgrade(conn, rev)
        with engine.begin() as conn:
            dangling = conn.execute(sa.text("PRAGMA foreign_key_check")).all()
            assert not dangling, f"migration {rev} left keys pointing at nothing: {dangling[:5]}"
            after = _counts(conn)
            # A migration that renames a table says so (`RENAMED_TABLES`): its rows are counted under the new name.
            renamed = dict(getattr(script.get_revision(rev).module, "RENAMED_TABLES", ()))
            lost = {t: (n, after.get(renamed.get(t, t), 0)) for t, n in counts.items()
                    if after.get(renamed.get(t, t), 0) < n}
            assert not lost, f"migration {rev} lost rows: {lost}"
            _fill(conn, only=set(after) - set(counts))  # the step's new tables get rows too
            counts = _counts(conn)

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert version == revisions[-1]
    missing = [d for d in diff if isinstance(d, tuple) and d[0] in ("add_table", "add_column")]
    assert missing == [], f"the models have what no migration creates: {missing}"
    assert diff == [], f"the migrated schema differs from the models: {diff}"
    engine.dispose()
    migrating.dispose()
