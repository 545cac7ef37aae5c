"""Documents and messages at scale (`make bench`): one account with 2,000 documents and 500 messages.

    python -m tests.bench.bench_documents          # from the repository root

What it does, all on 127.0.0.1, in a temporary copy of the app (never the repository's `.web/`):
  1. copies the portal with the benchmark's no-op "floor" state (as run_bench does), migrates a
     temporary SQLite database and fills it through the services: one big account (2,000 documents in
     20 folders, 1,800 shared, 150 sent by the customer, 1,500 already opened by the contact; 200
     threads holding 500 messages; the notices these post), 49 small accounts with 10 documents each,
     and 6 portal actions;
  2. measures the bare SQL of each page: the exact statements the handler chain runs (captured from
     SQLAlchemy while calling the same services), replayed with the sqlite3 module alone;
  3. serves the app (`reflex run --env prod --single-port`, one worker), logs the big account's admin
     in over Reflex's websocket protocol (reflex_client.py) and measures, sequentially: the no-op
     event (floor), a page load with no on_load (page floor), the documents page load, a search on it,
     the dashboard load, the messages page load and the two navigation counts;
  4. sends a 20 MB file through the real streamed upload (POST /_upload to DocumentsState.upload_document)
     and downloads it from /api/documents/{id}, sampling the backend worker's RSS every 10 ms; and runs
     the same two in this process under tracemalloc (Python's own allocation peak).
Target (issue 4): each page's p50 <= 2 x floor p50 + its bare SQL p50. Reported, never asserted.
Writes bench-results/documents.json. Environment: BENCH_SAMPLES (default 200), BENCH_KEEP=1.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from .harness import ReflexApp
from .reflex_client import Browser, Frontend
from .run_bench import REPO, Portal, Recorder, _meta, _r, finish_run, login_flow, log, prepare_portal

RESULTS = REPO / "bench-results" / "documents.json"
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
WARMUP = 20
FLOOR_PAGE = "/__bench-floor"
TARGET_FACTOR = 2.0
BIG_EMAIL = "docs-admin@bench.example"
N_DOCS, N_FOLDERS, N_SHARED, N_RECEIVED, N_OPENED = 2000, 20, 1800, 150, 1500
N_THREADS, N_STAFF_REPLIES, N_CUSTOMER_REPLIES = 200, 150, 150  # 500 messages
SMALL_ACCOUNTS, SMALL_DOCS = 49, 10
BIG_FILE_BYTES = 20 * 1024 * 1024
CHUNK = 64 * 1024


# ---- data -------------------------------------------------------------------------------------------


def seed() -> dict[str, Any]:
    """Everything through the services, as the app would build it (this takes a minute)."""
    from portal_app.core.db import session_scope
    from portal_app.core.models.accounts import Contact
    from portal_app.core import accounts, audit, business, files as file_intake
    from portal_app.documents import rules as documents
    from portal_app.messages import rules as messages
    from portal_app.dashboard import actions as portal_actions
    from portal_app.core.auth import sessions as portal_sessions, staff
    from portal_app.dashboard.actions import ActionInput
    from sqlmodel import select

    t0 = time.perf_counter()
    pdf = b"%PDF-1.4\n%bench\n" + b"0" * 2000 + b"\n%%EOF\n"
    with session_scope() as db:
        business.get_business(db)
        settings = documents.get_settings_row(db)
        settings.customer_uploads, settings.max_upload_mb = True, 25
        user = staff.create_staff(db, email="bench-staff@bench.example", password="bench password 2026",
                                  name="Bench Staff", role="owner")
        who = staff.StaffContext(staff_id=user.id, email=user.email, name=user.name, role="owner", mfa_passed=True,
                                 totp_enabled=True)
        for i, (kind, label) in enumerate((("message", "Write to us"), ("documents", "My documents"),
                                           ("pay", "Pay"), ("book", "Book"), ("ticket", "Ticket"),
                                           ("link", "Status"))):
            portal_actions.save_action(db, who.actor, ActionInput(kind=kind, labels={"en": label},
                                                                  target="https://status.example.com"
                                                                  if kind == "link" else ""))
        big = accounts.save_account(db, audit.SYSTEM, account_id=None, name="Big Documents Ltd", number="BIG-1")
        accounts.save_contact(db, audit.SYSTEM, accounts.ContactInput(
            account_id=big.id, email=BIG_EMAIL, first_name="Dana", last_name="Big", portal_role="admin"))
        contact = db.exec(select(Contact).where(Contact.email == BIG_EMAIL)).one()
        folders = [documents.create_folder(db, who, big.id, f"Folder {i:02d}") for i in range(N_FOLDERS)]
        doc_ids = []
        for i in range(N_DOCS - N_RECEIVED):
            stored = file_intake.store_bytes("documents", f"Statement {i:04d} {('alpha', 'beta', 'gamma')[i % 3]}.pdf",
                                             pdf, 10**6)
            doc, _ = documents.add_document(db, who, big.id, stored, folder_id=folders[i % N_FOLDERS].id,
                                            shared=i < N_SHARED)
            doc_ids.append(doc.id)
        ctx = portal_sessions.resolve_session(db, portal_sessions.open_session(db, contact.id))
        for i in range(N_RECEIVED):
            stored = file_intake.store_bytes("documents", f"Sent {i:03d}.pdf", pdf, 10**6)
            documents.add_customer_document(db, ctx, stored)
        for doc_id in doc_ids[:N_OPENED]:
            documents.open_for_contact(db, ctx, doc_id)
        thread_ids = []
        for i in range(N_THREADS):
            thread, _ = messages.start_thread(db, ctx, subject=f"Question {i:03d}", body=f"Question body {i}")
            thread_ids.append(thread.id)
        for thread_id in thread_ids[:N_STAFF_REPLIES]:
            messages.reply_as_staff(db, who, thread_id, "A staff answer")
        for thread_id in thread_ids[:N_CUSTOMER_REPLIES]:
            messages.reply_as_contact(db, ctx, thread_id, "Thanks")
        for a in range(SMALL_ACCOUNTS):
            acc = accounts.save_account(db, audit.SYSTEM, account_id=None, name=f"Small {a:02d}", number=f"SM-{a:03d}")
            for i in range(SMALL_DOCS):
                stored = file_intake.store_bytes("documents", f"Small {a}-{i}.pdf", pdf, 10**6)
                documents.add_document(db, who, acc.id, stored, shared=True)
    counts = {"documents_big_account": N_DOCS, "shared": N_SHARED, "received": N_RECEIVED,
              "opened_by_contact": N_OPENED, "folders": N_FOLDERS, "threads": N_THREADS,
              "messages": N_THREADS + N_STAFF_REPLIES + N_CUSTOMER_REPLIES,
              "other_accounts": SMALL_ACCOUNTS, "other_documents": SMALL_ACCOUNTS * SMALL_DOCS,
              "seed_seconds": _r(time.perf_counter() - t0)}
    return counts


# ---- bare SQL ---------------------------------------------------------------------------------------


def capture_and_replay(db_path: Path, token: str) -> dict[str, Any]:
    """Run each page's services once while recording the SQL they send, then time that SQL alone."""
    from portal_app.documents import rules as documents
    from portal_app.core import notifications
    from portal_app.messages import rules as messages
    from portal_app.dashboard import actions as portal_actions
    from portal_app.core.auth import sessions as portal_sessions

    def page_documents(db, q=""):
        ctx = portal_sessions.resolve_session(db, token)  # open_page: one check for the shell and the page
        documents.list_folders(db, ctx)
        documents.list_for_contact(db, ctx, q=q)
        documents.customer_uploads_allowed(db)
        documents.max_upload_bytes(db)

    def page_dashboard(db):
        ctx = portal_sessions.resolve_session(db, token)  # open_page: one check for the shell and the page
        notifications.recent(db, ctx, "en")
        documents.newest_unseen(db, ctx)
        portal_actions.visible_actions(db, ctx, "en")

    def page_messages(db):
        ctx = portal_sessions.resolve_session(db, token)  # open_page: one check for the shell and the page
        messages.list_threads(db, ctx)

    def counts(db):
        ctx = portal_sessions.resolve_session(db, token)
        documents.new_count(db, ctx)
        ctx = portal_sessions.resolve_session(db, token)
        messages.unread_count(db, ctx)

    pages = {"documents page": page_documents, "search (documents, q=gamma)": lambda db: page_documents(db, "gamma"),
             "dashboard": page_dashboard, "messages page": page_messages, "navigation counts (2 events)": counts}
    return time_pages(db_path, pages)


