"""Billing's background job: recurring bills, run beside the server as a lifespan task."""

from __future__ import annotations

import asyncio
import logging

from portal_app.billing import subscriptions
from portal_app.core import registries

log = logging.getLogger("guichet.jobs")
RECURRING_INTERVAL_SECONDS = 300


async def recurring_bills_loop() -> None:
    """Every five minutes, off the event loop: every period due is invoiced (once, whatever the number
    of workers: see subscriptions.issue_next_due). An error is logged and the next pass tries again."""
    while True:
        try:
            issued = await asyncio.to_thread(subscriptions.run_due)
            if issued:
                log.info("recurring invoices issued: %s", issued)
        except asyncio.CancelledError:
            raise
        except Exception:  # never take the server down
            log.exception("recurring bills pass failed")
        await asyncio.sleep(RECURRING_INTERVAL_SECONDS)


registries.LIFESPAN_TASKS.append(recurring_bills_loop)
