"""Bookings' background job: reminders, run beside the server as a lifespan task."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from portal_app.core.db import session_scope
from portal_app.bookings import notices
from portal_app.core import clock, notify, registries

log = logging.getLogger("guichet.jobs")
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


async def booking_reminders_loop() -> None:
    """Every minute, off the event loop; an error is logged and the next pass tries again."""
    while True:
        try:
            sent = await asyncio.to_thread(run_booking_reminders)
            if sent:
                log.info("booking reminders queued: %s", sent)
        except asyncio.CancelledError:
            raise
        except Exception:  # never take the server down
            log.exception("booking reminders pass failed")
        await asyncio.sleep(REMINDER_INTERVAL_SECONDS)


registries.LIFESPAN_TASKS.append(booking_reminders_loop)
