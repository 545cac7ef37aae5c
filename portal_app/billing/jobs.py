"""Billing's background job: recurring bills, run beside the server as a lifespan task. Every five
minutes, off the event loop, every period due is invoiced (once, whatever the number of workers: see
subscriptions.issue_next_due); a failed pass is logged and the next one tries again."""

from __future__ import annotations

from portal_app.billing import subscriptions
from portal_app.core import registries

RECURRING_INTERVAL_SECONDS = 300

recurring_bills_loop = registries.periodic_job(subscriptions.run_due, RECURRING_INTERVAL_SECONDS,
                                               "recurring bills", name="recurring_bills")
