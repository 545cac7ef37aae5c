"""Staff find a message the dispatcher gave up on, read why, and send it again: wide screen and phone."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from playwright.sync_api import expect

from portal_app.core import notify
from portal_app.core.db import session_scope
from portal_app.core.models.notify import OutboundMessage
from portal_app.core.notify import Branding
from tests.support.browser import PHONE, no_horizontal_overflow, staff_page

BRAND = Branding(name="Atelier Dupont", color="#0b5fff", logo_url=None, sender_name="Atelier Dupont")
ERROR = "sendgrid 401: The provided authorization grant is invalid, expired, or revoked"


def _stuck(to: str) -> int:
    with session_scope() as db:
        mail = notify.render_email("invitation", "en", BRAND, link="https://portal.example/login", name="Lou", email=to)
        d = notify.queue_email(db, to=to, template="invitation", language="en", rendered=mail,
                               sender_name=BRAND.sender_name)
        db.exec(sa.update(OutboundMessage).where(OutboundMessage.id == d.message_id)
                .values(status="failed", attempts=8, error=ERROR))
        return d.message_id


def test_staff_retry_a_stuck_message(browser, app_url, shots):
    marker = uuid.uuid4().hex[:8]
    for width, viewport in (("1280", {"width": 1280, "height": 800}), ("390", PHONE)):
        to = f"lou.{width}.{marker}@example.org"
        message_id = _stuck(to)
        page = staff_page(browser, app_url, viewport=viewport)
        page.goto(f"{app_url}/admin/outbox")
        expect(page.get_by_role("heading", name="Stuck messages")).to_be_visible()
        page.get_by_label("Recipient").fill(marker)
        page.get_by_role("button", name="Search").click()
        row = page.get_by_role("row").filter(has_text=to)
        expect(row).to_contain_text("invitation")
        expect(row).to_contain_text("sendgrid 401")
        expect(row).to_contain_text("8")
        assert no_horizontal_overflow(page)
        shots(page, f"outbox-stuck-{width}")

        row.get_by_role("button", name="Retry now").click()
        expect(page.get_by_text(f"Sending again to {to}.")).to_be_visible()
        expect(page.get_by_text("No stuck message: everything was sent.")).to_be_visible()
        with session_scope() as db:
            again = db.get(OutboundMessage, message_id)
            assert again.status == "sent" and again.attempts == 1
        shots(page, f"outbox-retried-{width}")
        page.context.close()
