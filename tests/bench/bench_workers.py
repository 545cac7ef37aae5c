"""The portal scaled out (issue 14): two workers sharing Redis and the database, measured with simulated browsers.

    python -m tests.bench.bench_workers      # `make bench` runs it on a fresh PostgreSQL database

Environment:
    GUICHET_BENCH_DB_URL    the database (make bench: PostgreSQL `guichet_bench`); unset: a temporary SQLite file
    BENCH_BURST             customers logging in at the same instant (default 200)
    BENCH_CUSTOMERS         logged-in customers in the steady run (default 1000)
    BENCH_STEADY_SECONDS    length of the steady run (default 70)
    BENCH_EVENT_EVERY       seconds between one customer's dashboard events (default 10)
    BENCH_OPEN_CONCURRENCY  tabs opened at a time before the steady run (default 20)
    BENCH_KEEP=1            keep the temporary folder (logs, database file)

The stack is tests/support/workers.py's, the one `make test-workers` uses: a private Redis, the frontend
exported once, and two granian workers (one process each) serving the repository's app with Redis as the
state manager and the outbox dispatchers running. There is no proxy: each simulated tab connects straight
to worker A or B in turn (what a round-robin upstream does per connection), so no Python proxy shares the
two cores with the workers.

  1. burst: BENCH_BURST customers log in at once (open /login, email, code read from the outbox, code,
     home), spread over the two workers; then as many more on worker A alone, for the ratio. Per customer,
     the complete login (first connect to home loaded) is timed.
  2. steady: BENCH_CUSTOMERS customers are logged in by opening their sessions in the database
     (`sessions.open_session`, what a verified code does; not 1,000 code logins) and each tab opens /
     with its session cookie; then every tab sends the dashboard's load event (`PortalState.open_page("/")`,
     what the home page sends) every BENCH_EVENT_EVERY seconds, spread evenly, for BENCH_STEADY_SECONDS.
     The load generator's own CPU is reported: it shares the cores with the workers.
  3. memory: the two workers' RSS and Redis's `used_memory` before and after those tabs were opened (idle,
     logged in, on home), per session; then the bare Reflex app (tests/bench/bare_app/) under the same
     Redis, one worker, with as many hydrated tabs.
Results go to bench-results/workers.json. Numbers are reported, never asserted.
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import psutil

from tests.support.workers import Worker, export_frontend, free_port, start_redis, worker_env

from .harness import REFLEX_ENV, ReflexApp, migrate_in_process, temporary_database
from .reflex_client import Browser, Frontend, ProtocolError
from .run_bench import (LOGIN_STEPS, REPO, Portal, Recorder, _loadavg, _meta, _r, _verdict, close_all,
                        finish_run, limited, login_flow, log, open_tab,
                        prepare_bare)

RESULTS = REPO / "bench-results" / "workers.json"
BURST = int(os.environ.get("BENCH_BURST", "200"))
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "1000"))
STEADY_SECONDS = float(os.environ.get("BENCH_STEADY_SECONDS", "70"))
EVENT_EVERY = float(os.environ.get("BENCH_EVENT_EVERY", "10"))
OPEN_CONCURRENCY = int(os.environ.get("BENCH_OPEN_CONCURRENCY", "20"))
COMPLETE = "complete login"

TARGET_LOGIN_P95_MS = 500.0
TARGET_EVENT_P95_MS = 100.0


# ---- pieces with logic (tests/bench/test_bench_workers.py) ----------------------------------------


def seed_sessions(emails: list[str]) -> list[str]:
    """A live portal session for each contact, opened as a verified code opens one; the cookie values."""
    from sqlmodel import select  # noqa: PLC0415

    from portal_app.core.auth import sessions  # noqa: PLC0415
    from portal_app.core.db import session_scope  # noqa: PLC0415
    from portal_app.core.models.accounts import Contact  # noqa: PLC0415

    with session_scope() as db:
        ids = dict(db.exec(select(Contact.email, Contact.id).where(Contact.email.in_(emails))).all())
        tokens = [sessions.open_session(db, ids[e], client_ip="127.0.0.1") for e in emails]
        db.commit()
    return tokens


def schedule(customers: int, every_s: float, duration_s: float) -> list[list[float]]:
    """When each customer sends its events, in seconds from the start: evenly spread over one period,
    then every `every_s`, all before `duration_s`."""
    out = []
    for i in range(customers):
        first = i * every_s / customers
        n = int((duration_s - first) // every_s) + (1 if (duration_s - first) % every_s > 0 else 0)
        out.append([first + k * every_s for k in range(max(n, 0))])
    return out


def per_session(before: int, after: int, sessions: int) -> float | None:
    return (after - before) / sessions if sessions else None


def raise_fd_limit() -> int:
    """`ulimit -n` up to the hard limit for this process and the workers it starts (each tab is a socket
    here and one in a worker)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---- measuring the processes -----------------------------------------------------------------------


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def tree_rss(pid: int) -> int:
    total = 0
    for p in _tree(pid):
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def tree_cpu(pid: int) -> float:
    total = 0.0
    for p in _tree(pid):
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def redis_used_memory(port: int) -> int:
    import redis  # noqa: PLC0415 - Reflex's own dependency

    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        return int(client.info("memory")["used_memory"])
    finally:
        client.close()


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def wait_quiet(pids: list[int], below: float = 0.05, window_s: float = 0.5, max_s: float = 30.0) -> None:
    """Until the workers use less than `below` of a core together (left-over sends, jobs, GC)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < max_s:
        c0 = sum(tree_cpu(p) for p in pids)
        time.sleep(window_s)
        if (sum(tree_cpu(p) for p in pids) - c0) / window_s < below:
            return


def settled(pids: list[int], redis_port: int, settle_s: float = 3.0) -> dict[str, int]:
    """Worker RSS (summed) and Redis used_memory once quiet: the median of five samples."""
    wait_quiet(pids)
    time.sleep(settle_s)
    rss, red = [], []
    for _ in range(5):
        rss.append(sum(tree_rss(p) for p in pids))
        red.append(redis_used_memory(redis_port))
        time.sleep(0.4)
    return {"rss": sorted(rss)[2], "redis": sorted(red)[2]}


# ---- scenarios -------------------------------------------------------------------------------------


async def burst(urls: list[str], fe: Frontend, portal: Portal, emails: list[str], pids: list[int]) -> dict:
    """Every customer starts at once; the i-th goes to urls[i % len(urls)]."""
    rec = Recorder()

    async def one(i: int, email: str) -> Browser | None:
        t0 = time.perf_counter()
        b = await login_flow(urls[i % len(urls)], fe, portal, email, rec)
        if b is not None:
            rec.add(COMPLETE, (time.perf_counter() - t0) * 1000)
        return b

    await asyncio.to_thread(wait_quiet, pids)
    cpu0, gen0 = sum(tree_cpu(p) for p in pids), own_cpu()
    t0 = time.perf_counter()
    browsers = await asyncio.gather(*(one(i, e) for i, e in enumerate(emails)))
    wall = time.perf_counter() - t0
    cpu, gen = sum(tree_cpu(p) for p in pids) - cpu0, own_cpu() - gen0
    done = [b for b in browsers if b is not None]
    errors = sum(rec.errors.values())
    complete = rec.stats(COMPLETE)
    await close_all(done)
    return {
        "customers": len(emails), "workers": len(urls), "completed": len(done), "errors": errors,
        "wall_seconds": _r(wall), "complete_login": complete,
        "steps": {s: rec.stats(s) for s in [*LOGIN_STEPS, "read code (outbox)"] if s in rec.ms or s in rec.errors},
        "worker_cpu_seconds": _r(cpu), "load_generator_cpu_seconds": _r(gen),
        "worker_cpu_ms_per_login": _r(cpu * 1000 / len(done)) if done else None,
        "target": f"0 errors, complete login p95 <= {TARGET_LOGIN_P95_MS:g} ms",
        "met": errors == 0 and complete["p95_ms"] is not None and complete["p95_ms"] <= TARGET_LOGIN_P95_MS,
    }


def open_logged_in(url: str, fe: Frontend, portal: Portal, token: str, rec: Recorder):
    """A tab with the session cookie opens /: connect, hydrate, the home page's load event."""
    def check(b: Browser) -> None:
        if b.value(portal.portal, "authed") is not True:
            raise ProtocolError("home opened without the session")

    return open_tab(url, fe, rec, "open / with the session", cookies={portal.cookie: token}, check=check)


