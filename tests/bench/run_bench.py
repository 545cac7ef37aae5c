"""Guichet benchmark (`make bench`): event latency, logins under load, memory per session.

    python -m tests.bench.run_bench          # from the repository root

Environment:
    BENCH_SESSIONS          simulated customers per phase (default 200)
    BENCH_SAMPLES           sequential measurements per event type in scenario (i) (default 200)
    BENCH_MEM_CONCURRENCY   logins in flight while filling memory in scenario (iii) (default 10)
    BENCH_PACED_RATE        arrivals per second in the paced reference run (default 20)
    BENCH_KEEP=1            keep the temporary folder (apps, logs, database) for inspection

What it does, all on 127.0.0.1, never in the repository's own `.web/`:
  1. copies the app (portal_app/, rxconfig.py, alembic/, alembic.ini, assets/, reflex.lock/) to a
     temporary folder, adds a no-op "floor" state to that copy only, migrates a temporary SQLite
     database and creates 3×N+1 demo contacts (email only, so codes go by email to the console outbox);
  2. serves it with `reflex run --env prod --single-port` (one Granian worker, the in-memory state
     manager) and waits for /ping;
  3. drives simulated browsers (python-socketio, Reflex's /_event protocol; see reflex_client.py):
       (i)   floor event vs the home page's load event (PortalState.open_page("/")), sequential;
       (iii) N customers log in (email → code from the outbox → code → home) a few at a time and
             stay connected idle: backend worker memory before/after, per session;
       (ii)  N more customers log in and load home all at once (asyncio.gather): latency, errors;
             then, for reference, N more arriving evenly at BENCH_PACED_RATE per second;
  4. builds and serves the bare app (tests/bench/bare_app/) the same way and connects N idle
     hydrated browsers to it: its memory per session is the baseline for (iii).
Prints a report and writes bench-results/latest.json. Numbers are reported, never asserted; the
exit status is non-zero only when a scenario could not run at all.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .harness import ReflexApp, base_env, copy_tree
from .reflex_client import Browser, Frontend, ProtocolError, Update

REPO = Path(__file__).resolve().parents[2]
BENCH_DIR = Path(__file__).resolve().parent
RESULTS = REPO / "bench-results" / "latest.json"

SESSIONS = int(os.environ.get("BENCH_SESSIONS", "200"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
MEM_CONCURRENCY = int(os.environ.get("BENCH_MEM_CONCURRENCY", "10"))
PACED_RATE = float(os.environ.get("BENCH_PACED_RATE", "20"))
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0", "false")
WARMUP = 30
# A route with no on_load: the framework floor of a page-load event.
FLOOR_PAGE = "/__bench-floor"
CALL_TIMEOUT = 60.0

TARGET_HOME_VS_FLOOR = 2.0
TARGET_BURST_P95_MS = 100.0
TARGET_MEMORY_RATIO = 1.25

APP_FILES = ("portal_app", "rxconfig.py", "alembic", "alembic.ini", "assets", "reflex.lock")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- statistics ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    xs = sorted(values)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


class Recorder:
    """Round-trip times (ms) and errors per step."""

    def __init__(self) -> None:
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: dict[str, list[str]] = defaultdict(list)

    def add(self, step: str, ms: float) -> None:
        self.ms[step].append(ms)

    def error(self, step: str, exc: BaseException) -> None:
        self.errors[step] += 1
        if len(self.error_samples[step]) < 3:
            self.error_samples[step].append(f"{type(exc).__name__}: {exc}"[:300])

    def stats(self, step: str) -> dict[str, Any]:
        xs = self.ms.get(step, [])
        return {"n": len(xs), "p50_ms": _r(percentile(xs, 0.5)), "p95_ms": _r(percentile(xs, 0.95)),
                "max_ms": _r(max(xs) if xs else None), "mean_ms": _r(sum(xs) / len(xs) if xs else None),
                "errors": self.errors.get(step, 0), "error_samples": self.error_samples.get(step, [])}

    def all_stats(self, steps: list[str]) -> dict[str, Any]:
        merged = Recorder()
        for s in steps:
            merged.ms["all"].extend(self.ms.get(s, []))
            merged.errors["all"] += self.errors.get(s, 0)
        return merged.stats("all")


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(x, nd)


def finish_run(res: dict[str, Any], results: Path, report, tmp: Path, started: float) -> None:
    """Every bench's last step: the total time, the results file, the printed report, and the temporary
    folder removed (kept with BENCH_KEEP=1)."""
    res["meta"]["total_seconds"] = _r(time.monotonic() - started)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(res, indent=2) + "\n")
    print(report(res))
    log(f"results written to {results.relative_to(REPO)}")
    if KEEP:
        log(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- the portal's side: names, demo data, codes ----------------------------------------------------


class Portal:
    """State names (from the app's own classes), demo contacts and the login codes in the outbox."""

    def __init__(self, workdir: Path | None, db_path: Path | None = None, *, db_url: str | None = None):
        """`workdir`: the temporary copy with its floor state (None: the repository's app, no floor).
        The outbox is read from the SQLite file `db_path`, or through SQLAlchemy at `db_url`."""
        self.floor_state = None
        if workdir is not None:
            sys.path.insert(0, str(workdir))  # the temporary copy, with its floor state
            from portal_app import _bench_floor  # noqa: PLC0415

            self.floor_state = _bench_floor.BenchFloorState.get_full_name()
        from portal_app.login.state import LoginState  # noqa: PLC0415
        from portal_app.core.states.portal import PORTAL_COOKIE, PortalState  # noqa: PLC0415
        from portal_app.core.states.site import SiteState  # noqa: PLC0415

        self.site = SiteState.get_full_name()
        self.portal = PortalState.get_full_name()
        self.login = LoginState.get_full_name()
        self.cookie = PORTAL_COOKIE
        self.db_path = db_path
        self.db_url = db_url
        self._db: sqlite3.Connection | None = None
        self._engine = None

    def seed(self, count: int, prefix: str = "bench") -> list[str]:
        """`count` active contacts with portal access and no mobile (codes go by email)."""
        from portal_app.core.db import session_scope  # noqa: PLC0415
        from portal_app.core import accounts, audit, business  # noqa: PLC0415

        emails = [f"{prefix}{i:04d}@bench.example" for i in range(count)]
        with session_scope() as db:
            business.get_business(db)  # the settings row exists before the first concurrent login
            account_id = None
            for i, email in enumerate(emails):
                if i % 20 == 0:
                    account_id = accounts.save_account(db, audit.SYSTEM, account_id=None,
                                                       name=f"Bench customer {prefix} {i // 20:03d}",
                                                       number=f"{prefix.upper()}-{i // 20:04d}").id
                accounts.save_contact(db, audit.SYSTEM, accounts.ContactInput(
                    account_id=account_id, email=email, first_name=f"Bench{i}", last_name="Customer",
                    language="en", portal_role="admin" if i % 2 == 0 else "member"))
        return emails

    async def code_for(self, email: str, timeout: float = 15.0) -> str:
        """The newest login code emailed to `email` (the console provider keeps the whole body)."""
        deadline = time.monotonic() + timeout
        while True:
            row = self._newest_code_mail(email)
            if row and (m := re.search(r"(?<!\d)(\d{6})(?!\d)", row[0])):
                return m.group(1)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no login code in the outbox for {email} after {timeout:.0f} s")
            await asyncio.sleep(0.02)

    def _newest_code_mail(self, email: str):
        query = ("SELECT body_text FROM outbound_message WHERE recipient = :r AND template = 'login_code' "
                 "ORDER BY id DESC LIMIT 1")
        if self.db_url is not None:
            if self._engine is None:
                from sqlalchemy import create_engine  # noqa: PLC0415

                self._engine = create_engine(self.db_url, pool_size=2)
            from sqlalchemy import text  # noqa: PLC0415

            with self._engine.connect() as conn:
                return conn.execute(text(query), {"r": email}).fetchone()
        if self._db is None:
            self._db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=5)
        return self._db.execute(query, {"r": email}).fetchone()

    # Completion of each answer, as the browser would see it.
    def email_done(self, u: Update, _seen) -> bool:
        return self.login in u.delta

    def code_done(self, u: Update, _seen) -> bool:
        return u.redirect() is not None or bool(u.delta.get(self.login, {}).get("error_key_rx_state_"))

    def portal_done(self, u: Update, _seen) -> bool:
        return self.portal in u.delta

    def floor_done(self, u: Update, _seen) -> bool:
        return self.floor_state in u.delta

    def site_done(self, u: Update, _seen) -> bool:
        return self.site in u.delta


