"""Privacy's background job: prepare the data archives asked for, and sweep spent or expired ones."""

from __future__ import annotations

from portal_app.core import registries
from portal_app.core.db import session_scope
from portal_app.privacy import requests

ARCHIVE_POLL_SECONDS = 5


def run_archive_pass() -> int:
    """One pass: release builds left behind, every waiting archive, then the sweep. Returns how many
    archives were built."""
    with session_scope() as db:
        requests.release_stuck_builds(db)
    built = 0
    while requests.build_next_archive() is not None:
        built += 1
    with session_scope() as db:
        requests.clean_archives(db)
    return built


archives_loop = registries.periodic_job(run_archive_pass, ARCHIVE_POLL_SECONDS, "privacy archives prepared",
                                        name="privacy_archives")