async def steady(urls: list[str], fe: Frontend, portal: Portal, tokens: list[str], pids: list[int],
                 redis_port: int, out: dict) -> None:
    n = len(tokens)
    before = await asyncio.to_thread(settled, pids, redis_port)
    log(f"(2) {n} logged-in tabs open / ({OPEN_CONCURRENCY} at a time); workers RSS "
        f"{before['rss'] / 2**20:.1f} MiB, Redis {before['redis'] / 2**20:.1f} MiB")
    rec = Recorder()
    t0 = time.perf_counter()
    tabs = await limited([open_logged_in(urls[i % len(urls)], fe, portal, t, rec) for i, t in enumerate(tokens)],
                         OPEN_CONCURRENCY)
    open_s = time.perf_counter() - t0
    live = [b for b in tabs if b is not None]
    after = await asyncio.to_thread(settled, pids, redis_port)
    out["memory_portal_redis"] = {
        "sessions": len(live), "requested": n, "workers": len(pids), "before": before, "after": after,
        "per_session_worker_rss_bytes": per_session(before["rss"], after["rss"], len(live)),
        "per_session_redis_bytes": per_session(before["redis"], after["redis"], len(live)),
        "open": rec.stats("open / with the session"), "open_seconds": _r(open_s),
    }
    log(f"    {len(live)}/{n} open in {open_s:.1f} s; workers RSS {after['rss'] / 2**20:.1f} MiB, "
        f"Redis {after['redis'] / 2**20:.1f} MiB")

    # Every tab sends the dashboard's load event on its own schedule.
    log(f"    steady run: one dashboard event per tab every {EVENT_EVERY:g} s for {STEADY_SECONDS:g} s")
    plan = schedule(len(live), EVENT_EVERY, STEADY_SECONDS)
    events = Recorder()
    loop = asyncio.get_running_loop()
    late: list[float] = []

    async def customer(b: Browser, times: list[float], start: float) -> None:
        for at in times:
            delay = start + at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                late.append(-delay)
            try:
                ms = await b.load_page("/", timeout=30)
                if b.value(portal.portal, "authed") is not True:
                    raise ProtocolError("dashboard event: no longer logged in")
                events.add("dashboard event", ms)
            except Exception as exc:  # noqa: BLE001 - counted
                events.error("dashboard event", exc)

    # What the workers spend with no tab sending anything (their jobs and outbox loops, Redis expiry).
    idle0 = [tree_cpu(p) for p in pids]
    await asyncio.sleep(5.0)
    idle = [(tree_cpu(p) - c) / 5.0 for p, c in zip(pids, idle0)]
    cpu0, gen0 = [tree_cpu(p) for p in pids], own_cpu()
    start = loop.time() + 0.5
    t0 = time.perf_counter()
    await asyncio.gather(*(customer(b, times, start) for b, times in zip(live, plan)))
    wall = time.perf_counter() - t0
    worker_cpu = [tree_cpu(p) - c for p, c in zip(pids, cpu0)]
    gen = own_cpu() - gen0
    s = events.stats("dashboard event")
    out["steady"] = {
        "customers": len(live), "requested": n, "workers": len(urls), "every_seconds": EVENT_EVERY,
        "duration_seconds": STEADY_SECONDS, "wall_seconds": _r(wall), "events": s,
        "planned_events": sum(len(t) for t in plan),
        "events_per_second": _r(s["n"] / wall if wall else None),
        "worker_cpu_cores": [_r(c / wall) for c in worker_cpu],
        "worker_idle_cpu_cores": [_r(c) for c in idle],
        "worker_cpu_ms_per_event": _r(sum(c - i * wall for c, i in zip(worker_cpu, idle)) * 1000 / s["n"])
        if s["n"] else None,
        "load_generator_cpu_cores": _r(gen / wall),
        "sends_late_over_100ms": sum(1 for x in late if x > 0.1), "max_send_lateness_ms": _r(max(late) * 1000
                                                                                            if late else 0),
        "open_errors": sum(rec.errors.values()), "open_error_samples": rec.stats("open / with the session")
        ["error_samples"],
        "target": f"0 errors, event p95 < {TARGET_EVENT_P95_MS:g} ms over >= 60 s",
        "met": (s["errors"] == 0 and not rec.errors and len(live) == n and s["p95_ms"] is not None
                and s["p95_ms"] < TARGET_EVENT_P95_MS and STEADY_SECONDS >= 60),
    }
    log(f"    {s['n']} events in {wall:.0f} s: p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, errors {s['errors']}; "
        f"load generator {out['steady']['load_generator_cpu_cores']} of a core")
    await close_all(live)