DEVICE_ZONE = "Europe/Paris"  # what the simulated browsers report as their time zone


async def login_flow(url: str, fe: Frontend, portal: Portal, email: str, rec: Recorder) -> Browser | None:
    """One customer: open /login, email, code from the outbox, code, home. The tab stays open."""
    b = Browser(url, fe)
    step = "open /login (connect+hydrate+on_load)"
    try:
        rec.add(step, await b.open("/login", timeout=CALL_TIMEOUT))
        step = "submit_email"
        rec.add(step, await b.call(f"{portal.login}.submit_email", {"form": {"email": email}},
                                   done=portal.email_done, timeout=CALL_TIMEOUT))
        if b.value(portal.login, "step") != "code":
            raise ProtocolError(f"no code step: error_key={b.value(portal.login, 'error_key')!r}")
        step = "read code (outbox)"
        code = await portal.code_for(email)
        step = "submit_code"
        rec.add(step, await b.call(f"{portal.login}.submit_code", {"form": {"code": code}},
                                   done=portal.code_done, timeout=CALL_TIMEOUT))
        if b.cookies.get(portal.cookie) is None:
            raise ProtocolError(f"no session cookie: error_key={b.value(portal.login, 'error_key')!r}")
        step = "home (navigate /, on_load)"
        ms, seen = await b.navigate("/", timeout=CALL_TIMEOUT)
        redirects = [r for u in seen if (r := u.redirect())]
        if redirects or b.value(portal.portal, "authed") is not True:
            raise ProtocolError(f"home not loaded (redirects {redirects})")
        rec.add(step, ms)
        # As a browser does once per tab: the shell asked for the device's time zone (a script), the answer
        # comes back as an event. Without it every later page load would ask again and read the business's.
        step = "device zone (answered once per tab)"
        await b.call(f"{portal.portal}.set_device_zone", {"name": DEVICE_ZONE, "route": ""}, timeout=CALL_TIMEOUT)
        return b
    except Exception as exc:  # noqa: BLE001 - every failure is counted, the run goes on
        rec.error(step, exc)
        await b.close()
        return None


