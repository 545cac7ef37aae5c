"""Issue 14, several workers for real: one customer's journey served by two backend workers that share
Redis and the database, behind one address.

The login's two steps land on different workers (the challenge lives in the tab's state, in Redis), the
session survives a worker's restart, an attachment uploaded through one worker downloads from either, and
the background jobs both workers run (booking reminders, the outbox dispatcher) do each piece of work
once: asserted in the database and in the two workers' logs. `make test` runs this file in a step of its
own (`-m workers`), on PostgreSQL.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import select

from portal_app.bookings.models import STATUS_CONFIRMED, Booking
from portal_app.core import clock
from portal_app.core.db import session_scope
from portal_app.core.models.notify import OutboundMessage
from tests.factories import PNG_BYTES, make_account, make_booking_service, make_contact
from tests.support.workers import (SwitchProxy, Worker, export_frontend, free_port, start_redis, wait_until,
                                   worker_env)

pytestmark = pytest.mark.workers

EMAIL = "two-workers@example.com"
QUEUED = 12  # messages waiting before the workers start: both dispatchers race for them at once


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is missing: `make redis` installs it from Debian")
    logs = tmp_path_factory.mktemp("workers")
    proxy_port, redis_port = free_port(), free_port()
    env = worker_env(proxy_port, redis_port)
    redis = start_redis(redis_port, logs)
    workers = [Worker("a", free_port(), env, logs), Worker("b", free_port(), env, logs)]
    try:
        export_frontend({k: v for k, v in env.items() if k not in ("REFLEX_SKIP_COMPILE",
                                                                   "REFLEX_MOUNT_FRONTEND_COMPILED_APP")}, logs)
        seeded = seed_work()
        for worker in workers:
            worker.start()
        with SwitchProxy(proxy_port, [w.port for w in workers]) as proxy:
            yield {"url": f"http://127.0.0.1:{proxy_port}", "proxy": proxy, "workers": workers, **seeded}
    finally:
        for worker in workers:
            worker.stop()
        redis.terminate()
        redis.wait(10)


def seed_work() -> dict:
    """Before the workers start: the customer, a booking whose reminder is due, and queued mails."""
    from portal_app.core.business import get_business
    from portal_app.core.notify import queue_email
    from portal_app.core.notify.templates import Rendered

    now = clock.now()
    with session_scope() as db:
        account = make_account(db, name="Two Workers SARL")
        contact = make_contact(db, account, first_name="Noor", portal_role="admin", email=EMAIL)
        service = make_booking_service(db, "Scale check", duration=30)
        starts = now + timedelta(days=1)
        booking = Booking(account_id=account.id, contact_id=contact.id, service_id=service.id,
                          status=STATUS_CONFIRMED, starts_at=starts, ends_at=starts + timedelta(minutes=30),
                          blocked_until=starts + timedelta(minutes=30), time_zone="Europe/Paris",
                          reminder_due_at=now - timedelta(minutes=1))
        db.add(booking)
        sender = get_business(db).sender_name if hasattr(get_business(db), "sender_name") else "Guichet"
        queued = [queue_email(db, to=f"race-{i}@example.com", template="race_check", language="en",
                              rendered=Rendered(subject=f"race check {i}", text=f"race body {i}", html=""),
                              sender_name=sender).message_id
                  for i in range(QUEUED)]
        db.commit()
        return {"contact_id": contact.id, "booking_id": booking.id, "queued": queued}


def both_logs(stack) -> str:
    return "\n".join(w.log() for w in stack["workers"])


def code_from_logs(stack, after: int) -> str:
    """The login code, as a developer reads it in the console provider's log (the workers send it)."""
    found: list[str] = []

    def sent() -> bool:
        found[:] = re.findall(rf"console email to {re.escape(EMAIL)} \| .*?\b(\d{{6}})\b", both_logs(stack))
        return len(found) > after

    wait_until(sent, 30, "the login code")
    return found[after]


