"""The one clock the rules read, so tests can move time."""

from __future__ import annotations

from datetime import datetime, timezone

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(timezone.utc)


def freeze(at: datetime | None) -> None:
    """Tests only: pin the clock (None releases it)."""
    global _frozen
    _frozen = at