LOGIN_STEPS = ["open /login (connect+hydrate+on_load)", "submit_email", "submit_code",
               "home (navigate /, on_load)"]


async def open_tab(url: str, fe: Frontend, rec: Recorder, step: str, *, path: str = "/",
                   cookies: dict[str, str] | None = None, check=None) -> Browser | None:
    """A fresh tab opens `path` (connect, hydrate, on_load) with `cookies`; `check(browser)` may raise.
    The time goes to `step`, a failure is counted there and the tab closed."""
    b = Browser(url, fe)
    b.cookies.update(cookies or {})
    try:
        ms = await b.open(path, timeout=CALL_TIMEOUT)
        if check is not None:
            check(b)
        rec.add(step, ms)
        return b
    except Exception as exc:  # noqa: BLE001 - every failure is counted, the run goes on
        rec.error(step, exc)
        await b.close()
        return None


async def limited(coros, limit: int):
    sem = asyncio.Semaphore(limit)

    async def run(c):
        async with sem:
            return await c

    return await asyncio.gather(*(run(c) for c in coros))


async def close_all(browsers) -> None:
    await asyncio.gather(*(b.close() for b in browsers if b is not None))


# ---- the portal's scenarios ------------------------------------------------------------------------


async def portal_scenarios(app: ReflexApp, portal: Portal, emails: list[str], out: dict[str, Any]) -> None:
    fe = Frontend.from_web_dir(app.workdir / ".web")
    url = app.url

    # Warm-up: one full login, then each measured event a few times (imports, caches, pools).
    log("warm-up customer logs in")
    warm_rec = Recorder()
    main = await login_flow(url, fe, portal, emails[0], warm_rec)
    if main is None:
        raise RuntimeError(f"the warm-up login failed: {dict(warm_rec.error_samples)}")
    for _ in range(WARMUP):
        await main.call(f"{ROOT_FLOOR(portal)}", done=portal.floor_done)
        await main.load_page("/")
        await main.load_page(FLOOR_PAGE)

    # (i) floor vs home, sequential, one logged-in customer; the order alternates every round.
    log(f"(i) floor vs home: {SAMPLES} sequential events each")
    seq = Recorder()
    for i in range(SAMPLES):
        order = ("floor", "home", "floor_page") if i % 2 == 0 else ("home", "floor_page", "floor")
        for kind in order:
            try:
                if kind == "floor":
                    seq.add("floor", await main.call(ROOT_FLOOR(portal), done=portal.floor_done))
                elif kind == "floor_page":
                    seq.add("floor_page", await main.load_page(FLOOR_PAGE))
                elif kind == "home":
                    # The home page's load event as the browser sends it: open_page runs (shell, dashboard, cards), then hydrated.
                    ms = await main.load_page("/")
                    if main.value(portal.portal, "authed") is not True:
                        raise ProtocolError("home load: not authed")
                    seq.add("home", ms)
            except Exception as exc:  # noqa: BLE001
                seq.error(kind, exc)
    # Home as the browser loads it after the login redirect: cookies, then the page's on_load chain.
    for _ in range(SAMPLES):
        try:
            ms, seen = await main.navigate("/")
            if any(u.redirect() for u in seen):
                raise ProtocolError("home navigation redirected")
            seq.add("home_navigation", ms)
        except Exception as exc:  # noqa: BLE001
            seq.error("home_navigation", exc)
    # Worker CPU per event, in blocks (psutil's clock is coarse, so many events per block).
    cpu_per_event = {}
    blocks = {
        "floor": lambda: main.call(ROOT_FLOOR(portal), done=portal.floor_done),
        "home": lambda: main.load_page("/"),
        "floor_page": lambda: main.load_page(FLOOR_PAGE),
        "home_navigation": lambda: main.navigate("/"),
    }
    for key, fn in blocks.items():
        c0 = app.cpu_seconds()
        for _ in range(SAMPLES):
            await fn()
        cpu_per_event[key] = _r((app.cpu_seconds() - c0) * 1000 / SAMPLES, 3)
    nav_bytes = 0
    _, seen = await main.navigate("/")
    nav_bytes = sum(len(json.dumps({"delta": u.delta, "events": u.events})) for u in seen)
    floor, home = seq.stats("floor"), seq.stats("home")
    floor_page = seq.stats("floor_page")
    ratio = (home["p50_ms"] / floor["p50_ms"]) if floor["p50_ms"] and home["p50_ms"] else None
    ratio_page = (home["p50_ms"] / floor_page["p50_ms"]) if floor_page["p50_ms"] and home["p50_ms"] else None
    ratio95 = (home["p95_ms"] / floor["p95_ms"]) if floor["p95_ms"] and home["p95_ms"] else None
    out["floor_vs_home"] = {
        "floor": floor, "home": home, "floor_page": floor_page,
        "home_over_floor_page_p50": _r(ratio_page),
        "home_navigation": seq.stats("home_navigation"), "worker_cpu_ms_per_event": cpu_per_event,
        "home_over_floor_p50": _r(ratio), "home_over_floor_p95": _r(ratio95),
        "delta_bytes": {
            "floor": await _delta_size(main, ROOT_FLOOR(portal), {}, portal.floor_done),
            "home_navigation": nav_bytes,
        },
        "target": f"home p50 <= {TARGET_HOME_VS_FLOOR:g} x floor p50",
        "met": None if ratio is None else ratio <= TARGET_HOME_VS_FLOOR,
    }

    # (iii) memory: N customers log in, a few at a time, then stay connected and idle.
    n = SESSIONS
    before = await asyncio.to_thread(app.settled_memory)
    log(f"(iii) memory: worker RSS {before['rss'] / 2**20:.1f} MiB; {n} customers log in "
        f"({MEM_CONCURRENCY} at a time) and stay idle")
    mem_rec = Recorder()
    half = n // 2
    t0 = time.perf_counter()
    first = await limited([login_flow(url, fe, portal, e, mem_rec) for e in emails[1:1 + half]], MEM_CONCURRENCY)
    mid = await asyncio.to_thread(app.settled_memory)
    second = await limited([login_flow(url, fe, portal, e, mem_rec) for e in emails[1 + half:1 + n]],
                           MEM_CONCURRENCY)
    fill_s = time.perf_counter() - t0
    ok = [b for b in first + second if b is not None]
    after = await asyncio.to_thread(app.settled_memory, settle_s=3.0)
    out["memory_portal"] = _memory_result(len(ok), n, before, mid, after,
                                          sum(1 for b in second if b is not None))
    out["memory_portal"].update(fill_seconds=_r(fill_s), login_steps={s: mem_rec.stats(s) for s in LOGIN_STEPS})
    log(f"    {len(ok)}/{n} logged in; worker RSS {after['rss'] / 2**20:.1f} MiB")

    # (ii) N more customers log in and load home all at once, beside the N idle ones.
    log(f"(ii) burst: {n} customers log in and load home at once ({len(ok)} idle sessions stay open)")
    burst = Recorder()
    await asyncio.to_thread(app.wait_idle)
    cpu0, gen0 = app.cpu_seconds(), _own_cpu()
    t0 = time.perf_counter()
    burst_browsers = await asyncio.gather(*(login_flow(url, fe, portal, e, burst)
                                            for e in emails[1 + n:1 + 2 * n]))
    wall = time.perf_counter() - t0
    cpu, gen_cpu = app.cpu_seconds() - cpu0, _own_cpu() - gen0
    await asyncio.to_thread(app.wait_idle)
    cpu_incl_sends = app.cpu_seconds() - cpu0
    done_ok = sum(1 for b in burst_browsers if b is not None)
    overall = burst.all_stats(LOGIN_STEPS)
    errors = sum(burst.errors.values())
    out["burst"] = {
        "sessions": n, "completed": done_ok, "errors": errors, "wall_seconds": _r(wall),
        "worker_cpu_seconds": _r(cpu), "load_generator_cpu_seconds": _r(gen_cpu),
        "worker_cpu_seconds_incl_email_sends": _r(cpu_incl_sends),
        "worker_cpu_ms_per_login": _r(cpu_incl_sends * 1000 / done_ok) if done_ok else None,
        "all_round_trips": overall,
        "steps": {s: burst.stats(s) for s in LOGIN_STEPS + ["read code (outbox)"] if s in burst.ms
                  or s in burst.errors},
        "memory_after": app.memory(),
        "target": f"p95 of every round trip < {TARGET_BURST_P95_MS:g} ms and no error",
        "met": (overall["p95_ms"] is not None and overall["p95_ms"] < TARGET_BURST_P95_MS and errors == 0),
    }
    log(f"    {done_ok}/{n} completed in {wall:.1f} s; p95 {overall['p95_ms']} ms; errors {errors}")

    # (ii-b) for reference: the same number of logins, arriving evenly at PACED_RATE per second.
    log(f"(ii-b) paced: {n} customers log in at {PACED_RATE:g} per second")
    paced = Recorder()

    async def arrive(i: int, email: str) -> Browser | None:
        await asyncio.sleep(i / PACED_RATE)
        return await login_flow(url, fe, portal, email, paced)

    # The burst's e-mails may still be going out in the worker's notify threads.
    await asyncio.to_thread(app.wait_idle)
    cpu0 = app.cpu_seconds()
    t0 = time.perf_counter()
    paced_browsers = await asyncio.gather(*(arrive(i, e) for i, e in enumerate(emails[1 + 2 * n:1 + 3 * n])))
    wall = time.perf_counter() - t0
    cpu = app.cpu_seconds() - cpu0
    paced_ok = sum(1 for b in paced_browsers if b is not None)
    out["paced"] = {
        "sessions": n, "rate_per_second": PACED_RATE, "completed": paced_ok,
        "errors": sum(paced.errors.values()), "wall_seconds": _r(wall),
        "worker_cpu_seconds": _r(cpu), "worker_cpu_ms_per_login": _r(cpu * 1000 / paced_ok) if paced_ok else None,
        "all_round_trips": paced.all_stats(LOGIN_STEPS),
        "steps": {s: paced.stats(s) for s in LOGIN_STEPS},
    }
    log(f"    {paced_ok}/{n} completed; p95 {out['paced']['all_round_trips']['p95_ms']} ms")
    await close_all([main, *ok, *burst_browsers, *paced_browsers])
    if not ok and not done_ok:
        raise RuntimeError("every login failed")


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def ROOT_FLOOR(portal: Portal) -> str:  # noqa: N802 - reads as a constant
    return f"{portal.floor_state}.floor"


