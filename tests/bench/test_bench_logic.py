"""The benches' own logic: percentiles, the steady run's schedule, and sessions seeded in the database that the
portal accepts as logged in (bench_workers opens 1,000 customers' sessions this way instead of code logins)."""

from __future__ import annotations

import pytest

# The login page's state is in the tree before `root` is built, as in the app (Portal reads its name).
from portal_app.login.state import LoginState  # noqa: F401
from tests.bench.bench_workers import schedule, seed_sessions
from tests.bench.run_bench import Portal, percentile


def test_percentile_interpolates_between_ranks():
    xs = [float(i) for i in range(1, 101)]  # 1..100, shuffled order must not matter
    assert percentile(list(reversed(xs)), 0.5) == pytest.approx(50.5)
    assert percentile(xs, 0.95) == pytest.approx(95.05)
    assert percentile(xs, 1.0) == 100.0
    assert percentile(xs, 0.0) == 1.0
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([], 0.5) is None


def test_schedule_spreads_customers_over_one_period_and_repeats():
    plan = schedule(1000, 10.0, 70.0)
    assert len(plan) == 1000
    assert all(len(times) == 7 for times in plan)  # 0..60 s: seven events each
    assert sum(len(t) for t in plan) == 7000
    firsts = sorted(t[0] for t in plan)
    assert firsts[0] == 0.0 and firsts[-1] == pytest.approx(9.99)
    assert plan[3] == pytest.approx([0.03 + 10 * k for k in range(7)])
    assert max(t[-1] for t in plan) < 70.0
    # A run that is not a whole number of periods: the early customers get one more event.
    short = schedule(4, 10.0, 25.0)
    assert short == [[0.0, 10.0, 20.0], [2.5, 12.5, 22.5], [5.0, 15.0], [7.5, 17.5]]


def test_seeded_sessions_are_accepted_by_the_portal(root):
    from sqlmodel import select

    from portal_app.core.db import session_scope
    from portal_app.core.models.accounts import Contact
    from portal_app.core.states.portal import PortalState
    from tests.support.states import router_data, sub

    portal = Portal(None)
    emails = portal.seed(3, prefix="seedcheck")
    tokens = seed_sessions(emails)
    assert len(set(tokens)) == 3
    with session_scope() as db:
        ids = [db.exec(select(Contact.id).where(Contact.email == e)).one() for e in emails]
    for i, (contact_id, token) in enumerate(zip(ids, tokens)):
        page = sub(root, PortalState)
        page.router = router_data("/", {})
        page.portal_sid = token
        assert page.portal_load() is None  # no redirect to /login
        assert page.authed is True
        assert page._contact_id == contact_id and page.first_name == f"Bench{i}"

    # A made-up cookie is not a session: off to the login page.
    page = sub(root, PortalState)
    page.portal_sid = "x" * 43
    page.portal_load()
    assert page.authed is False


def test_run_bench_portal_lifts_the_hourly_code_budget(tmp_path, monkeypatch):
    """run_bench logs 3×N+1 customers in by code within minutes, all from browsers the portal does not
    remember: under the default portal-wide budget (200 codes an hour) the rest got no code and timed out."""
    import os

    from tests.bench import run_bench

    # prepare_portal points this process at its copy; the test settings' own budget must not count.
    env = {k: v for k, v in os.environ.items() if k not in ("GUICHET_LOGIN_SEND_BUDGET", "GUICHET_LOGIN_IP_CAP")}
    monkeypatch.setattr(os, "environ", env)
    app, _ = run_bench.prepare_portal(tmp_path)
    assert int(app.env.get("GUICHET_LOGIN_SEND_BUDGET", "200")) >= 3 * 200 + 1
    assert int(app.env.get("GUICHET_LOGIN_IP_CAP", "30")) >= 3 * 200 + 1
