"""Issuing time with the EN 16931 check: `python -m tests.bench.bench_issue [N]` from the repository root.

Issues N invoices of ten lines (seller identity entered, buyer with an address: the strict path) into a
throw-away in-memory database and prints the median time of one issue, then the Schematron check alone on
the last invoice's XML (its first run compiles the stylesheet, once per process)."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("GUICHET_DATA_DIR", tempfile.mkdtemp(prefix="guichet-bench-issue-"))
os.environ.setdefault("GUICHET_SECRET_KEY", "bench-only")
os.environ.setdefault("GUICHET_EMAIL_PROVIDER", "console")
os.environ.setdefault("GUICHET_SMS_PROVIDER", "console")


def main(n: int = 15) -> None:
    from facturx import get_facturx_xml_from_pdf
    from sqlmodel import Session, SQLModel, create_engine

    import portal_app.features  # noqa: F401  (every table)
    from portal_app.billing import einvoice, settings
    from portal_app.billing.storage import invoices_dir
    from portal_app.core.config import reload_settings
    from tests.billing.test_einvoice import ADDRESS, SETTINGS
    from tests.factories import make_account, make_issued, staff_context

    reload_settings()
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False})
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as db:
        staff = staff_context(db)
        settings.update_settings(db, staff, **SETTINGS)
        account = make_account(db, address=ADDRESS)
        lines = tuple((f"Line {i}", "1", "10", "20") for i in range(10))
        make_issued(db, account, lines, staff=staff)  # warm: fonts, the stylesheet's compilation
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            inv = make_issued(db, account, lines, staff=staff)
            times.append(time.perf_counter() - t0)
        _, xml = get_facturx_xml_from_pdf((invoices_dir() / inv.pdf_file).read_bytes(), check_xsd=False)
        checks = []
        for _ in range(10):
            t0 = time.perf_counter()
            einvoice.schematron_failures(xml)
            checks.append(time.perf_counter() - t0)
    print(f"issue median {statistics.median(times) * 1000:.0f} ms over {n}; "
          f"EN 16931 check alone median {statistics.median(checks) * 1000:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