async def _delta_size(b: Browser, handler: str, payload, done) -> int:
    """Bytes of JSON the server sends back for one event (what a phone downloads per click)."""
    sizes: list[int] = []

    def measure(u: Update, seen) -> bool:
        sizes.append(len(json.dumps({"delta": u.delta, "events": u.events})))
        return done(u, seen)

    await b.call(handler, payload, done=measure)
    return sum(sizes)


def _memory_result(sessions: int, requested: int, before, mid, after, second_half: int) -> dict[str, Any]:
    """Per session = (after - before) / sessions; "marginal" = the second half's sessions alone,
    a check that one-off allocations made by the first sessions do not drive the figure."""
    return {
        "sessions": sessions, "requested": requested, "before": before, "halfway": mid, "after": after,
        "per_session_rss_bytes": (after["rss"] - before["rss"]) / sessions if sessions else None,
        "per_session_uss_bytes": (after["uss"] - before["uss"]) / sessions if sessions else None,
        "marginal_rss_bytes": (after["rss"] - mid["rss"]) / second_half if second_half else None,
    }


# ---- the bare app ---------------------------------------------------------------------------------


async def bare_scenarios(app: ReflexApp, state_name: str, out: dict[str, Any]) -> None:
    fe = Frontend.from_web_dir(app.workdir / ".web")
    floor = f"{state_name}.floor"

    def floor_done(u: Update, _seen) -> bool:
        return state_name in u.delta

    main = Browser(app.url, fe)
    await main.open("/")
    for _ in range(WARMUP):
        await main.call(floor, done=floor_done)
    rec = Recorder()
    for _ in range(SAMPLES):
        try:
            rec.add("floor", await main.call(floor, done=floor_done))
        except Exception as exc:  # noqa: BLE001
            rec.error("floor", exc)
    before = await asyncio.to_thread(app.settled_memory)
    log(f"bare app: worker RSS {before['rss'] / 2**20:.1f} MiB; {SESSIONS} browsers connect and stay idle")

    def open_one():
        return open_tab(app.url, fe, rec, "open / (connect+hydrate)")

    half = SESSIONS // 2
    first = await limited([open_one() for _ in range(half)], MEM_CONCURRENCY)
    mid = await asyncio.to_thread(app.settled_memory)
    second = await limited([open_one() for _ in range(SESSIONS - half)], MEM_CONCURRENCY)
    ok = [b for b in first + second if b is not None]
    after = await asyncio.to_thread(app.settled_memory, settle_s=3.0)
    out["memory_bare"] = _memory_result(len(ok), SESSIONS, before, mid, after,
                                        sum(1 for b in second if b is not None))
    out["memory_bare"]["open"] = rec.stats("open / (connect+hydrate)")
    out["bare_floor"] = rec.stats("floor")
    log(f"    {len(ok)}/{SESSIONS} connected; worker RSS {after['rss'] / 2**20:.1f} MiB")
    await close_all([main, *ok])
    if not ok:
        raise RuntimeError("no browser could connect to the bare app")


