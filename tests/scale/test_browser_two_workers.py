"""Issue 14, several workers for real: one customer's journey served by two backend workers that share
Redis and the database, behind one address.

The login's two steps land on different workers (the challenge lives in the tab's state, in Redis), the
session survives a worker's restart, an attachment uploaded through one worker downloads from either, and
the background jobs both workers run (booking reminders, the outbox dispatcher) do each piece of work
once: asserted in the database and in the two workers' logs. `make test` runs this file in a step of its
own (`-m workers`), on PostgreSQL.
"""

from __future__ import annotations

import os
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
from tests.support.browser import choose_png
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
    proxy_port, redis_port = int(os.environ.get("GUICHET_WORKERS_PORT") or free_port()), free_port()
    env = worker_env(proxy_port, redis_port)
    redis = start_redis(redis_port, logs)
    workers = [Worker("a", free_port(), env, logs), Worker("b", free_port(), env, logs)]
    try:
        export_frontend({k: v for k, v in env.items() if not k.startswith("__REFLEX")}, logs, proxy_port)
        seeded = seed_work()
        for worker in workers:  # both at once: their first job passes race for the same rows
            worker.launch()
        for worker in workers:
            worker.wait_ready()
        with SwitchProxy(proxy_port, [w.port for w in workers]) as proxy:
            yield {"url": f"http://127.0.0.1:{proxy_port}", "proxy": proxy, "workers": workers, **seeded}
    finally:
        for worker in workers:
            worker.stop()
        redis.terminate()
        redis.wait(10)


def queue_mails(label: str, count: int) -> list[int]:
    """Mails written to the outbox the way a request writes them; the workers' dispatchers send them."""
    from portal_app.core.notify import queue_email
    from portal_app.core.notify.templates import Rendered

    with session_scope() as db:
        ids = [queue_email(db, to=f"{label}-{i}@example.com", template="scale_check", language="en",
                           rendered=Rendered(subject=f"{label} check {i}", text=f"{label} body {i}", html=""),
                           sender_name="Guichet").message_id
               for i in range(count)]
        db.commit()
    return ids


def seed_work() -> dict:
    """Before the workers start: the customer, a booking whose reminder is due, and queued mails."""
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
        db.commit()
        ids = {"contact_id": contact.id, "booking_id": booking.id}
    return {**ids, "queued": queue_mails("race", QUEUED)}


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

    # worker A restarts while the tab is on B; mails queued meanwhile are sent by B's dispatcher; then
    # the tab moves to the new A: still logged in, its events served
    a.stop()
    while_a_was_down = queue_mails("restart", 3)
    wait_until(lambda: all_sent(while_a_was_down), 60, "the mails queued while A was down")
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
    choose_png(page, tmp_path / "meter.png")
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

    # the jobs: each reminder and each mail done once, though both workers ran both loops
    wait_until(lambda: reminders_of(stack["contact_id"]), 90, "the reminder")
    wait_until(lambda: all_sent(stack["queued"]), 60, "the queued mails")
    with session_scope() as db:
        reminders = reminders_of(stack["contact_id"])
        assert len(reminders) == 1
        assert db.get(Booking, stack["booking_id"]).reminder_sent_at is not None
        done = stack["queued"] + while_a_was_down + reminders
        rows = db.exec(select(OutboundMessage).where(OutboundMessage.id.in_(done))).all()
        assert sorted((m.status, m.attempts) for m in rows) == [("sent", 1)] * len(done)
        logins = db.exec(select(OutboundMessage).where(OutboundMessage.recipient == EMAIL,
                                                       OutboundMessage.template == "login_code")).all()
        assert [(m.status, m.attempts) for m in logins] == [("sent", 1)]
    logs = both_logs(stack)
    for label, count in (("race", QUEUED), ("restart", 3)):  # the console provider logs each send
        for i in range(count):
            assert logs.count(f"| {label} check {i}\n") == 1, (label, i)
    assert len(re.findall(rf"console email to {re.escape(EMAIL)} \| .*?\b\d{{6}}\b", logs)) == 1
    assert len(re.findall(rf"console email to {re.escape(EMAIL)} \| Reminder", logs)) == 1
    # both dispatchers sent: B alone while A was down, A the code of the login it served (or a race mail)
    assert all(f"| restart check {i}\n" in b.log() for i in range(3))
    assert "console email to" in a.log()


def reminders_of(contact_id: int) -> list[int]:
    with session_scope() as db:
        return db.exec(select(OutboundMessage.id).where(OutboundMessage.template == "booking_reminder",
                                                        OutboundMessage.contact_id == contact_id)).all()


def all_sent(ids: list[int]) -> bool:
    with session_scope() as db:
        return all(m.status == "sent" for m in db.exec(select(OutboundMessage).where(OutboundMessage.id.in_(ids))))
