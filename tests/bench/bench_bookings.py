"""Bookings at data scale (`make bench` runs it after the load benchmark).

    python -m tests.bench.bench_bookings          # from the repository root

Environment:
    BENCH_BOOKING_ACCOUNTS   customer accounts (default 2000)
    BENCH_BOOKING_DAYS       days of calendar on each side of today (default 1825: ten years in all)
    BENCH_BOOKING_SAMPLES    repetitions per measure (default 50)
    BENCH_BOOKING_DB_URL     another database (e.g. PostgreSQL) instead of the temporary SQLite file

In process, against a temporary SQLite database built by the real migrations (`reflex db migrate`):
one business calendar open weekdays 08:00–18:00 in Europe/Paris, filled at about 80 % with 30- and
60-minute bookings over the whole period (tens of thousands of bookings and slot claims), then the
service functions the pages call are timed: a week of free slots, booking, the customer's three lists,
the console's week and list views, a reminders pass, a calendar file, and eight threads racing for
one slot. Prints a table and writes bench-results/bookings.json. Numbers are reported, never asserted.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import sys
import threading
import time
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path

from tests.bench.harness import migrate_in_process, temporary_database
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "bench-results" / "bookings.json"
ACCOUNTS = int(os.environ.get("BENCH_BOOKING_ACCOUNTS", "2000"))
DAYS = int(os.environ.get("BENCH_BOOKING_DAYS", "1825"))
SAMPLES = int(os.environ.get("BENCH_BOOKING_SAMPLES", "50"))
FILL = 0.8
PARIS = ZoneInfo("Europe/Paris")

_TMP = temporary_database("guichet-bench-bookings-", os.environ.get("BENCH_BOOKING_DB_URL"),
                          {"GUICHET_NOTIFY_SYNC": "1"})
migrate = migrate_in_process


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(fn, samples: int = SAMPLES) -> dict:
    runs = []
    for i in range(samples):
        start = time.perf_counter()
        fn(i)
        runs.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": round(statistics.median(runs), 2), "p95_ms": round(pct(runs, 0.95), 2),
            "max_ms": round(max(runs), 2), "samples": samples}


def seed(now: datetime):
    """Accounts, one admin contact each, three services, and a calendar about 80 % full."""
    from sqlalchemy import insert

    from portal_app.core.db import session_scope
    from portal_app.core.models.accounts import Account, Contact
    from portal_app.bookings.models import Booking, BookingService, BookingSlotClaim
    from portal_app.bookings import rules as bookings
    from tests.factories import reset_booking_rules, staff_ctx

    rng = random.Random(5)
    with session_scope() as db:
        reset_booking_rules(db, reminder_hours=24)
        bookings.set_weekly_hours(db, staff_ctx(db), {d: "08:00-18:00" for d in range(5)})
        db.connection().execute(insert(Account.__table__), [
            {"name": f"Bench account {i}", "number": f"B-{i:06d}", "active": True, "billing_email": "",
             "domains": "", "send_consumption_statements": True, "created_at": now} for i in range(ACCOUNTS)])
    with session_scope() as db:
        from sqlmodel import select

        account_ids = db.exec(select(Account.id).order_by(Account.id)).all()
        db.connection().execute(insert(Contact.__table__), [
            {"account_id": a, "first_name": "Bench", "last_name": str(a), "email": f"bench{a}@example.com",
             "language": ("en", "fr", "de")[a % 3], "active": True, "portal_access": True, "portal_role": "admin",
             "rights": ["bookings"], "created_at": now} for a in account_ids])
        services = []
        for minutes in (30, 60):
            svc = BookingService(names={"en": f"Bench {minutes}"}, duration_minutes=minutes, buffer_minutes=0,
                                 created_at=now)
            db.add(svc)
            services.append(svc)
        db.flush()
        service_ids = {30: services[0].id, 60: services[1].id}
        contact_ids = db.exec(select(Contact.id, Contact.account_id).order_by(Contact.id)).all()
    # Fill the calendar day by day in memory, then insert in bulk (the services would take minutes).
    rows, claims = [], []
    first = (now - timedelta(days=DAYS)).astimezone(PARIS).date()
    busy_account = contact_ids[0]  # one account books a lot: its lists are the long ones
    for offset in range(2 * DAYS + 1):
        day = first + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        minute = 8 * 60
        while minute < 18 * 60:
            length = 60 if rng.random() < 0.3 and minute + 60 <= 18 * 60 else 30
            if rng.random() < FILL:
                start = datetime.combine(day, dtime(), PARIS) + timedelta(minutes=minute)
                start = start.astimezone(timezone.utc)
                cid, aid = busy_account if rng.random() < 0.02 else rng.choice(contact_ids)
                past = start < now
                rows.append({"account_id": aid, "contact_id": cid, "service_id": service_ids[length],
                             "status": "completed" if past and rng.random() < 0.9 else "confirmed",
                             "starts_at": start, "ends_at": start + timedelta(minutes=length),
                             "blocked_until": start + timedelta(minutes=length), "time_zone": "Europe/Paris",
                             "note": "", "sequence": 0, "created_by": "contact", "created_at": now,
                             "reminder_due_at": None if past else start - timedelta(hours=24)})
            minute += length
    with session_scope() as db:
        db.connection().execute(insert(Booking.__table__), rows)
    with session_scope() as db:
        from sqlmodel import select

        for bid, start, end in db.exec(select(Booking.id, Booking.starts_at, Booking.blocked_until)
                                       .where(Booking.starts_at >= now - timedelta(hours=24))).all():
            claims.extend({"resource": "main", "cell": c, "booking_id": bid} for c in bookings.cells(start, end))
        db.connection().execute(insert(BookingSlotClaim.__table__), claims)
    return busy_account, service_ids, len(rows), len(claims)


def main() -> int:
    t0 = time.perf_counter()
    migrate()
    from sqlmodel import func, select

    from portal_app.core.db import session_scope
    from portal_app.bookings.models import Booking
    from portal_app.core.models.accounts import Contact
    from portal_app.bookings import customer as customer_side, notices, rules as bookings, staff_calendar
    from portal_app.core import clock
    from portal_app.core.auth import sessions as portal_sessions
    from portal_app.core.errors import DomainError

    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    clock.freeze(now)
    (busy_contact, busy_account), service_ids, n_bookings, n_claims = seed(now)
    seeded_s = time.perf_counter() - t0
    with session_scope() as db:
        busy_ctx = portal_sessions.resolve_session(db, portal_sessions.open_session(db, busy_contact))
        busy_total = db.exec(select(func.count()).select_from(Booking).where(Booking.account_id == busy_account)).one()
        typical_contact = db.exec(select(Contact.id).order_by(Contact.id.desc())).first()
        typical_ctx = portal_sessions.resolve_session(db, portal_sessions.open_session(db, typical_contact))
    today = now.astimezone(PARIS).date()
    results: dict[str, dict] = {}

    def in_db(fn):
        def run(i):
            with session_scope() as db:
                fn(db, i)
        return run

    # a week of free slots, a few weeks ahead (the calendar is 80 % full there)
    results["free slots, one week (7 days)"] = timed(in_db(lambda db, i: customer_side.available_slots(
        db, typical_ctx, service_ids[30], today + timedelta(days=7 * (i % 8)), 7)))
    results["free slots, one week, viewer in New York"] = timed(in_db(lambda db, i: customer_side.available_slots(
        db, typical_ctx, service_ids[30], today + timedelta(days=7 * (i % 8)), 7, "America/New_York")))

    # booking: take the free 30-minute slots one after another (each takes the checks and the claims)
    with session_scope() as db:
        free = [s for d in customer_side.available_slots(db, typical_ctx, service_ids[30], today + timedelta(days=14), 56)
                for s in d.starts]
    taken = []

    def book(db, i):
        b, _ = customer_side.book(db, typical_ctx, service_ids[30], free[i])
        taken.append(b.id)
    results["book a free slot (checks, claims, email queued)"] = timed(in_db(book), min(SAMPLES, len(free)))

    results["customer list: upcoming, page 1 (busy account)"] = timed(in_db(
        lambda db, i: customer_side.list_customer_bookings(db, busy_ctx, "upcoming")))
    results["customer list: history, last page (busy account)"] = timed(in_db(
        lambda db, i: customer_side.list_customer_bookings(db, busy_ctx, "history",
                                                      page=max(1, busy_total // bookings.PAGE_SIZE))))
    results["customer tab counts (3 counts, busy account)"] = timed(in_db(
        lambda db, i: customer_side.customer_counts(db, busy_ctx)))
    results["home card: next 3 bookings"] = timed(in_db(lambda db, i: customer_side.next_bookings(db, busy_ctx, 3)))
    results["console week view"] = timed(in_db(
        lambda db, i: staff_calendar.list_week(db, staff_calendar.week_monday(today) + timedelta(days=7 * (i % 8)))))
    results["console list, upcoming, page 1"] = timed(in_db(lambda db, i: staff_calendar.list_admin(db, scope="upcoming")))
    results["console list, all, page 200"] = timed(in_db(lambda db, i: staff_calendar.list_admin(db, scope="all",
                                                                                           page=200)))
    results["calendar file (.ics)"] = timed(in_db(lambda db, i: customer_side.calendar_file(db, typical_ctx, taken[0])))

    # a reminders pass over a day's worth of due reminders (claim + queue each, one transaction)
    with session_scope() as db:
        due_count = db.exec(select(func.count()).select_from(Booking).where(
            Booking.reminder_due_at <= now + timedelta(days=1), Booking.reminder_sent_at.is_(None),
            Booking.status == "confirmed", Booking.starts_at > now + timedelta(days=1))).one()
    start = time.perf_counter()
    with session_scope() as db:
        queued = len(notices.send_due_reminders(db, now + timedelta(days=1)))
    reminders_ms = (time.perf_counter() - start) * 1000
    results["reminders pass (claim + queue)"] = {"reminders": queued, "due": due_count,
                                                 "total_ms": round(reminders_ms, 1),
                                                 "per_reminder_ms": round(reminders_ms / max(queued, 1), 2)}

    # eight customers race for one slot, each in its own thread and session
    with session_scope() as db:
        contacts = db.exec(select(Contact.id).order_by(Contact.id).offset(10).limit(8)).all()
        ctxs = [portal_sessions.resolve_session(db, portal_sessions.open_session(db, c)) for c in contacts]
        slot = next(s for d in customer_side.available_slots(db, ctxs[0], service_ids[30], today + timedelta(days=21), 14)
                    for s in d.starts)
    barrier, outcomes, waits = threading.Barrier(len(ctxs)), [], []

    def racer(ctx):
        barrier.wait()
        t = time.perf_counter()
        try:
            with session_scope() as db:
                customer_side.book(db, ctx, service_ids[30], slot)
            outcomes.append("booked")
        except DomainError as exc:
            outcomes.append(exc.key)
        except Exception as exc:  # reported, not hidden
            outcomes.append(type(exc).__name__)
        waits.append((time.perf_counter() - t) * 1000)
    threads = [threading.Thread(target=racer, args=(c,)) for c in ctxs]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    results["8 threads race for one slot"] = {
        "booked": outcomes.count("booked"), "just_taken": outcomes.count("bookings.error.just_taken"),
        "other": [o for o in outcomes if o not in ("booked", "bookings.error.just_taken")],
        "slowest_answer_ms": round(max(waits), 1)}

    plans = {}
    with session_scope() as db:
        if db.get_bind().dialect.name == "sqlite":
            for name, sql in {
                "customer upcoming list": "SELECT id FROM booking WHERE account_id = 1 AND status = 'confirmed' "
                                          "AND ends_at >= '2026-01-01' AND starts_at > '2025-12-31 08:00' "
                                          "ORDER BY starts_at LIMIT 10",
                "slot busy window": "SELECT starts_at FROM booking WHERE status IN ('requested','confirmed',"
                                    "'completed') AND starts_at < '2026-02-01' AND starts_at > '2026-01-24 08:00' "
                                    "AND blocked_until > '2026-01-25'",
                "due reminders": "SELECT id, starts_at FROM booking WHERE reminder_due_at <= '2026-01-01' "
                                 "AND reminder_sent_at IS NULL AND status = 'confirmed' "
                                 "ORDER BY reminder_due_at LIMIT 200",
            }.items():
                plans[name] = " | ".join(r[-1] for r in db.connection().exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {sql}").fetchall())

    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "database": os.environ["REFLEX_DB_URL"].split(":")[0],
        "data": {"accounts": ACCOUNTS, "bookings": n_bookings, "slot_claims": n_claims,
                 "busy_account_bookings": busy_total, "days": 2 * DAYS + 1, "seed_seconds": round(seeded_s, 1)},
        "results": results,
        "query_plans": plans,
    }
    print(f"\nBookings benchmark — {report['machine']}, {report['database']}")
    print(f"data: {ACCOUNTS} accounts, {n_bookings} bookings over {2 * DAYS + 1} days, {n_claims} slot claims, "
          f"busiest account {busy_total} bookings (seeded in {seeded_s:.0f} s)\n")
    print(f"{'measure':<52} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, r in results.items():
        if "p50_ms" in r:
            print(f"{name:<52} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8}")
        else:
            print(f"{name:<52} {json.dumps(r)}")
    for name, plan in plans.items():
        print(f"plan, {name}: {plan}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {RESULTS.relative_to(REPO)}")
    clock.freeze(None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