# ---- preparing the two apps ----------------------------------------------------------------------


def prepare_portal(tmp: Path) -> tuple[ReflexApp, Path]:
    work = tmp / "portal"
    work.mkdir()
    for name in APP_FILES:
        copy_tree(REPO / name, work / name)
    # The floor handler lives in this copy only.
    shutil.copy2(BENCH_DIR / "floor_state.py", work / "portal_app" / "_bench_floor.py")
    with open(work / "portal_app" / "portal_app.py", "a") as fh:
        fh.write("\n\nfrom . import _bench_floor  # noqa: E402,F401  (benchmark copy only)\n")
    db_path = tmp / "portal.db"
    settings = {
        "REFLEX_DB_URL": f"sqlite:///{db_path}",
        "GUICHET_DATA_DIR": str(tmp / "data"),
        "GUICHET_SECRET_KEY": secrets.token_urlsafe(32),
        "GUICHET_LOGIN_IP_CAP": "100000000",  # every simulated customer comes from 127.0.0.1
        "GUICHET_LOGIN_SEND_BUDGET": "100000000",  # 3×N+1 codes in a few minutes (default 200 an hour)
        "GUICHET_CORS_ORIGINS": "*",
        "GUICHET_EMAIL_PROVIDER": "console",  # codes stay readable in the outbox table
        "GUICHET_SMS_PROVIDER": "console",
    }
    app = ReflexApp("portal", work, base_env(settings))
    app.env["GUICHET_BASE_URL"] = app.url
    os.environ.update(settings)  # this process seeds the same database through the services
    return app, db_path


