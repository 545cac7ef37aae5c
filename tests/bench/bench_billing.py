"""Billing at data scale (`make bench`): one account with 10,000 invoices (lines, payments, consumption
files) beside many small accounts.

    python -m tests.bench.bench_billing          # from the repository root

Measured in one run, on a temporary SQLite database built with the migrations:
  * in process: the billing service calls behind the invoices page, its filters and the home page's
    amount due, and the **bare SQL** they run (the same statements, captured from SQLAlchemy and
    replayed on a raw sqlite3 connection), with each statement's EXPLAIN QUERY PLAN: a full scan of
    a big table is reported;
  * over Reflex's websocket (the production build, one worker, as in run_bench.py): the no-op
    "floor" event, the invoices page load, the filter events, the home page load (with the amount
    due) and the summary handler alone.
Target (reported, never asserted): each billing event's p50 ≤ 2 × floor p50 + its bare SQL p50.

Environment: BENCH_BIG_INVOICES (10000), BENCH_SMALL_ACCOUNTS (2000), BENCH_SMALL_INVOICES (5),
BENCH_SAMPLES (100), BENCH_KEEP=1 keeps the temporary folder. Results: bench-results/billing.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from .harness import ReflexApp
from .reflex_client import Frontend, Update
from .run_bench import KEEP, REPO, Portal, Recorder, _r, log, login_flow, percentile, prepare_portal

BIG_INVOICES = int(os.environ.get("BENCH_BIG_INVOICES", "10000"))
SMALL_ACCOUNTS = int(os.environ.get("BENCH_SMALL_ACCOUNTS", "2000"))
SMALL_INVOICES = int(os.environ.get("BENCH_SMALL_INVOICES", "5"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "100"))
RESULTS = REPO / "bench-results" / "billing.json"
BIG_EMAIL = "big.admin@bench.example"
TARGET_FACTOR = 2.0
BIG_TABLES = ("invoice", "invoice_line", "payment", "payment_allocation", "consumption_file", "account", "contact")


# ---- data -------------------------------------------------------------------------------------------


def seed(db_path: Path) -> dict[str, Any]:
    """Accounts and contacts through the services; the bulk of billing rows with plain INSERTs."""
    from portal_app.core.db import session_scope  # noqa: PLC0415
    from portal_app.core import accounts, audit, business
    from portal_app.billing import settings  # noqa: PLC0415

    t0 = time.perf_counter()
    with session_scope() as db:
        business.get_business(db)
        settings.get_settings_row(db)
        big = accounts.save_account(db, audit.SYSTEM, account_id=None, name="Big Telecom Reseller", number="BIG-0001")
        accounts.save_contact(db, audit.SYSTEM, accounts.ContactInput(account_id=big.id, email=BIG_EMAIL,
                                                                      first_name="Big", portal_role="admin"))
        small_ids = [accounts.save_account(db, audit.SYSTEM, account_id=None, name=f"Small {i:05d}",
                                           number=f"SMALL-{i:05d}").id for i in range(SMALL_ACCOUNTS)]
        big_id = big.id
    rng = random.Random(7)
    today = date.today()
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=WAL")
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    inv_rows, line_rows, pay_rows, alloc_rows, file_rows = [], [], [], [], []
    next_inv, next_pay = 1, 1

    def invoice(account_id: int, issued: date, n_lines: int, files: int) -> None:
        nonlocal next_inv, next_pay
        inv_id = next_inv
        next_inv += 1
        nets = [rng.randint(500, 20000) for _ in range(n_lines)]
        usage = nets[-1] if n_lines > 1 else 0
        subtotal = sum(nets)
        tax = (subtotal * 2000 + 5000) // 10000
        total = subtotal + tax
        due = issued + timedelta(days=30)
        r = rng.random()
        if due >= today:
            status, paid = ("issued", 0) if r < 0.7 else ("paid", total)
        else:
            status, paid = ("paid", total) if r < 0.93 else ("issued", 0) if r < 0.97 else \
                ("partially_paid", total // 2) if r < 0.99 else ("void", 0)
        inv_rows.append((inv_id, account_id, f"INV-{issued.year}-{inv_id:06d}", status, "EUR", "en",
                         issued.isoformat(), due.isoformat(), "", subtotal, tax, total, paid, usage,
                         json.dumps([{"rate_bp": 2000, "net": subtotal, "tax": tax}]), None, "portal", "", now,
                         now, None, None))
        for pos, net in enumerate(nets, start=1):
            line_rows.append((inv_id, pos, f"Line {pos}", 1000, net, 2000, net, pos == n_lines and n_lines > 1))
        if paid:
            pay_rows.append((next_pay, account_id, "EUR", paid, 0, "bank_transfer", "succeeded", "manual", None, "",
                             f"VIR {inv_id}", json.dumps([inv_id]), "", now, (due - timedelta(days=3)).isoformat()
                             + " 12:00:00.000000", None, None))
            alloc_rows.append((next_pay, inv_id, paid, now))
            next_pay += 1
        for k in range(files):
            file_rows.append((inv_id, account_id, f"calls-{inv_id}-{k}.csv", "0" * 32 + ".csv", "text/csv", 1024, now,
                              None))

    span_days = 5 * 365  # the big account's 10,000 invoices over five years
    for i in range(BIG_INVOICES):
        invoice(big_id, today - timedelta(days=int(span_days * (BIG_INVOICES - i) / BIG_INVOICES)), 3, 1)
    for acc in small_ids:
        for k in range(SMALL_INVOICES):
            invoice(acc, today - timedelta(days=30 * k + rng.randint(0, 20)), 2, 0)
    con.executemany("INSERT INTO invoice (id, account_id, number, status, currency, language, issue_date, due_date, "
                    "notes, subtotal_minor, tax_minor, total_minor, paid_minor, usage_minor, tax_breakdown, pdf_file, "
                    "source, void_reason, created_at, issued_at, voided_at, created_by_staff_id) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", inv_rows)
    con.executemany("INSERT INTO invoice_line (invoice_id, position, description, quantity_milli, unit_price_minor, "
                    "tax_rate_bp, net_minor, is_usage) VALUES (?,?,?,?,?,?,?,?)", line_rows)
    con.executemany("INSERT INTO payment (id, account_id, currency, amount_minor, unallocated_minor, method, status, "
                    "provider, provider_ref, provider_payment_id, reference, invoice_ids, error, created_at, "
                    "received_at, contact_id, recorded_by_staff_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    pay_rows)
    con.executemany("INSERT INTO payment_allocation (payment_id, invoice_id, amount_minor, created_at) "
                    "VALUES (?,?,?,?)", alloc_rows)
    con.executemany("INSERT INTO consumption_file (invoice_id, account_id, filename, stored_name, content_type, "
                    "size_bytes, created_at, uploaded_by_staff_id) VALUES (?,?,?,?,?,?,?,?)", file_rows)
    con.executemany("INSERT INTO contact (account_id, first_name, last_name, email, language, active, portal_access, "
                    "portal_role, rights, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [(acc, "Small", f"{i}", f"small{i:05d}@bench.example", "en", True, True, "admin",
                      json.dumps(["invoices", "tickets"]), now) for i, acc in enumerate(small_ids)])
    con.commit()
    con.execute("ANALYZE")
    con.close()
    counts = {"accounts": 1 + SMALL_ACCOUNTS, "invoices": len(inv_rows), "big_account_invoices": BIG_INVOICES,
              "lines": len(line_rows), "payments": len(pay_rows), "allocations": len(alloc_rows),
              "consumption_files": len(file_rows), "seed_seconds": _r(time.perf_counter() - t0)}
    log(f"seeded {counts}")
    return counts


# ---- in process: services, bare SQL, query plans ---------------------------------------------------


class Capture:
    """Every statement SQLAlchemy sends while active, with its parameters."""

    def __init__(self, engine):
        self.engine, self.statements, self.on = engine, [], False
        from sqlalchemy import event  # noqa: PLC0415

        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.statements.append((statement, parameters))

    def run(self, fn: Callable[[], Any]) -> list[tuple[str, Any]]:
        self.statements, self.on = [], True
        try:
            fn()
        finally:
            self.on = False
        return list(self.statements)


def _scenarios(ctx) -> dict[str, Callable[[Any], Any]]:
    """What each measured event runs in the database, as the handlers call it."""
    from portal_app.billing import consumption, customer_views, payments  # noqa: PLC0415
    from portal_app.core.auth import sessions as portal_sessions  # noqa: PLC0415

    token = ctx["token"]

    def resolve(db):
        return portal_sessions.resolve_session(db, token, touch=False)

    def invoices_page(db):  # one load event: open_page's session check, then load_list and load_years
        c = resolve(db)
        rows, _ = customer_views.list_invoices(db, c)
        consumption.consumption_counts(db, c, [r.id for r in rows])
        customer_views.invoice_years(db, c)

    def with_filter(**kw):
        def run(db):
            c = resolve(db)
            rows, _ = customer_views.list_invoices(db, c, **kw)
            consumption.consumption_counts(db, c, [r.id for r in rows])
        return run

    def summary(db):  # BillingSummaryState.load_summary
        c = resolve(db)
        customer_views.amount_due_summary(db, c)
        customer_views.monthly_billed(db, c)
        payments.account_credit(db, c.account_id)

    def home(db):  # one load event: open_page's session check, reused by load_summary
        summary(db)

    year = date.today().year - 2
    return {
        "invoices page load": invoices_page,
        "filter: not yet paid": with_filter(status="unpaid"),
        "filter: overdue": with_filter(status="overdue"),
        f"filter: year {year}": with_filter(year=year),
        f"filter: paid in {year}": with_filter(status="paid", year=year),
        "page 250 (deep offset)": with_filter(page=250),
        "home page load (amount due)": home,
        "amount-due summary handler": summary,
    }


def in_process(db_path: Path, token: str) -> dict[str, Any]:
    from portal_app.core.db import get_engine, session_scope  # noqa: PLC0415

    engine = get_engine()
    cap = Capture(engine)
    raw = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    out = {}
    for name, fn in _scenarios({"token": token}).items():
        def once():
            with session_scope() as db:
                fn(db)

        for _ in range(5):
            once()
        statements = cap.run(once)
        service_ms = []
        for _ in range(SAMPLES):
            t0 = time.perf_counter()
            once()
            service_ms.append((time.perf_counter() - t0) * 1000)
        sql_ms = []
        for _ in range(SAMPLES):
            t0 = time.perf_counter()
            for stmt, params in statements:
                raw.execute(stmt, params).fetchall()
            sql_ms.append((time.perf_counter() - t0) * 1000)
        plans, scans = [], []
        for stmt, params in statements:
            if not stmt.lstrip().upper().startswith("SELECT"):
                continue
            plan = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + stmt, params).fetchall()]
            each = []
            for _ in range(20):
                t0 = time.perf_counter()
                raw.execute(stmt, params).fetchall()
                each.append((time.perf_counter() - t0) * 1000)
            plans.append({"sql": " ".join(stmt.split())[:300], "plan": plan, "p50_ms": _r(percentile(each, 0.5), 3)})
            for step in plan:
                words = step.split()
                if words[:1] == ["SCAN"] and len(words) > 1 and words[1] in BIG_TABLES and "INDEX" not in step:
                    scans.append(step)
        out[name] = {"statements": len(statements), "service_p50_ms": _r(percentile(service_ms, 0.5), 3),
                     "service_p95_ms": _r(percentile(service_ms, 0.95), 3),
                     "sql_p50_ms": _r(percentile(sql_ms, 0.5), 3), "sql_p95_ms": _r(percentile(sql_ms, 0.95), 3),
                     "full_scans": scans, "plans": plans}
        log(f"  {name}: service p50 {out[name]['service_p50_ms']} ms, bare SQL p50 {out[name]['sql_p50_ms']} ms"
            f"{', FULL SCAN ' + str(scans) if scans else ''}")
    raw.close()
    return out


# ---- over the websocket ----------------------------------------------------------------------------


async def events(app: ReflexApp, portal: Portal) -> dict[str, Any]:
    from portal_app.billing.state import BillingSummaryState, InvoicesState  # noqa: PLC0415

    fe = Frontend.from_web_dir(app.workdir / ".web")
    inv_state, sum_state = InvoicesState.get_full_name(), BillingSummaryState.get_full_name()
    rec = Recorder()
    main = await login_flow(app.url, fe, portal, BIG_EMAIL, rec)
    if main is None:
        raise RuntimeError(f"login failed: {dict(rec.error_samples)}")
    year = str(date.today().year - 2)

    def has(state: str) -> Callable[[Update, list], bool]:
        return lambda u, _seen: state in u.delta

    floor = f"{portal.floor_state}.floor"
    steps: dict[str, Callable[[], Any]] = {
        "floor (no-op event)": lambda: main.call(floor, done=portal.floor_done),
        "page load, no on_load [floor]": lambda: main.load_page("/__bench-floor"),
        "invoices page load": lambda: main.load_page("/invoices"),
        "filter: not yet paid": lambda: main.call(f"{inv_state}.set_filter", {"name": "status", "value": "unpaid"},
                                                  done=has(inv_state)),
        "filter: overdue": lambda: main.call(f"{inv_state}.set_filter", {"name": "status", "value": "overdue"},
                                             done=has(inv_state)),
        f"filter: year {year}": lambda: main.call(f"{inv_state}.set_filter", {"name": "year", "value": year},
                                                  done=has(inv_state)),
        "home page load (amount due)": lambda: main.load_page("/"),
        "amount-due summary handler": lambda: main.call(f"{sum_state}.load_summary", done=has(sum_state)),
    }
    for _ in range(10):  # warm-up
        for fn in steps.values():
            await fn()
    seq = Recorder()
    names = list(steps)
    for i in range(SAMPLES):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            # filters change state: reset so each filter event does the same work every time
            if name.startswith("filter"):
                await main.load_page("/invoices")
            try:
                seq.add(name, await steps[name]())
            except Exception as exc:  # noqa: BLE001
                seq.error(name, exc)
    sizes = {}
    for name, (handler, payload, state) in {
            "filter: not yet paid": (f"{inv_state}.set_filter", {"name": "status", "value": "unpaid"}, inv_state),
            "amount-due summary handler": (f"{sum_state}.load_summary", {}, sum_state)}.items():
        await main.load_page("/invoices")
        got: list[int] = []

        def measure(u: Update, _seen, state=state, got=got) -> bool:
            got.append(len(json.dumps({"delta": u.delta, "events": u.events})))
            return state in u.delta

        await main.call(handler, payload, done=measure)
        sizes[name] = sum(got)
    rows = main.value(inv_state, "rows") or []
    await main.close()
    return {"stats": {n: seq.stats(n) for n in names}, "reply_bytes": sizes, "rows_on_page": len(rows)}


# ---- report ----------------------------------------------------------------------------------------


def report(res: dict[str, Any]) -> str:
    lines = [""]
    add = lines.append
    c = res.get("data", {})
    add(f"Billing at data scale — {res['meta']['started']}  big account {c.get('big_account_invoices')} invoices, "
        f"{c.get('accounts')} accounts, {c.get('invoices')} invoices, {c.get('lines')} lines, {c.get('payments')} "
        f"payments, {c.get('consumption_files')} consumption files")
    ev, ip = res.get("events", {}).get("stats", {}), res.get("in_process", {})
    floor = (ev.get("floor (no-op event)") or {}).get("p50_ms")
    row = "{:<32} {:>8} {:>8} {:>10} {:>10} {:>12} {:>8}"
    add(row.format("event", "p50 ms", "p95 ms", "service ms", "bare SQL", "target ms", "verdict"))
    for name, s in ev.items():
        p = ip.get(name, {})
        sql = p.get("sql_p50_ms")
        target = (TARGET_FACTOR * floor + sql) if (floor and sql is not None) else None
        verdict = "" if target is None or s["p50_ms"] is None else ("MET" if s["p50_ms"] <= target else "MISSED")
        res.setdefault("verdicts", {})[name] = {"target_ms": _r(target, 3), "met": verdict == "MET" if verdict else None}
        add(row.format(name[:32], _f(s["p50_ms"]), _f(s["p95_ms"]), _f(p.get("service_p50_ms")), _f(sql),
                       _f(target), verdict))
    for name, p in ip.items():
        if name not in ev:
            add(row.format(name[:32], "-", "-", _f(p.get("service_p50_ms")), _f(p.get("sql_p50_ms")), "-", ""))
    scans = {n: p["full_scans"] for n, p in ip.items() if p.get("full_scans")}
    add("full scans of big tables: " + (json.dumps(scans) if scans else "none (every query uses an index)"))
    add(f"target: event p50 <= {TARGET_FACTOR:g} x floor p50 + bare SQL p50 of what it runs")
    for f in res.get("failures", []):
        add(f"COULD NOT RUN: {f}")
    add("")
    return "\n".join(lines)


def _f(x) -> str:
    return "-" if x is None else f"{x:.2f}"


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="guichet-bench-billing-"))
    res: dict[str, Any] = {"meta": {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                    "samples": SAMPLES, "cpus": os.cpu_count()}, "failures": []}
    app = None
    try:
        log(f"preparing the portal in {tmp}")
        app, db_path = prepare_portal(tmp)
        app.run_cli("db", "migrate")
        portal = Portal(app.workdir, db_path)  # imports the copy's portal_app before anything else does
        res["data"] = seed(db_path)
        from portal_app.core.db import session_scope  # noqa: PLC0415
        from portal_app.core.models.accounts import Contact  # noqa: PLC0415
        from portal_app.core.auth import sessions as portal_sessions  # noqa: PLC0415
        from sqlmodel import select  # noqa: PLC0415

        with session_scope() as db:
            cid = db.exec(select(Contact.id).where(Contact.email == BIG_EMAIL)).one()
            token = portal_sessions.open_session(db, cid)
        log("in process: services, bare SQL and query plans")
        res["in_process"] = in_process(db_path, token)
        if os.environ.get("BENCH_NO_SERVER"):
            return 0
        log("building and starting the portal (reflex run --env prod)")
        app.start()
        log(f"portal up on {app.url} in {app.started_s:.0f} s")
        res["events"] = asyncio.run(events(app, portal))
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        res["failures"].append(f"{type(exc).__name__}: {exc}".splitlines()[0])
    finally:
        if app is not None:
            app.stop()
        text = report(res)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(res, indent=2, default=str) + "\n")
        print(text)
        log(f"results written to {RESULTS.relative_to(REPO)}")
        if KEEP:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if not res["failures"] else 2


if __name__ == "__main__":
    sys.exit(main())
