"""Console: the stuck messages list and "retry now", for staff only."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from portal_app.console.outbox_state import AdminOutboxState
from portal_app.core import notify
from portal_app.core.db import session_scope
from portal_app.core.models.notify import OutboundMessage
from portal_app.core.notify import Branding
from tests.factories import staff_session
from tests.support.states import public_json, sub

BRAND = Branding(name="Atelier Dupont", color="#0b5fff", logo_url=None, sender_name="Atelier Dupont")


def _rows(marker: str) -> dict[str, int]:
    """One message per status, to addresses that carry `marker`."""
    ids = {}
    with session_scope() as db:
        for status in ("failed", "sent", "queued", "fallback", "sending"):
            to = f"{status}.{marker}@example.org"
            mail = notify.render_email("invitation", "en", BRAND, link="https://portal.example/login", name="P", email=to)
            d = notify.queue_email(db, to=to, template="invitation", language="en", rendered=mail,
                                   sender_name=BRAND.sender_name)
            db.exec(sa.update(OutboundMessage).where(OutboundMessage.id == d.message_id).values(
                status=status, attempts=8 if status == "failed" else 1,
                error="sendgrid 401: The provided authorization grant is invalid" if status == "failed" else ""))
            ids[status] = d.message_id
    return ids


def _status(message_id: int) -> str:
    with session_scope() as db:
        return db.get(OutboundMessage, message_id).status


def test_stuck_list_refuses_without_a_staff_session(root):
    marker = uuid.uuid4().hex[:10]
    ids = _rows(marker)
    page = sub(root, AdminOutboxState)
    page.staff_sid = ""
    page.load_list()
    assert page.flash_key == "error.session_over" and page.rows == []
    page.retry_now(ids["failed"])
    assert page.flash_key == "error.session_over"
    assert _status(ids["failed"]) == "failed"
    assert marker not in public_json(root)
    # a customer's portal session is no console session either
    page.staff_sid = "not-a-token"
    page.retry_now(ids["failed"])
    assert page.flash_key == "error.session_over" and _status(ids["failed"]) == "failed"


def test_stuck_list_shows_only_failed_rows_and_retry_now_requeues(root):
    marker = uuid.uuid4().hex[:10]
    ids = _rows(marker)
    page = sub(root, AdminOutboxState)
    with session_scope() as db:
        page.staff_sid = staff_session(db)
    page.load_list()
    assert page.flash_key == ""
    page.search({"q": marker})
    assert page.total == 1
    [row] = page.rows
    assert (row.id, row.recipient, row.template, row.attempts, row.channel) == \
        (ids["failed"], f"failed.{marker}@example.org", "invitation", 8, "email")
    assert row.error.startswith("sendgrid 401")

    page.retry_now(ids["sent"])  # not stuck: refused, left alone
    assert page.flash_key == "admin.outbox.error.not_stuck" and _status(ids["sent"]) == "sent"
    page.retry_now("12abc")
    assert page.flash_key == "error.not_found"

    page.retry_now(ids["failed"])
    assert page.flash_key == "admin.outbox.requeued"
    assert page.flash_params == {"recipient": f"failed.{marker}@example.org"}
    # GUICHET_NOTIFY_SYNC: the dispatcher ran at the commit, through the claim path, on a fresh round
    with session_scope() as db:
        again = db.get(OutboundMessage, ids["failed"])
        assert again.status == "sent" and again.attempts == 1 and again.error == ""
    assert page.total == 0 and page.rows == []
    assert [_status(ids[s]) for s in ("queued", "fallback", "sending")] == ["queued", "fallback", "sending"]