def prepare_bare(tmp: Path) -> ReflexApp:
    work = tmp / "bare"
    copy_tree(BENCH_DIR / "bare_app", work)
    copy_tree(REPO / "reflex.lock", work / "reflex.lock")  # the same frontend packages as the portal
    return ReflexApp("bare", work, base_env())


def bare_state_name(work: Path) -> str:
    sys.path.insert(0, str(work))
    from bare_app.state import BareState  # noqa: PLC0415

    return BareState.get_full_name()


# ---- report ---------------------------------------------------------------------------------------


def _fmt(x, unit="") -> str:
    return "-" if x is None else f"{x:.1f}{unit}" if isinstance(x, float) else f"{x}{unit}"


def _fmt2(x) -> str:
    return "-" if x is None else f"{x:.2f}"


def _verdict(met) -> str:
    return "n/a" if met is None else ("MET" if met else "MISSED")


def report(res: dict[str, Any]) -> str:
    lines = []
    add = lines.append
    meta = res["meta"]
    add("")
    add(f"Guichet benchmark — {meta['started']}  commit {meta.get('commit', '?')}  reflex {meta.get('reflex')}"
        f"  {meta['cpus']} CPUs  sessions={meta['sessions']}  total {meta.get('total_seconds')} s")
    if (meta.get("loadavg_start") or 0) > 1.0:
        add(f"NOTE: the machine's load average was {meta['loadavg_start']} at the start: other processes "
            f"share the CPUs, so latencies are noisier than on an idle machine.")
    row = "{:<40} {:>6} {:>9} {:>9} {:>9} {:>7}"
    fv = res.get("floor_vs_home")
    if fv:
        add("")
        add(f"(i) Sequential events, one logged-in customer ({meta['samples']} each, after {WARMUP} warm-up)")
        add(row.format("event", "n", "p50 ms", "p95 ms", "max ms", "errors") + "  reply B  worker CPU")
        cpu = fv.get("worker_cpu_ms_per_event", {})
        for key, label in (("floor", "floor (no-op handler)"), ("floor_page", "page load, no on_load [floor]"),
                           ("home", "home page load (open_page)"),
                           ("home_navigation", "home navigation, vars+on_load [info]")):
            s = fv[key]
            add(row.format(label, s["n"], _fmt(s["p50_ms"]), _fmt(s["p95_ms"]), _fmt(s["max_ms"]), s["errors"])
                + f"  {fv['delta_bytes'].get(key, '-'):>7}  {_fmt(cpu.get(key))} ms")
        if "bare_floor" in res:
            s = res["bare_floor"]
            add(row.format("bare app floor [info]", s["n"], _fmt(s["p50_ms"]), _fmt(s["p95_ms"]),
                           _fmt(s["max_ms"]), s["errors"]))
        add(f"    home / floor: p50 {_fmt2(fv['home_over_floor_p50'])}x, p95 {_fmt2(fv['home_over_floor_p95'])}x"
            f"   target: {fv['target']}  -> {_verdict(fv['met'])}")
        add(f"    home / page-load floor: p50 {_fmt2(fv.get('home_over_floor_page_p50'))}x")
    bu = res.get("burst")
    if bu:
        add("")
        add(f"(ii) {bu['sessions']} customers log in and load home at once (one worker, "
            f"{res.get('memory_portal', {}).get('sessions', 0)} idle sessions open): {bu['completed']} completed "
            f"in {bu['wall_seconds']} s")
        add(f"    worker CPU during the burst {bu['worker_cpu_seconds']} s; {bu['worker_cpu_seconds_incl_email_sends']} s "
            f"with the e-mail sends that follow ({bu['worker_cpu_ms_per_login']} ms per login); "
            f"load generator CPU {bu['load_generator_cpu_seconds']} s")
        add(row.format("step", "n", "p50 ms", "p95 ms", "max ms", "errors"))
        for step, s in bu["steps"].items():
            add(row.format(step[:40], s["n"], _fmt(s["p50_ms"]), _fmt(s["p95_ms"]), _fmt(s["max_ms"]), s["errors"]))
        s = bu["all_round_trips"]
        add(row.format("all round trips", s["n"], _fmt(s["p50_ms"]), _fmt(s["p95_ms"]), _fmt(s["max_ms"]),
                       s["errors"]))
        add(f"    target: {bu['target']}  -> {_verdict(bu['met'])}")
        for step, s in bu["steps"].items():
            for sample in s["error_samples"]:
                add(f"    error in {step}: {sample}")
    pa = res.get("paced")
    if pa:
        s = pa["all_round_trips"]
        add(f"    [info] the same {pa['sessions']} logins arriving at {pa['rate_per_second']:g}/s: "
            f"{pa['completed']} completed, p50 {_fmt(s['p50_ms'])} ms, p95 {_fmt(s['p95_ms'])} ms, "
            f"max {_fmt(s['max_ms'])} ms, errors {pa['errors']}")
    mp, mb = res.get("memory_portal"), res.get("memory_bare")
    if mp or mb:
        add("")
        add("(iii) Backend worker memory per idle session")
        mrow = "{:<34} {:>8} {:>11} {:>11} {:>12} {:>12} {:>12}"
        add(mrow.format("app", "sessions", "RSS before", "RSS after", "RSS/session", "USS/session",
                        "2nd half"))
        for label, m in (("portal (logged in, on home)", mp), ("bare app (connected, hydrated)", mb)):
            if not m:
                continue
            add(mrow.format(label, m["sessions"], f"{m['before']['rss'] / 2**20:.1f} MiB",
                            f"{m['after']['rss'] / 2**20:.1f} MiB", _kib(m["per_session_rss_bytes"]),
                            _kib(m["per_session_uss_bytes"]), _kib(m["marginal_rss_bytes"])))
        mr = res.get("memory_ratio")
        if mr:
            add(f"    portal / bare: RSS {_fmt2(mr['rss_ratio'])}x (2nd half {_fmt2(mr['marginal_rss_ratio'])}x), "
                f"USS {_fmt2(mr['uss_ratio'])}x"
                f"   target: {mr['target']}  -> {_verdict(mr['met'])}")
    if res.get("failures"):
        add("")
        for f in res["failures"]:
            add(f"COULD NOT RUN: {f}")
    add("")
    return "\n".join(lines)