async def bare_memory(app: ReflexApp, redis_port: int, sessions: int, out: dict) -> None:
    fe = Frontend.from_web_dir(app.workdir / ".web")
    pids = [app.worker.pid]
    warm = Browser(app.url, fe)
    await warm.open("/")
    before = await asyncio.to_thread(settled, pids, redis_port)
    rec = Recorder()

    tabs = await limited([open_tab(app.url, fe, rec, "open /") for _ in range(sessions)], OPEN_CONCURRENCY)
    live = [b for b in tabs if b is not None]
    after = await asyncio.to_thread(settled, pids, redis_port)
    out["memory_bare_redis"] = {
        "sessions": len(live), "requested": sessions, "workers": 1, "before": before, "after": after,
        "per_session_worker_rss_bytes": per_session(before["rss"], after["rss"], len(live)),
        "per_session_redis_bytes": per_session(before["redis"], after["redis"], len(live)),
        "open": rec.stats("open /"),
    }
    log(f"    bare: {len(live)}/{sessions} open; worker RSS {after['rss'] / 2**20:.1f} MiB, "
        f"Redis {after['redis'] / 2**20:.1f} MiB")
    await close_all([warm, *live])


# ---- report ------------------------------------------------------------------------------------------


def _ms(x) -> str:
    return "-" if x is None else f"{x:.0f} ms" if x >= 10 else f"{x:.1f} ms"


