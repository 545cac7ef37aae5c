"""Where a complete customer code login spends the worker's CPU, in process, under cProfile.

    python -m tests.bench.profile_login [--n 200] [--top 45] [--filter portal_app] [--email bruno@...]

Builds a temporary SQLite database with the real migrations and the demo business (`seed_demo`), codes
sent through the console provider and delivered inline after each commit (GUICHET_NOTIFY_SYNC=1, as
the tests run; the server's dispatcher does the same work in the same worker, just after). Each login is
a new tab's whole state tree going through the four round trips of the browser:

  1. open /login: the full snapshot (`hydrate`), then `LoginState.login_load`;
  2. `LoginState.submit_email` (code made, outbox row, email sent after commit);
  3. `LoginState.submit_code` (code checked, session opened, device cookie);
  4. home: `PortalState.open_page("/")` with its cards.

After each event Reflex's delta is computed and serialised as the socket would (`profile_page.delta_json`).
Reading the code from the outbox between 2 and 3 is the test's, not the worker's: it is not counted. The
frozen clock moves one hour and a minute per login, so no code budget is ever reached (each login walks
the path of a normal one). Prints, per step and per login: CPU (process time), wall, SQL statements,
commits, reply bytes, and the Reflex floor of the same round trips (`reflex_floor`); then the profile of the logins (cProfile, sorted by `--sort`).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import re
import sqlite3
import statistics
import time
from datetime import datetime, timedelta, timezone

from tests.support.sql import SqlSent

from .profile_page import delta_json, open_route, sub

STEPS = ("open /login", "submit_email", "submit_code", "home")
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)


def _setup():
    import os

    from .harness import migrate_in_process, temporary_database

    tmp = temporary_database("guichet-profile-login-", extra={"GUICHET_NOTIFY_SYNC": "1", "REFLEX_ENV_MODE": "prod"})
    migrate_in_process()
    from portal_app.cli import seed_demo

    seed_demo()
    return tmp, os.environ["REFLEX_DB_URL"].removeprefix("sqlite:///")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200, help="logins measured (and as many profiled)")
    parser.add_argument("--email", default="bruno@boulangerie-martin.example", help="a demo contact (email codes)")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--filter", default="", help="only functions whose path matches (e.g. portal_app)")
    parser.add_argument("--statements", action="store_true", help="print one login's statements")
    args = parser.parse_args()
    _tmp, db_path = _setup()

    import reflex as rx

    import portal_app.portal_app  # noqa: F401 - registers every page and its loads
    from portal_app.core import clock
    from portal_app.core.db import get_engine
    from portal_app.core.states.portal import PortalState
    from portal_app.login.state import LoginState

    engine = get_engine()
    outbox = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)

    def code_for(email: str) -> str:
        row = outbox.execute("SELECT body_text FROM outbound_message WHERE recipient = ? AND template = 'login_code' "
                             "ORDER BY id DESC LIMIT 1", (email,)).fetchone()
        match = re.search(r"(?<!\d)(\d{6})(?!\d)", row[0] if row else "")
        if not match:
            raise SystemExit(f"no login code for {args.email} in the outbox")
        return match.group(1)

    per_step: dict[str, dict[str, list[float]]] = {
        s: {"cpu": [], "wall": [], "statements": [], "commits": [], "bytes": []} for s in STEPS}
    totals: dict[str, list[float]] = {"cpu": [], "wall": [], "statements": [], "commits": []}
    login_no = [0]

    async def step(name: str, action, root, record: bool) -> None:
        with SqlSent(engine) as sent:
            c0, t0 = time.process_time(), time.perf_counter()
            await action()
            _d, _j, text = await delta_json(root)
            c1, t1 = time.process_time(), time.perf_counter()
        if record:
            got = per_step[name]
            got["cpu"].append((c1 - c0) * 1000)
            got["wall"].append((t1 - t0) * 1000)
            got["statements"].append(len(sent.statements))
            got["commits"].append(sent.commits)
            got["bytes"].append(len(text))
        if args.statements and record and login_no[0] == 11:
            print(f"--- {name}: {len(sent.statements)} statements, {sent.commits} commits")
            for s in sent.statements:
                print("   ", s[:140])

    async def one_login(record: bool, profiler: cProfile.Profile | None = None) -> None:
        login_no[0] += 1
        clock.freeze(T0 + timedelta(minutes=61 * login_no[0]))
        if profiler:
            profiler.enable()
        root = rx.State(_reflex_internal_init=True)
        login = sub(root, LoginState)
        portal = sub(root, PortalState)

        async def open_login():
            from reflex.state import _resolve_delta
            from reflex_base.utils import format

            open_route(root, "/login")
            format.json_dumps(await _resolve_delta(root.dict()))  # hydrate: the full snapshot
            root._clean()
            login.login_load()

        async def submit_email():
            login.submit_email({"email": args.email})

        async def submit_code():
            login.submit_code({"code": code})

        async def home():
            open_route(root, "/")
            portal.open_page("/")

        await step("open /login", open_login, root, record)
        await step("submit_email", submit_email, root, record)
        if login.step != "code":
            raise SystemExit(f"no code step: {login.error_key}")
        if profiler:
            profiler.disable()
        code = code_for(args.email)  # the test's work, not the worker's
        if profiler:
            profiler.enable()
        await step("submit_code", submit_code, root, record)
        if not login.portal_sid:
            raise SystemExit(f"no session: {login.error_key}")
        await step("home", home, root, record)
        if profiler:
            profiler.disable()
        if not portal.authed:
            raise SystemExit("home did not open")
        if record:
            for key in totals:
                totals[key].append(sum(per_step[s][key][-1] for s in STEPS))

    floor: list[float] = []

    async def reflex_floor() -> None:
        """What Reflex costs for the same four round trips with nothing to do: a new tab's tree and its
        full snapshot, then four deltas of an event that changed nothing."""
        from reflex.state import _resolve_delta
        from reflex_base.utils import format

        c0 = time.process_time()
        root = rx.State(_reflex_internal_init=True)
        open_route(root, "/login")
        format.json_dumps(await _resolve_delta(root.dict()))
        root._clean()
        for _ in STEPS:
            await delta_json(root)
        floor.append((time.process_time() - c0) * 1000)

    async def run():
        for _ in range(10):
            await one_login(False)
        for _ in range(args.n):
            await reflex_floor()
        for _ in range(args.n):
            await one_login(True)
        plain = ({s: {k: statistics.median(v) for k, v in got.items()} for s, got in per_step.items()},
                 {k: statistics.median(v) for k, v in totals.items()})
        profiler = cProfile.Profile()
        for _ in range(args.n):
            await one_login(False, profiler)
        return plain, profiler

    (steps, total), profiler = asyncio.run(run())
    clock.freeze(None)
    print(f"{'step':<14}{'CPU ms':>8}{'wall ms':>9}{'SQL':>6}{'commits':>9}{'reply B':>9}   (medians of {args.n} logins)")
    for name, got in steps.items():
        print(f"{name:<14}{got['cpu']:>8.2f}{got['wall']:>9.2f}{got['statements']:>6.0f}{got['commits']:>9.0f}"
              f"{got['bytes']:>9.0f}")
    print(f"{'per login':<14}{total['cpu']:>8.2f}{total['wall']:>9.2f}{total['statements']:>6.0f}"
          f"{total['commits']:>9.0f}")
    print(f"{'Reflex floor':<14}{statistics.median(floor):>8.2f}   (new tab, full snapshot, four empty deltas)")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(*([args.filter] if args.filter else []),
                                                                         args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
