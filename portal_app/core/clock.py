"""The one clock the rules read, so tests can move time."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime, timezone

_frozen: datetime | None = None
# True in the server's background jobs (and the threads they start through asyncio.to_thread, which
# copies the context): they read the real time whatever a test pinned for the code it calls.
_real_time: ContextVar[bool] = ContextVar("guichet_clock_real_time", default=False)


def now() -> datetime:
    if _frozen is not None and not _real_time.get():
        return _frozen
    return datetime.now(timezone.utc)


def run_on_real_time() -> None:
    """From here on in this context, `now()` is the real time. A server running inside the test process
    (the browser tests') keeps its jobs on the real calendar while a test moves the clock to 2033:
    otherwise its recurring bills would issue years of periods in the middle of that test."""
    _real_time.set(True)


def freeze(at: datetime | None) -> None:
    """Tests only: pin the clock (None releases it)."""
    global _frozen
    _frozen = at