def _kib(x) -> str:
    return "-" if x is None else f"{x / 1024:.1f} KiB"


def report(res: dict[str, Any]) -> str:
    m = res["meta"]
    lines = ["", f"Guichet on two workers — {m['started']}  commit {m.get('commit', '?')}  {m['cpus']} CPUs  "
             f"database {m.get('database')}  Redis state manager  load average {m.get('loadavg_start')} -> "
             f"{m.get('loadavg_end')}  total {m.get('total_seconds')} s"]
    add = lines.append
    for key, label in (("burst_2_workers", "2 workers"), ("burst_1_worker", "1 worker")):
        b = res.get(key)
        if not b:
            continue
        c = b["complete_login"]
        add(f"(1) {b['customers']} logins at once, {label}: {b['completed']} completed in {b['wall_seconds']} s, "
            f"errors {b['errors']}; complete login p50 {_ms(c['p50_ms'])}, p95 {_ms(c['p95_ms'])}, max "
            f"{_ms(c['max_ms'])}; worker CPU {b['worker_cpu_seconds']} s, load generator "
            f"{b['load_generator_cpu_seconds']} s   target {b['target']} -> {_verdict(b['met'])}")
        for step, s in b["steps"].items():
            for sample in s["error_samples"]:
                add(f"    error in {step}: {sample}")
    if (r := res.get("burst_ratio")) is not None:
        add(f"    1 worker / 2 workers, complete login p95: {r}x")
    s = res.get("steady")
    if s:
        e = s["events"]
        add(f"(2) {s['customers']}/{s['requested']} logged-in customers, one dashboard event each every "
            f"{s['every_seconds']:g} s for {s['duration_seconds']:g} s: {e['n']} events ({s['events_per_second']}/s), "
            f"p50 {_ms(e['p50_ms'])}, p95 {_ms(e['p95_ms'])}, max {_ms(e['max_ms'])}, errors {e['errors']} "
            f"(+{s['open_errors']} tabs that could not open)   target {s['target']} -> {_verdict(s['met'])}")
        add(f"    CPU: workers {s['worker_cpu_cores']} of a core each (idle {s['worker_idle_cpu_cores']}; "
            f"{s['worker_cpu_ms_per_event']} ms per event above idle); the load generator "
            f"{s['load_generator_cpu_cores']} of a core; sends more than 100 ms late {s['sends_late_over_100ms']}")
        for sample in e["error_samples"] + s["open_error_samples"]:
            add(f"    error: {sample}")
    mp, mb = res.get("memory_portal_redis"), res.get("memory_bare_redis")
    for label, mm in (("portal, logged in on home (2 workers)", mp), ("bare Reflex app, hydrated (1 worker)", mb)):
        if mm:
            add(f"(3) {label}: {mm['sessions']} idle sessions; per session worker RSS "
                f"{_kib(mm['per_session_worker_rss_bytes'])} + Redis {_kib(mm['per_session_redis_bytes'])}")
    if res.get("memory_ratio_redis"):
        mr = res["memory_ratio_redis"]
        add(f"    portal / bare: worker RSS {mr['rss_ratio']}x, Redis {mr['redis_ratio']}x, together {mr['total_ratio']}x")
    for f in res.get("failures", []):
        add(f"COULD NOT RUN: {f}")
    add("")
    return "\n".join(lines)


