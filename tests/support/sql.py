"""What a piece of code sends to the database, counted with SQLAlchemy's engine events (never timed)."""

from __future__ import annotations

from sqlalchemy import event as sa_event


class SqlSent:
    """Statements and commits sent to the portal's engine while active (`with SqlSent() as sent:`)."""

    def __init__(self, engine=None):
        self.engine = engine
        self.statements: list[str] = []
        self.commits = 0

    def __enter__(self):
        if self.engine is None:
            from portal_app.core.db import get_engine

            self.engine = get_engine()
        sa_event.listen(self.engine, "before_cursor_execute", self._stmt)
        sa_event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc):
        sa_event.remove(self.engine, "before_cursor_execute", self._stmt)
        sa_event.remove(self.engine, "commit", self._commit)

    def _stmt(self, _conn, _cursor, statement, *_a):
        self.statements.append(" ".join(statement.split()))

    def _commit(self, _conn):
        self.commits += 1

    def selects(self, table: str) -> int:
        """SELECT statements whose first table is `table`."""
        return sum(1 for s in self.statements if s.upper().startswith("SELECT") and f" FROM {table} " in f"{s} ")
