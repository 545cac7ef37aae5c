"""Test settings, applied before the app is imported: a private data dir, secret and database."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import shutil

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
_TMP = Path(tempfile.mkdtemp(prefix="guichet-test-"))
os.environ.update({
    "GUICHET_DATA_DIR": str(_TMP / "data"),
    "GUICHET_SECRET_KEY": "test-secret-key-not-for-production",
    # GUICHET_TEST_DB_URL runs the state, security and browser tests on another database (PostgreSQL).
    "REFLEX_DB_URL": os.environ.get("GUICHET_TEST_DB_URL") or f"sqlite:///{_TMP / 'test.db'}",
    "GUICHET_NOTIFY_SYNC": "1",
    "GUICHET_EMAIL_PROVIDER": "console",
    "GUICHET_SMS_PROVIDER": "console",
    "GUICHET_CORS_ORIGINS": "*",
    # One database serves the whole run, and thousands of tests log in within the hour: the portal-wide
    # code budget would hold codes back for the tests that come late. Its own tests use the default.
    "GUICHET_LOGIN_SEND_BUDGET": "1000000",
    # The browser tests' server runs inside this process, beside tests that run the jobs' passes
    # themselves at a frozen time and count what they did: a job of its own would race them (its recurring
    # bills once held SQLite's write lock through years of periods). It runs none: the archive journeys
    # need none (the page's own background event builds the archive). The two-worker run: all.
    "GUICHET_JOBS": "none",
})
# What the Makefile exports, so `pytest` alone works too: Node >= 22 from the venv, npm instead of bun.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
for _key, _value in {"REFLEX_USE_NPM": "1", "REFLEX_TELEMETRY_ENABLED": "false",
                     "REFLEX_CHECK_LATEST_VERSION": "false", "REFLEX_HTTP_CLIENT_BIND_ADDRESS": "0.0.0.0",
                     "NPM_CONFIG_REGISTRY": "https://registry.npmjs.org/"}.items():
    os.environ.setdefault(_key, _value)
for _name in ("SENDGRID_API_KEY", "TWILIO_ACCOUNT_SID", "GUICHET_ENV"):
    os.environ.pop(_name, None)

from sqlmodel import Session, SQLModel, create_engine  # noqa: E402

import portal_app.features  # noqa: F401  (every table registered)
from portal_app.core.config import reload_settings  # noqa: E402
from portal_app.core import clock  # noqa: E402

reload_settings()
# What the app gathers at start: every feature's HTTP routes, jobs and commands register themselves.
for _part in ("routes", "jobs", "cli"):
    portal_app.features.load(_part)


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives the real UI in headless Chromium")
    config.addinivalue_line("markers", "pg: a test written for PostgreSQL's row locks (`make test` runs every "
                                       "non-browser test there)")
    config.addinivalue_line("markers", "workers: two real workers, Redis and a proxy; only run when selected "
                                       "(`-m workers`, a step of its own in `make test`)")
    config.addinivalue_line("markers", "stack: the login journey through deploy/stack-up.sh's nginx (run by it)")


def pytest_collection_modifyitems(config, items):
    """Browser tests are the ones that use the app server. `make test-postgres` runs every other test
    on PostgreSQL (`-m "not e2e"`); the browser journeys that run there are the two-worker one and the
    deploy check's. The two-worker journey runs only when asked for by name (`-m workers`): it builds
    and starts servers of its own. The deploy check's runs only under deploy/stack-up.sh."""
    wanted = "workers" in (config.getoption("markexpr") or "")
    skip = pytest.mark.skip(reason="two-worker journey: run with -m workers (make test-workers)")
    for item in items:
        if "app_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
        if item.get_closest_marker("stack"):
            item.add_marker(pytest.mark.e2e)
            if not os.environ.get("GUICHET_STACK_URL"):
                item.add_marker(pytest.mark.skip(reason="run by deploy/stack-up.sh (make deploy-check)"))
        if item.get_closest_marker("workers"):
            item.add_marker(pytest.mark.e2e)
            if not wanted:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _database(migrated_db):
    """Every test may use the session's migrated database (state, security, browser and route tests do)."""
    return migrated_db


@pytest.fixture
def db():
    """A fresh in-memory database per test, built from the models."""
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False})
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture(autouse=True)
def _browsers_share_one_address(request, monkeypatch):
    """Every browser test logs in from 127.0.0.1 against the server in this process: the per-address code
    cap (30 an hour, held by its own tests) would stop the browser tests that come late in the run."""
    if "app_url" not in request.fixturenames:
        yield
        return
    monkeypatch.setenv("GUICHET_LOGIN_IP_CAP", "1000000")
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


@pytest.fixture
def jobs_setting(monkeypatch):
    """`jobs_setting("all")`: the background jobs this test's process runs (GUICHET_JOBS; the run's own
    setting is "none", for the in-process browser server). Restored afterwards."""
    def choose(value: str):
        monkeypatch.setenv("GUICHET_JOBS", value)
        return reload_settings()

    yield choose
    monkeypatch.undo()
    reload_settings()


@pytest.fixture(autouse=True)
def _no_shared_reads_from_another_test():
    """Settings values kept by the process (`SharedRead`) come from this test's database, not an earlier one's."""
    from portal_app.core.db import SharedRead

    SharedRead.forget_all()


@pytest.fixture(autouse=True)
def _release_clock():
    yield
    clock.freeze(None)


@pytest.fixture(scope="session")
def migrated_db() -> str:
    """The session's database file, built by the real migrations (`reflex db migrate`)."""
    env = {**os.environ, "REFLEX_TELEMETRY_ENABLED": "false", "REFLEX_CHECK_LATEST_VERSION": "false"}
    subprocess.run([str(Path(sys.executable).parent / "reflex"), "db", "migrate"], cwd=REPO_ROOT, env=env,
                   check=True, capture_output=True)
    return os.environ["REFLEX_DB_URL"]


@pytest.fixture
def root(migrated_db):
    """A whole Reflex state tree in memory, as the state manager builds it for one browser tab."""
    import reflex as rx

    return rx.State(_reflex_internal_init=True)


def run_async(coro):
    """Run a coroutine to completion from sync tests, even where Playwright keeps a loop running."""
    import asyncio
    import contextvars
    import threading

    result = {}
    context = contextvars.copy_context()  # Reflex keeps its registry in a context variable

    def runner():
        try:
            result["value"] = context.run(asyncio.run, coro)
        except BaseException as exc:  # re-raised in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=runner)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


# ---- browser tests ------------------------------------------------------------------------------

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": shutil.which("chromium"), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def app_url(migrated_db):
    """One production build and server for the whole session."""
    from reflex.testing import AppHarnessProd

    with AppHarnessProd.create(root=REPO_ROOT) as harness:
        yield harness.frontend_url.rstrip("/")


@pytest.fixture
def shots():
    ARTIFACTS.mkdir(exist_ok=True)

    def shot(page, name: str):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return shot