def test_one_customer_across_two_workers(browser: Browser, stack, shots, tmp_path):
    url, proxy = stack["url"], stack["proxy"]
    a, b = stack["workers"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    # the login's first step on worker A, its second on worker B: the challenge is in the shared state
    proxy.use(0)
    page.goto(f"{url}/login")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_label("6-digit code")).to_be_visible()
    code = code_from_logs(stack, 0)
    proxy.use(1)  # worker A's connections drop; the tab reconnects, through the proxy, to worker B
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.locator("#greeting")).to_be_visible()
    assert proxy.connections[0] >= 1 and proxy.connections[1] >= 1

    # worker A restarts while the tab is on B; then the tab moves to the new A: still logged in
    a.stop()
    a.start()
    proxy.use(0)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Messages").click()
    expect(page.get_by_text("No messages yet")).to_be_visible()
    page.reload()
    expect(page.get_by_text("No messages yet")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/messages"))

    # an upload through worker B, its download through either worker
    proxy.use(1)
    page.locator("#new-message").click()
    page.get_by_label("Subject").fill("Two workers")
    page.get_by_label("Your message").fill("Sent through worker B.")
    photo = tmp_path / "meter.png"
    photo.write_bytes(PNG_BYTES)
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Drag files here, or click to choose").click()
    chooser.value.set_files(str(photo))
    expect(page.locator("#staged-attachments")).to_contain_text("meter.png")
    page.locator("#send-message").click()
    expect(page.get_by_text("Your message has been sent.")).to_be_visible()
    link = page.locator("#thread").get_by_role("link", name="meter.png")
    expect(link).to_be_visible()
    shots(page, "i14-two-workers")
    href = link.get_attribute("href")
    for index in (0, 1):
        proxy.use(index)
        before = proxy.connections[index]
        got = page.request.get(href if href.startswith("http") else f"{url}{href}")
        assert got.status == 200 and got.body() == PNG_BYTES
        assert proxy.connections[index] > before
    page.set_viewport_size({"width": 390, "height": 844})
    shots(page, "i14-two-workers-phone")

    # the jobs: each reminder and each message done once, though both workers ran both loops
    with session_scope() as db:
        wait_until(lambda: db.exec(select(OutboundMessage.id).where(
            OutboundMessage.template == "booking_reminder",
            OutboundMessage.contact_id == stack["contact_id"])).all(), 90, "the reminder")
    wait_until(lambda: all_sent(stack["queued"]), 60, "the queued messages")
    with session_scope() as db:
        reminders = db.exec(select(OutboundMessage).where(OutboundMessage.template == "booking_reminder",
                                                          OutboundMessage.contact_id == stack["contact_id"])).all()
        assert len(reminders) == 1
        assert db.get(Booking, stack["booking_id"]).reminder_sent_at is not None
        mine = db.exec(select(OutboundMessage).where(
            OutboundMessage.id.in_(stack["queued"] + [r.id for r in reminders]))).all()
        assert [(m.status, m.attempts) for m in mine] == [("sent", 1)] * (QUEUED + 1)
        logins = db.exec(select(OutboundMessage).where(OutboundMessage.recipient == EMAIL,
                                                       OutboundMessage.template == "login_code")).all()
        assert [(m.status, m.attempts) for m in logins] == [("sent", 1)]
    logs = both_logs(stack)
    for i in range(QUEUED):  # the console provider logs each send: once over both workers
        assert logs.count(f"| race check {i}\n") == 1
    assert len(re.findall(rf"console email to {re.escape(EMAIL)} \| .*?\b\d{{6}}\b", logs)) == 1
    # and both workers did run the dispatcher
    assert a.log().count("outbox dispatcher started") >= 1 and b.log().count("outbox dispatcher started") >= 1


def all_sent(ids: list[int]) -> bool:
    with session_scope() as db:
        return all(m.status == "sent" for m in db.exec(select(OutboundMessage).where(OutboundMessage.id.in_(ids))))
