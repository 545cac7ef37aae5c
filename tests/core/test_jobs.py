"""The background jobs' loops: they run on the real clock whatever a test pinned (the browser tests' server
runs inside the test process), and GUICHET_JOBS chooses which of them a process runs."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import pytest

from portal_app.billing import jobs as billing_jobs
from portal_app.bookings import jobs as booking_jobs
from portal_app.core import clock, registries
from portal_app.core.config import Settings
from portal_app.privacy import jobs as privacy_jobs
from tests.conftest import run_async


@pytest.fixture
def job_list():
    """Loops built by a test are taken off the app's list again."""
    before = list(registries.LIFESPAN_TASKS)
    yield
    registries.LIFESPAN_TASKS[:] = before


def _run_until(loop, seen: list, count: int = 1):
    async def run_a_while():
        task = asyncio.create_task(loop())
        while len(seen) < count:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_async(asyncio.wait_for(run_a_while(), timeout=10))  # Playwright may hold this thread's loop


def test_a_job_reads_the_real_clock_while_a_test_has_frozen_it(job_list, jobs_setting):
    jobs_setting("all")
    seen: list[datetime] = []
    loop = registries.periodic_job(lambda: seen.append(clock.now()), 0.01, "clock probe", name="clock_probe")
    clock.freeze(datetime(2033, 1, 10, 9, tzinfo=timezone.utc))
    _run_until(loop, seen, count=2)
    real = datetime.now(timezone.utc)
    assert all(abs(real - at) < timedelta(minutes=1) for at in seen)
    assert clock.now() == datetime(2033, 1, 10, 9, tzinfo=timezone.utc)  # the test's own code still sees 2033


def test_guichet_jobs_leaves_the_others_out_of_this_process(job_list, jobs_setting, caplog):
    jobs_setting("outbox, privacy_archives")
    caplog.set_level(logging.INFO, logger="guichet.jobs")

    async def both():  # each returns at once, having done nothing
        await asyncio.wait_for(billing_jobs.recurring_bills_loop(), 5)
        await asyncio.wait_for(booking_jobs.booking_reminders_loop(), 5)

    run_async(both())
    assert "recurring_bills: not run by this process (GUICHET_JOBS)" in caplog.text
    assert "booking_reminders: not run by this process (GUICHET_JOBS)" in caplog.text
    seen: list = []
    loop = registries.periodic_job(lambda: seen.append(1), 0.01, "archives probe", name="privacy_archives")
    _run_until(loop, seen)  # a job named in the list runs
    assert seen


BOTH = {"outbox", "recurring_bills"}


@pytest.mark.parametrize(("value", "runs"), [("all", BOTH), ("", BOTH), ("none", set()),
                                             ("Recurring_Bills ,", {"recurring_bills"})])
def test_the_setting_names_the_jobs(jobs_setting, value, runs):
    settings = jobs_setting(value)
    assert {name for name in ("outbox", "recurring_bills") if settings.runs_job(name)} == runs


def test_every_job_of_the_app_has_a_name_the_setting_knows():
    names = {task.__name__ for task in registries.LIFESPAN_TASKS}
    assert {billing_jobs.recurring_bills_loop.__name__, booking_jobs.booking_reminders_loop.__name__,
            privacy_jobs.archives_loop.__name__} == {"recurring_bills_loop", "booking_reminders_loop",
                                                     "privacy_archives_loop"}
    assert names >= {"recurring_bills_loop", "booking_reminders_loop", "privacy_archives_loop", "outbox_loop"}
    # and no job the setting's list (README, docs/deploy.md) does not name
    assert {name.removesuffix("_loop") for name in names} == set(Settings.JOB_NAMES)