def time_pages(db_path: Path, pages: dict[str, Any]) -> dict[str, Any]:
    """For each page (a function running its services on a session), record the SQL it sends, then time
    that SQL alone with the sqlite3 module, and the services in process; list the full scans."""
    from sqlalchemy import event

    from portal_app.core.db import get_engine, session_scope

    engine = get_engine()
    captured: list[tuple[str, Any]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        captured.append((statement, parameters))

    out: dict[str, Any] = {}
    conn = sqlite3.connect(str(db_path))
    for name, fn in pages.items():
        with session_scope() as db:
            fn(db)  # warm: business cache, statement cache
        captured.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            with session_scope() as db:
                t0 = time.perf_counter()
                fn(db)
                service_ms = (time.perf_counter() - t0) * 1000
        finally:
            event.remove(engine, "before_cursor_execute", record)
        statements = [(s, p) for s, p in captured if s.lstrip().upper().startswith("SELECT")]
        for _ in range(WARMUP):
            for s, p in statements:
                conn.execute(s, p).fetchall()
        times, service = [], []
        for _ in range(SAMPLES):
            t0 = time.perf_counter()
            for s, p in statements:
                conn.execute(s, p).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
        for _ in range(min(SAMPLES, 50)):
            with session_scope() as db:
                t0 = time.perf_counter()
                fn(db)
                service.append((time.perf_counter() - t0) * 1000)
        plans = []
        for s, p in statements:
            plan = " | ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + s, p).fetchall())
            plans.append(plan)
        out[name] = {"statements": len(statements), "bare_sql_p50_ms": _r(statistics.median(times), 3),
                     "bare_sql_p95_ms": _r(sorted(times)[int(len(times) * 0.95) - 1], 3),
                     "services_in_process_p50_ms": _r(statistics.median(service), 3),
                     "full_scans": [pl for pl in plans if "SCAN" in pl and "USING" not in pl]}
    conn.close()
    return out


# ---- the running app --------------------------------------------------------------------------------


class RssSampler:
    """The worker's RSS every 10 ms in a thread: the peak of a transfer."""

    def __init__(self, app: ReflexApp):
        self.proc = app.worker
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.proc.memory_info().rss)
            except Exception:  # noqa: BLE001
                return
            time.sleep(0.01)

    def __enter__(self):
        self.peak = self.proc.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


