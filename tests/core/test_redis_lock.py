"""Issue 14, measured by tests/bench/bench_workers.py: with Redis as state manager, a tab's event holds that
tab's lock in Redis, and Reflex drops the event when the lock outlives `redis_lock_expiration` (10 s by
default): LockExpiredError, and its state change is lost. 200 customers logging in at once on two workers
of a loaded 2-core machine kept events waiting longer than that: 135 of 200 logins failed (the code step
never appeared, or the code was refused with `challenge_over`). With 60 s, the same burst on a machine
loaded even more: 0 errors, only slow."""

from __future__ import annotations


def test_the_redis_lock_outlasts_a_login_burst(monkeypatch):
    import importlib

    import rxconfig

    monkeypatch.delenv("REFLEX_REDIS_LOCK_EXPIRATION", raising=False)
    config = importlib.reload(rxconfig).config
    assert config.redis_lock_expiration == 60_000  # milliseconds; Reflex's default is 10_000
