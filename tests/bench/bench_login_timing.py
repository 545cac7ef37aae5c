"""Known and unknown addresses: does the answer's time tell them apart? (`make bench` runs it.)

    python -m tests.bench.bench_login_timing      # from the repository root

In process, against a temporary SQLite database built by the real migrations: the code request and the
password-link request are timed for addresses that belong to a contact and for addresses that do not,
interleaved, each address and client address used once (no limit is reached). Prints the medians and
their ratio (unknown / known; 1.0 means the time says nothing) and writes bench-results/login-timing.json.
Numbers are reported, never asserted.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

from tests.bench.harness import migrate_in_process, temporary_database

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench-results" / "login-timing.json"
SAMPLES = int(os.environ.get("BENCH_LOGIN_TIMING_SAMPLES", "200"))
_TMP = temporary_database("guichet-bench-timing-", extra={"GUICHET_LOGIN_SEND_BUDGET": "1000000"})


def main() -> int:
    migrate_in_process()
    from portal_app.core.auth import login, passwords
    from portal_app.core.db import session_scope
    from tests.factories import make_account, make_contact, set_business

    with session_scope() as db:
        set_business(db, password_login_enabled=True)
        account = make_account(db, name="Timing")
        for i in range(SAMPLES):
            make_contact(db, account, email=f"known{i}@example.com", portal_role="admin")
    out: dict[str, dict[str, float]] = {}
    for name, fn in (("code request", login.request_code), ("password link", passwords.request_link)):
        known, unknown = [], []
        for i in range(SAMPLES):
            for email, ip, times in ((f"known{i}@example.com", f"10.1.{i // 250}.{i % 250}", known),
                                     (f"unknown{i}@example.com", f"10.2.{i // 250}.{i % 250}", unknown)):
                with session_scope() as db:
                    started = time.perf_counter()
                    try:
                        fn(db, email, ip)
                    except Exception as exc:  # an off switch (passwords) is reported, not hidden
                        out[name] = {"error": f"{type(exc).__name__}: {exc}"}
                        break
                    times.append(time.perf_counter() - started)
            if name in out:
                break
        if name not in out:
            k, u = statistics.median(known) * 1000, statistics.median(unknown) * 1000
            out[name] = {"known_ms": round(k, 2), "unknown_ms": round(u, 2), "ratio": round(u / k, 2)}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2))
    print(f"Known vs unknown addresses ({SAMPLES} each, medians, in process):")
    for name, row in out.items():
        print(f"  {name:14} " + (row["error"] if "error" in row else
                                 f"known {row['known_ms']} ms · unknown {row['unknown_ms']} ms · ratio {row['ratio']}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