async def app_scenarios(app: ReflexApp, portal: Portal, out: dict[str, Any]) -> None:
    from portal_app.documents.state import DocumentsCountState, DocumentsState
    from portal_app.messages.state import MessagesCountState

    fe = Frontend.from_web_dir(app.workdir / ".web")
    rec = Recorder()
    main = await login_flow(app.url, fe, portal, BIG_EMAIL, rec)
    if main is None:
        raise RuntimeError(f"login failed: {dict(rec.error_samples)}")
    docs_state = DocumentsState.get_full_name()
    counts_state = DocumentsCountState.get_full_name()
    message_counts_state = MessagesCountState.get_full_name()
    floor = f"{portal.floor_state}.floor"

    def has(state):
        return lambda u, _seen: state in u.delta

    async def counted(handler: str) -> float:
        main._drain()
        t0 = time.perf_counter()
        for name in (handler, floor):
            await main._sio.emit("event", {"name": name, "payload": {}, "router_data": main._router(main.path)},
                                 namespace="/_event")
        return await main._wait(t0, portal.floor_done, 60)

    async def search():
        return await main.call(f"{docs_state}.search", {"form": {"q": "gamma"}}, done=has(docs_state))

    kinds = {
        "floor (no-op event)": lambda: main.call(floor, done=portal.floor_done),
        "page floor (page load, no on_load)": lambda: main.load_page(FLOOR_PAGE),
        # Every portal page runs the shell's work and its own loads in one event (open_page): this page's
        # own load is one small query, so it shows what the shell costs before any page data.
        "chain reference: /messages/new": lambda: main.load_page("/messages/new"),
        "documents page": lambda: main.load_page("/documents"),
        "search (documents, q=gamma)": search,
        "dashboard": lambda: main.load_page("/"),
        "messages page": lambda: main.load_page("/messages"),
        # A count that did not change sends nothing back: each is followed by the floor event, whose answer
        # (events of one tab run in order) marks the end of both.
        "new-documents count + floor": lambda: counted(f"{counts_state}.load_document_count"),
        "unread-messages count + floor": lambda: counted(f"{message_counts_state}.load_message_count"),
    }
    await main.load_page("/documents")
    for _ in range(WARMUP):
        for fn in kinds.values():
            await fn()
    seq = Recorder()
    for i in range(SAMPLES):
        order = list(kinds.items()) if i % 2 == 0 else list(reversed(kinds.items()))
        for name, fn in order:
            if name == "search (documents, q=gamma)":
                await main.load_page("/documents")
            try:
                seq.add(name, await fn())
            except Exception as exc:  # noqa: BLE001
                seq.error(name, exc)
    out["events"] = {name: seq.stats(name) for name in kinds}
    rows = main.value(docs_state, "rows") or []
    out["documents_page_rows"] = len(rows)

    # 20 MB through the real streamed upload, then its download, sampling the worker's RSS.
    out["transfer_20mb"] = await asyncio.to_thread(_transfer, app, main, docs_state)
    await main.close()


