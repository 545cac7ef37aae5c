"""Bookings' background job: reminders, run beside the server as a lifespan task."""

from __future__ import annotations

from datetime import datetime

from portal_app.core.db import session_scope
from portal_app.bookings import notices
from portal_app.core import clock, notify, registries

REMINDER_INTERVAL_SECONDS = 60


def run_booking_reminders(now: datetime | None = None) -> int:
    """One pass: claim and queue due reminders in one transaction, send after the commit. The schedule
    is in the database, so a pass after a restart picks up whatever fell due meanwhile."""
    now = now or clock.now()
    with session_scope() as db:
        deliveries = notices.send_due_reminders(db, now)
        notices.release_past_claims(db, now)
    notify.dispatch(deliveries)
    return len(deliveries)


# Every minute, off the event loop; an error is logged and the next pass tries again. Both names are read
# at each pass (the loop's tests shorten the wait and replace the pass).
booking_reminders_loop = registries.periodic_job(lambda: run_booking_reminders(), lambda: REMINDER_INTERVAL_SECONDS,
                                                 "booking reminders pass", name="booking_reminders")