def _kib(x) -> str:
    return "-" if x is None else f"{x / 1024:.1f} KiB"


# ---- main -----------------------------------------------------------------------------------------


def _loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _meta() -> dict[str, Any]:
    meta = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "sessions": SESSIONS,
            "samples": SAMPLES, "mem_concurrency": MEM_CONCURRENCY, "cpus": os.cpu_count(),
            "python": platform.python_version(), "host": "127.0.0.1", "workers": 1,
            "state_manager": "disk (Reflex's default for one worker: kept in memory, written to disk when idle)",
            "loadavg_start": _loadavg()}
    try:
        meta["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                        text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        from importlib.metadata import version  # noqa: PLC0415

        meta["reflex"] = version("reflex")
    except Exception:  # noqa: BLE001
        pass
    return meta


def main() -> int:
    def _terminate(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)
    tmp = Path(tempfile.mkdtemp(prefix="guichet-bench-"))
    res: dict[str, Any] = {"meta": _meta(), "failures": []}
    t_start = time.monotonic()
    apps: list[ReflexApp] = []
    try:
        # --- the portal
        try:
            log(f"preparing the portal in {tmp}")
            portal_app, db_path = prepare_portal(tmp)
            apps.append(portal_app)
            portal_app.run_cli("db", "migrate")
            portal = Portal(portal_app.workdir, db_path)
            emails = portal.seed(3 * SESSIONS + 1)
            log(f"{len(emails)} demo contacts; building and starting the portal (reflex run --env prod)")
            portal_app.start()
            log(f"portal up on {portal_app.url} in {portal_app.started_s:.0f} s; backend worker pid "
                f"{portal_app.worker.pid}")
            res["meta"]["portal_start_seconds"] = _r(portal_app.started_s)
            asyncio.run(portal_scenarios(portal_app, portal, emails, res))
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            res["failures"].append(f"portal: {type(exc).__name__}: {exc}".splitlines()[0])
        finally:
            for app in apps:
                app.stop()

        # --- the bare app
        try:
            bare = prepare_bare(tmp)
            apps.append(bare)
            name = bare_state_name(bare.workdir)
            log("building and starting the bare app")
            bare.start()
            log(f"bare app up on {bare.url} in {bare.started_s:.0f} s; backend worker pid {bare.worker.pid}")
            res["meta"]["bare_start_seconds"] = _r(bare.started_s)
            asyncio.run(bare_scenarios(bare, name, res))
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            res["failures"].append(f"bare app: {type(exc).__name__}: {exc}".splitlines()[0])
        finally:
            for app in apps:
                app.stop()

        mp, mb = res.get("memory_portal"), res.get("memory_bare")
        if mp and mb and mp.get("per_session_rss_bytes") and mb.get("per_session_rss_bytes"):
            rss_ratio = mp["per_session_rss_bytes"] / mb["per_session_rss_bytes"]
            uss_ratio = (mp["per_session_uss_bytes"] / mb["per_session_uss_bytes"]
                         if mb.get("per_session_uss_bytes") else None)
            marginal = (mp["marginal_rss_bytes"] / mb["marginal_rss_bytes"]
                        if mp.get("marginal_rss_bytes") and mb.get("marginal_rss_bytes") else None)
            res["memory_ratio"] = {"rss_ratio": _r(rss_ratio), "uss_ratio": _r(uss_ratio),
                                   "marginal_rss_ratio": _r(marginal),
                                   "target": f"portal per session <= {TARGET_MEMORY_RATIO:g} x bare (RSS)",
                                   "met": rss_ratio <= TARGET_MEMORY_RATIO}
    finally:
        for app in apps:
            app.stop()
        res["meta"]["loadavg_end"] = _loadavg()
        finish_run(res, RESULTS, report, tmp, t_start)

    ran = all(k in res for k in ("floor_vs_home", "burst", "memory_portal", "memory_bare"))
    return 0 if ran and not res["failures"] else 2


if __name__ == "__main__":
    sys.exit(main())