def _transfer(app: ReflexApp, main: Browser, docs_state: str) -> dict[str, Any]:
    import httpx

    big = b"%PDF-1.7\n" + os.urandom(BIG_FILE_BYTES - 9)
    app.wait_idle()
    before = app.memory()["rss"]
    headers = {"Reflex-Client-Token": main.token, "Reflex-Event-Handler": f"{docs_state}.upload_document"}
    with RssSampler(app) as up:
        t0 = time.perf_counter()
        response = httpx.post(f"{app.url}/_upload", headers=headers, timeout=120,
                              files={"files": ("big-scan.pdf", big, "application/pdf")})
        upload_s = time.perf_counter() - t0
        # the handler runs in the background: wait for its row
        doc_id = _wait_for_upload(app)
    after_upload = app.memory()["rss"]
    cookie = {"guichet_session": main.cookies.get("guichet_session", "")}
    received = 0
    with RssSampler(app) as down:
        t0 = time.perf_counter()
        with httpx.stream("GET", f"{app.url}/api/documents/{doc_id}", cookies=cookie, timeout=120) as r:
            status = r.status_code
            for chunk in r.iter_bytes(CHUNK):
                received += len(chunk)
        download_s = time.perf_counter() - t0
    return {"bytes": BIG_FILE_BYTES, "upload_status": response.status_code, "upload_seconds": _r(upload_s),
            "download_status": status, "download_bytes": received, "download_seconds": _r(download_s),
            "worker_rss_before_mib": _r(before / 2**20), "upload_peak_rss_mib": _r(up.peak / 2**20),
            "upload_peak_over_before_mib": _r((up.peak - before) / 2**20),
            "download_peak_rss_mib": _r(down.peak / 2**20),
            "download_peak_over_before_mib": _r((down.peak - after_upload) / 2**20)}


def _wait_for_upload(app: ReflexApp, timeout: float = 60) -> int:
    from portal_app.core.db import session_scope
    from portal_app.documents.models import Document
    from sqlmodel import select

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope() as db:
            found = db.exec(select(Document.id).where(Document.title == "big-scan.pdf")).first()
        if found:
            return found
        time.sleep(0.05)
    raise RuntimeError("the 20 MB upload never became a document:\n" + app.log_tail())


