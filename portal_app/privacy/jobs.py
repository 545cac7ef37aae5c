"""Privacy's background job: prepare the data archives asked for, and sweep spent or expired ones."""

from __future__ import annotations

import asyncio
import logging

from portal_app.core import registries
from portal_app.core.db import session_scope
from portal_app.privacy import requests

log = logging.getLogger("guichet.jobs")
ARCHIVE_POLL_SECONDS = 5


def run_archive_pass() -> int:
    """One pass: every waiting archive, then the sweep. Returns how many archives were built."""
    built = 0
    while requests.build_next_archive() is not None:
        built += 1
    with session_scope() as db:
        requests.clean_archives(db)
    return built


async def archives_loop() -> None:
    """Every few seconds, off the event loop (no Reflex state, no lock held); errors are logged."""
    while True:
        try:
            built = await asyncio.to_thread(run_archive_pass)
            if built:
                log.info("privacy archives prepared: %s", built)
        except asyncio.CancelledError:
            raise
        except Exception:  # never take the server down
            log.exception("privacy archive pass failed")
        await asyncio.sleep(ARCHIVE_POLL_SECONDS)


registries.LIFESPAN_TASKS.append(archives_loop)
