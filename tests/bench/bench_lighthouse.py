"""Lighthouse on the production build (`make bench`): the login page and a logged-in home page.

    python -m tests.bench.bench_lighthouse

What it does, all on 127.0.0.1, in a temporary copy of the app:
  1. builds and serves the portal with `reflex run --env prod` (one worker), with one demo contact;
  2. measures the login page's first-load JavaScript: the scripts its HTML names, gzipped;
  3. opens Debian's Chromium through Playwright with a remote-debugging port, puts a session cookie
     for the contact in it (the home page is then the logged-in page a customer sees), and runs the
     npm `lighthouse` CLI against that browser: its default mobile profile (simulated slow 4G, 4×
     CPU slowdown), categories performance and accessibility, storage kept so the session stays;
  4. prints the scores, the paint timings and every accessibility audit that failed, and writes
     bench-results/lighthouse.json.
Numbers are reported, never asserted; the exit status is non-zero only when a step could not run.
Lighthouse's own version is pinned in LIGHTHOUSE below; npm fetches it on the first run.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from .harness import free_port
from .run_bench import REPO, _meta, finish_run, log, prepare_portal

LIGHTHOUSE = "lighthouse@13.5.0"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
RESULTS = REPO / "bench-results" / "lighthouse.json"
PAGES = (("login", "/login"), ("home", "/"))
TARGETS = {"performance": 95, "accessibility": 100}
JS_TARGET_KB = 300


def first_load_js(client_dir: Path, page: str) -> dict[str, Any]:
    """The scripts a page's HTML loads before anything else (src and modulepreload), gzipped."""
    html = (client_dir / f"{page}.html").read_text()
    refs = sorted(set(re.findall(r'(?:src|href)="(/[^"?#]+\.js)"', html)))
    raw = packed = 0
    for ref in refs:
        path = client_dir / ref.lstrip("/")
        if path.is_file():
            data = path.read_bytes()
            raw += len(data)
            packed += len(gzip.compress(data, 9))
    return {"files": len(refs), "raw_kb": round(raw / 1024, 1), "gzip_kb": round(packed / 1024, 1)}


def run_lighthouse(url: str, port: int, out: Path) -> dict[str, Any]:
    cmd = ["npx", "--yes", LIGHTHOUSE, url, f"--port={port}", "--output=json", f"--output-path={out}",
           "--only-categories=performance,accessibility", "--disable-storage-reset", "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "CHROME_PATH": CHROMIUM})
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed on {url}: {done.stderr[-2000:]}")
    report = json.loads(out.read_text())
    audits = report["audits"]

    def ms(key: str) -> float | None:
        value = audits.get(key, {}).get("numericValue")
        return None if value is None else round(value)

    failed = sorted(key for key, audit in audits.items()
                    if audit.get("scoreDisplayMode") == "binary" and audit.get("score") == 0
                    and key in {ref["id"] for ref in report["categories"]["accessibility"]["auditRefs"]})
    return {
        "final_url": report.get("finalDisplayedUrl") or report.get("finalUrl"),
        "performance": round(report["categories"]["performance"]["score"] * 100),
        "accessibility": round(report["categories"]["accessibility"]["score"] * 100),
        "first_contentful_paint_ms": ms("first-contentful-paint"),
        "largest_contentful_paint_ms": ms("largest-contentful-paint"),
        "total_blocking_time_ms": ms("total-blocking-time"),
        "speed_index_ms": ms("speed-index"),
        "accessibility_failures": failed,
    }


def report(res: dict[str, Any]) -> str:
    lines = ["", f"Lighthouse — {res['meta']['started']}  commit {res['meta'].get('commit', '?')}  "
                 f"({LIGHTHOUSE}, mobile profile, simulated slow 4G)"]
    js = res.get("login_first_load_js")
    if js:
        verdict = "MET" if js["gzip_kb"] <= JS_TARGET_KB else "MISSED"
        lines.append(f"login first-load JavaScript: {js['files']} files, {js['raw_kb']} KB, {js['gzip_kb']} KB "
                     f"gzip (target ≤ {JS_TARGET_KB} KB: {verdict})")
    for name, _path in PAGES:
        page = res.get("pages", {}).get(name)
        if not page:
            continue
        verdicts = ", ".join(f"{cat} {page[cat]} (≥ {target}: {'MET' if page[cat] >= target else 'MISSED'})"
                             for cat, target in TARGETS.items())
        lines.append(f"{name:<6} {verdicts}; FCP {page['first_contentful_paint_ms']} ms, LCP "
                     f"{page['largest_contentful_paint_ms']} ms, TBT {page['total_blocking_time_ms']} ms "
                     f"[{page['final_url']}]")
        if page["accessibility_failures"]:
            lines.append(f"       accessibility audits failed: {', '.join(page['accessibility_failures'])}")
    for failure in res["failures"]:
        lines.append(f"FAILED: {failure}")
    return "\n".join(lines)


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="guichet-bench-lh-"))
    res: dict[str, Any] = {"meta": _meta(), "failures": [], "pages": {}}
    app = None
    t0 = time.monotonic()
    try:
        app, _db_path = prepare_portal(tmp)
        app.run_cli("db", "migrate")
        sys.path.insert(0, str(app.workdir))
        from portal_app.core import accounts, audit, business  # noqa: PLC0415
        from portal_app.core.auth import sessions as portal_sessions  # noqa: PLC0415
        from portal_app.core.db import session_scope  # noqa: PLC0415
        from portal_app.core.states.portal import PORTAL_COOKIE  # noqa: PLC0415

        with session_scope() as db:
            business.get_business(db)
            account = accounts.save_account(db, audit.SYSTEM, account_id=None, name="Lighthouse customer",
                                            number="LH-0001")
            contact = accounts.save_contact(db, audit.SYSTEM, accounts.ContactInput(
                account_id=account.id, email="lighthouse@bench.example", first_name="Light", last_name="House",
                language="en", portal_role="admin"))
            token = portal_sessions.open_session(db, contact.id)
        log("building and starting the portal (reflex run --env prod)")
        app.start()
        log(f"portal up on {app.url} in {app.started_s:.0f} s")
        res["login_first_load_js"] = first_load_js(app.workdir / ".web" / "build" / "client", "login")

        from playwright.sync_api import sync_playwright  # noqa: PLC0415

        port = free_port()
        with sync_playwright() as pw:
            browser = pw.chromium.launch_persistent_context(
                str(tmp / "chromium"), executable_path=CHROMIUM, headless=True,
                args=[f"--remote-debugging-port={port}", "--no-sandbox"])
            try:
                for name, path in PAGES:
                    browser.clear_cookies()
                    if name != "login":
                        browser.add_cookies([{"name": PORTAL_COOKIE, "value": token, "url": app.url}])
                    log(f"lighthouse on {path}")
                    try:
                        res["pages"][name] = run_lighthouse(app.url + path, port, tmp / f"{name}.json")
                    except Exception as exc:  # noqa: BLE001
                        res["failures"].append(f"{name}: {exc}".splitlines()[0])
            finally:
                browser.close()
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
