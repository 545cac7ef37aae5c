"""Browser tests: the real app (production build) under AppHarnessProd, driven by headless Chromium."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from sqlmodel import select

from tests.conftest import REPO_ROOT

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = REPO_ROOT / "test-artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


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


def latest_code(email: str, after_id: int = 0, timeout: float = 10) -> str:
    """The code from the console outbox, the way a developer reads it in the demo."""
    from portal_app.core.db import session_scope
    from portal_app.core.models.accounts import Contact
    from portal_app.core.models.notify import OutboundMessage

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope() as db:
            cid = db.exec(select(Contact.id).where(Contact.email == email)).first()
            row = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == cid,
                                                        OutboundMessage.template == "login_code",
                                                        OutboundMessage.id > after_id)
                          .order_by(OutboundMessage.id.desc())).first()
            if row is not None:
                return re.search(r"\b(\d{6})\b", row.body_text).group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code sent to {email}")


def last_message_id() -> int:
    from portal_app.core.db import session_scope
    from portal_app.core.models.notify import OutboundMessage

    with session_scope() as db:
        return db.exec(select(OutboundMessage.id).order_by(OutboundMessage.id.desc())).first() or 0