# ---- main --------------------------------------------------------------------------------------------


def main() -> int:
    def _terminate(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
    fd_limit = raise_fd_limit()
    # What `make` exports for Reflex (npm, no telemetry) and the venv's Node first (the export needs >= 22).
    for key, value in REFLEX_ENV.items():
        os.environ.setdefault(key, value)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    db_url = os.environ.get("GUICHET_BENCH_DB_URL")
    tmp = temporary_database("guichet-bench-workers-", db_url, extra={
        "GUICHET_LOGIN_IP_CAP": "100000000", "GUICHET_LOGIN_SEND_BUDGET": "100000000",
        "GUICHET_CORS_ORIGINS": "*"})
    db_url = os.environ["REFLEX_DB_URL"]
    res: dict[str, Any] = {"meta": {**_meta(), "workers": 2, "state_manager": "redis",
                                    "database": db_url.split(":", 1)[0].split("+")[0], "fd_limit": fd_limit,
                                    "burst": BURST, "customers": CUSTOMERS},
                           "failures": []}
    for key in ("sessions", "samples", "mem_concurrency"):
        res["meta"].pop(key, None)
    started = time.monotonic()
    if not shutil.which("redis-server"):
        res["failures"].append("redis-server is missing: `make redis` installs it from Debian")
        finish_run(res, RESULTS, report, tmp, started)
        return 2
    # GUICHET_WORKERS_PORT=<port>: a rerun keeps the frontend already exported for it (as in tests/scale).
    redis_port, api_port = free_port(), int(os.environ.get("GUICHET_WORKERS_PORT") or free_port())
    redis = None
    workers: list[Worker] = []
    bare: ReflexApp | None = None
    try:
        redis = start_redis(redis_port, tmp)
        try:
            log(f"migrating {res['meta']['database']} and seeding {2 * BURST + 2} + {CUSTOMERS} customers")
            migrate_in_process()
            portal = Portal(None, db_url=db_url)
            burst_emails = portal.seed(2 * BURST + 2, prefix="burst")
            tokens = seed_sessions(portal.seed(CUSTOMERS, prefix="steady"))
            env = worker_env(api_port, redis_port)
            log("exporting the frontend (tests/support/workers.py)")
            export_frontend({k: v for k, v in env.items() if not k.startswith("__REFLEX")}, tmp, api_port)
            workers = [Worker("a", free_port(), env, tmp), Worker("b", free_port(), env, tmp)]
            for w in workers:
                w.launch()
            for w in workers:
                w.wait_ready()
            urls = [f"http://127.0.0.1:{w.port}" for w in workers]
            pids = [w.proc.pid for w in workers]
            log(f"workers up on {', '.join(urls)}; Redis :{redis_port}")
            fe = Frontend.from_web_dir(REPO / ".web")
            asyncio.run(portal_scenarios(urls, fe, portal, burst_emails, tokens, pids, redis_port, res))
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            res["failures"].append(f"portal: {type(exc).__name__}: {exc}".splitlines()[0])
        finally:
            for w in workers:
                w.stop()
        try:
            log("building and starting the bare app under the same Redis")
            bare = prepare_bare(tmp)
            bare.env["REFLEX_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}"
            bare.start()
            asyncio.run(bare_memory(bare, redis_port, CUSTOMERS, res))
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            res["failures"].append(f"bare app: {type(exc).__name__}: {exc}".splitlines()[0])
        finally:
            if bare is not None:
                bare.stop()
        mp, mb = res.get("memory_portal_redis"), res.get("memory_bare_redis")
        if mp and mb and mb["per_session_worker_rss_bytes"] and mb["per_session_redis_bytes"]:
            tp = mp["per_session_worker_rss_bytes"] + mp["per_session_redis_bytes"]
            tb = mb["per_session_worker_rss_bytes"] + mb["per_session_redis_bytes"]
            res["memory_ratio_redis"] = {
                "rss_ratio": _r(mp["per_session_worker_rss_bytes"] / mb["per_session_worker_rss_bytes"]),
                "redis_ratio": _r(mp["per_session_redis_bytes"] / mb["per_session_redis_bytes"]),
                "total_ratio": _r(tp / tb)}
    finally:
        for w in workers:
            w.stop()
        if redis is not None:
            redis.terminate()
            redis.wait(10)
        res["meta"]["loadavg_end"] = _loadavg()
        finish_run(res, RESULTS, report, tmp, started)
    ran = all(k in res for k in ("burst_2_workers", "burst_1_worker", "steady", "memory_portal_redis",
                                 "memory_bare_redis"))
    return 0 if ran and not res["failures"] else 2


async def portal_scenarios(urls: list[str], fe: Frontend, portal: Portal, emails: list[str], tokens: list[str],
                           pids: list[int], redis_port: int, res: dict) -> None:
    log("warm-up: one login on each worker")
    warm = Recorder()
    for i, url in enumerate(urls):
        b = await login_flow(url, fe, portal, emails[i], warm)
        if b is None:
            raise RuntimeError(f"the warm-up login failed: {dict(warm.error_samples)}")
        for _ in range(10):
            await b.load_page("/")
        await b.close()
    half = emails[2:2 + BURST], emails[2 + BURST:2 + 2 * BURST]
    log(f"(1) {BURST} customers log in at once on 2 workers")
    res["burst_2_workers"] = await burst(urls, fe, portal, half[0], pids)
    log(f"    p95 {res['burst_2_workers']['complete_login']['p95_ms']} ms, errors {res['burst_2_workers']['errors']}")
    log(f"(1) {BURST} customers log in at once on worker A alone")
    res["burst_1_worker"] = await burst(urls[:1], fe, portal, half[1], pids)
    log(f"    p95 {res['burst_1_worker']['complete_login']['p95_ms']} ms, errors {res['burst_1_worker']['errors']}")
    p2, p1 = (res["burst_2_workers"]["complete_login"]["p95_ms"], res["burst_1_worker"]["complete_login"]["p95_ms"])
    res["burst_ratio"] = _r(p1 / p2) if p1 and p2 else None
    await steady(urls, fe, portal, tokens, pids, redis_port, res)


if __name__ == "__main__":
    sys.exit(main())