def in_process_transfer() -> dict[str, Any]:
    """The same 20 MB through the intake and the download route in this process, under tracemalloc:
    the peak of Python allocations (a whole copy of the file would show as >= 20 MB)."""
    import tracemalloc

    from portal_app.core.routes import build_api
    from portal_app.core.db import session_scope
    from portal_app.core.models.accounts import Contact
    from portal_app.documents import rules as documents
    from portal_app.core.auth import sessions as portal_sessions
    from portal_app.core.states.uploads import receive_files
    from sqlmodel import select

    class Chunk:
        __slots__ = ("filename", "offset", "data")

        def __init__(self, offset, data):
            self.filename, self.offset, self.data = "in-process.pdf", offset, data

    async def chunks():
        block = os.urandom(CHUNK)
        sent = 0
        yield Chunk(0, b"%PDF-1.7\n" + block[: CHUNK - 9])
        sent = CHUNK
        while sent < BIG_FILE_BYTES:
            yield Chunk(sent, block)  # the same block again: what is measured is the server's side
            sent += CHUNK

    tracemalloc.start()
    tracemalloc.reset_peak()
    stored = asyncio.run(receive_files(chunks(), "documents", 25 * 1024 * 1024))[0]
    _, upload_peak = tracemalloc.get_traced_memory()
    with session_scope() as db:
        contact = db.exec(select(Contact).where(Contact.email == BIG_EMAIL)).one()
        token = portal_sessions.open_session(db, contact.id)
        ctx = portal_sessions.resolve_session(db, token)
        doc_id = documents.add_customer_document(db, ctx, stored).id
    api = build_api()
    got = {"bytes": 0, "status": 0}

    async def fetch():
        scope = {"type": "http", "method": "GET", "path": f"/api/documents/{doc_id}", "raw_path": b"",
                 "query_string": b"", "headers": [(b"cookie", f"guichet_session={token}".encode())],
                 "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "root_path": "",
                 "http_version": "1.1"}

        requested = []

        async def receive():
            if not requested:
                requested.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client stays connected until the response ends

        async def send(message):
            if message["type"] == "http.response.start":
                got["status"] = message["status"]
            elif message["type"] == "http.response.body":
                got["bytes"] += len(message.get("body", b""))

        await api(scope, receive, send)

    tracemalloc.reset_peak()
    asyncio.run(fetch())
    _, download_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"bytes": stored.size_bytes, "upload_python_peak_kib": _r(upload_peak / 1024, 1),
            "download_status": got["status"], "download_bytes": got["bytes"],
            "download_python_peak_kib": _r(download_peak / 1024, 1)}


# ---- report -----------------------------------------------------------------------------------------


def verdicts(res: dict[str, Any]) -> None:
    ev, sql = res.get("events"), res.get("bare_sql")
    if not ev or not sql:
        return
    floor = ev["floor (no-op event)"]["p50_ms"]
    page_floor = ev["page floor (page load, no on_load)"]["p50_ms"]
    checks = {}
    for name in ("documents page", "search (documents, q=gamma)", "dashboard", "messages page"):
        p50, bare = ev[name]["p50_ms"], sql[name]["bare_sql_p50_ms"]
        if p50 is None or floor is None:
            continue
        budget = TARGET_FACTOR * floor + bare
        page_budget = TARGET_FACTOR * page_floor + bare if page_floor else None
        reference = ev["chain reference: /messages/new"]["p50_ms"]
        checks[name] = {"p50_ms": p50, "bare_sql_ms": bare, "budget_ms": _r(budget),
                        "over_chain_reference_ms": _r(p50 - reference) if reference and name != "search (documents, q=gamma)"
                        else None,
                        "met": p50 <= budget,
                        "budget_vs_page_floor_ms": _r(page_budget) if name != "search (documents, q=gamma)" else None,
                        "met_vs_page_floor": (p50 <= page_budget) if page_budget and name != "search (documents, q=gamma)"
                        else None}
    res["targets"] = checks


def report(res: dict[str, Any]) -> str:
    lines = [""]
    add = lines.append
    meta = res["meta"]
    add(f"Guichet documents & messages benchmark — {meta['started']}  commit {meta.get('commit', '?')}  "
        f"{meta['cpus']} CPUs  samples={SAMPLES}")
    if res.get("data"):
        d = res["data"]
        add(f"data: one account with {d['documents_big_account']} documents ({d['shared']} shared, {d['received']} "
            f"received, {d['opened_by_contact']} opened), {d['folders']} folders, {d['threads']} threads / "
            f"{d['messages']} messages; {d['other_accounts']} other accounts ({d['other_documents']} documents); "
            f"seeded in {d['seed_seconds']} s")
    row = "{:<38} {:>6} {:>8} {:>8} {:>8} {:>7}"
    if res.get("events"):
        add("")
        add("Sequential events, one logged-in customer of the big account")
        add(row.format("event", "n", "p50 ms", "p95 ms", "max ms", "errors"))
        for name, s in res["events"].items():
            add(row.format(name[:38], s["n"], _f(s["p50_ms"]), _f(s["p95_ms"]), _f(s["max_ms"]), s["errors"]))
    if res.get("bare_sql"):
        add("")
        add("Bare SQL of each page (the statements its handlers run, replayed with sqlite3 alone)")
        srow = "{:<38} {:>5} {:>10} {:>10} {:>14}"
        add(srow.format("page", "stmts", "SQL p50", "SQL p95", "services p50"))
        for name, s in res["bare_sql"].items():
            add(srow.format(name[:38], s["statements"], _f(s["bare_sql_p50_ms"], 3), _f(s["bare_sql_p95_ms"], 3),
                            _f(s["services_in_process_p50_ms"], 3)))
            for plan in s["full_scans"]:
                add(f"    full scan: {plan}")
    if res.get("targets"):
        add("")
        add(f"Target: p50 <= {TARGET_FACTOR:g} x floor p50 + bare SQL p50")
        for name, c in res["targets"].items():
            extra = (f"; vs the page-load floor: budget {c['budget_vs_page_floor_ms']} ms -> "
                     f"{'MET' if c['met_vs_page_floor'] else 'MISSED'}") if c["budget_vs_page_floor_ms"] else ""
            add(f"    {name:<30} p50 {c['p50_ms']} ms, budget {c['budget_ms']} ms -> "
                f"{'MET' if c['met'] else 'MISSED'}{extra}")
            if c.get("over_chain_reference_ms") is not None:
                add(f"    {'':<30} {c['over_chain_reference_ms']} ms more than the chain reference page")
    tr = res.get("transfer_20mb")
    if tr:
        add("")
        add(f"20 MB through the server: upload {tr['upload_status']} in {tr['upload_seconds']} s, download "
            f"{tr['download_status']} ({tr['download_bytes']} B) in {tr['download_seconds']} s")
        add(f"    worker RSS {tr['worker_rss_before_mib']} MiB before; peak +{tr['upload_peak_over_before_mib']} MiB "
            f"during the upload, +{tr['download_peak_over_before_mib']} MiB during the download")
    ip = res.get("transfer_in_process")
    if ip:
        add(f"20 MB in process (tracemalloc): intake peak {ip['upload_python_peak_kib']} KiB, download route peak "
            f"{ip['download_python_peak_kib']} KiB ({ip['download_bytes']} B sent)")
    for f in res.get("failures", []):
        add(f"COULD NOT RUN: {f}")
    add("")
    return "\n".join(lines)


def _f(x, nd: int = 1) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def main() -> int:
    signal.signal(signal.SIGTERM, lambda signum, _f: (_ for _ in ()).throw(SystemExit(128 + signum)))
    tmp = Path(tempfile.mkdtemp(prefix="guichet-bench-docs-"))
    res: dict[str, Any] = {"meta": _meta(), "failures": []}
    res["meta"]["samples"] = SAMPLES
    t0 = time.monotonic()
    app = None
    try:
        log(f"preparing the portal in {tmp}")
        app, db_path = prepare_portal(tmp)
        app.run_cli("db", "migrate")
        portal = Portal(app.workdir, db_path)  # imports the temporary copy first
        log("seeding 2,000 documents and 500 messages through the services")
        res["data"] = seed()
        from portal_app.core.db import session_scope
        from portal_app.core.models.accounts import Contact
        from portal_app.core.auth import sessions as portal_sessions
        from sqlmodel import select

        with session_scope() as db:
            cid = db.exec(select(Contact.id).where(Contact.email == BIG_EMAIL)).one()
            token = portal_sessions.open_session(db, cid)
        log("bare SQL of each page")
        res["bare_sql"] = capture_and_replay(db_path, token)
        log("20 MB in process (tracemalloc)")
        res["transfer_in_process"] = in_process_transfer()
        log("building and starting the portal (reflex run --env prod)")
        app.start()
        log(f"portal up on {app.url} in {app.started_s:.0f} s")
        asyncio.run(app_scenarios(app, portal, res))
        verdicts(res)
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        res["failures"].append(f"{type(exc).__name__}: {exc}".splitlines()[0])
    finally:
        if app is not None:
            app.stop()
        finish_run(res, RESULTS, report, tmp, t0)
    return 0 if not res["failures"] else 2


if __name__ == "__main__":
    sys.exit(main())
