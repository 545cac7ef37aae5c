"""Staff acting in the portal as a contact (impersonation): the customer's own acts are refused
(writing a message, sending a document, paying), with a clear message and nothing written; bookings
are allowed and shown everywhere as "by <staff> for <contact>" (portal list, console calendar, the
email, the audit log)."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from portal_app.bookings.admin_state import AdminBookingsState
from portal_app.bookings.models import Booking
from portal_app.bookings.state import BookingsState, NewBookingState
from portal_app.billing.state import PayState
from portal_app.core import business, clock
from portal_app.core.auth import impersonation, sessions as portal_sessions, staff
from portal_app.core.db import session_scope
from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.auth import StaffSession
from portal_app.core.models.notify import OutboundMessage
from portal_app.documents import rules as documents
from portal_app.documents.models import Document
from portal_app.documents.state import DocumentsState
from portal_app.core.conversations.models import Conversation as MessageThread, ConversationEntry as ThreadMessage
from portal_app.messages.state import MessagesState
from tests.conftest import run_async
from tests.core.test_handler_walk import _row_counts
from tests.factories import (PDF_BYTES, PNG_BYTES, clear_bookings_from, make_account, make_booking_service,
                             make_contact, make_staff, reset_booking_rules, staff_session_at_clock)
from tests.support.states import sub
from tests.support.uploads import at, run_upload

PARIS = ZoneInfo("Europe/Paris")
REFUSED = "This is the customer's own act: it is not possible while staff view the portal as them. Use the console instead."
_n = itertools.count(1)


def _contact(**kw) -> int:
    with session_scope() as db:
        acc = make_account(db, name=f"Acting Co {next(_n)}")
        return make_contact(db, acc, first_name="Alice", last_name="Martin", portal_role="admin",
                            email=f"acting{next(_n)}@example.com", **kw).id


def _impersonating(contact_id: int, name: str = "Sam Support") -> str:
    """A portal token of `contact_id` opened by a staff member (password and TOTP) from the console."""
    with session_scope() as db:
        user = make_staff(db, name=name, role="agent")
        token, _ = staff.login_password(db, user.email, "correct horse battery")
        row = db.exec(select(StaffSession).where(StaffSession.staff_id == user.id)).one()
        row.mfa_passed = True
        db.add(row)
        db.flush()
        ctx = staff.StaffContext(staff_id=user.id, email=user.email, name=name, role="agent", mfa_passed=True,
                                 totp_enabled=True, session_id=row.id)
        return impersonation.start(db, ctx, contact_id)


def _own(contact_id: int) -> str:
    with session_scope() as db:
        return portal_sessions.open_session(db, contact_id)


def _refusal_lines(contact_id: int) -> list[str]:
    with session_scope() as db:
        return [e.detail["handler"] for e in db.exec(select(AuditEvent).where(
            AuditEvent.action == "impersonation.refused", AuditEvent.target_id == contact_id).order_by(AuditEvent.id))]


def _unchanged_but_audit(before: dict[str, int]) -> bool:
    after = _row_counts()
    return after.pop("audit_event") == before.pop("audit_event") + 1 and after == before


# ---- refused: the customer's own acts -----------------------------------------------------------------


def test_staff_cannot_write_a_message_as_the_customer(root):
    cid = _contact()
    page = sub(root, MessagesState)
    page.portal_sid = _impersonating(cid)
    page.load_new()  # reading the page is fine: staff see what the customer sees
    assert page.error_key == ""
    before = _row_counts()
    assert page.send_new({"subject": "Hello", "body": "Written by staff"}) is None
    assert page.error_text == REFUSED
    assert _unchanged_but_audit(before)
    with session_scope() as db:
        assert db.exec(select(MessageThread).where(MessageThread.contact_id == cid)).first() is None
    assert _refusal_lines(cid) == ["MessagesState.send_new"]


def test_staff_cannot_reply_or_attach_as_the_customer(root):
    cid = _contact()
    page = sub(root, MessagesState)
    page.portal_sid = _own(cid)
    page.load_new()
    page.send_new({"subject": "Meter", "body": "Reading attached."})
    with session_scope() as db:
        thread_id = db.exec(select(MessageThread.id).where(MessageThread.contact_id == cid)).one()
    page.portal_sid = _impersonating(cid)
    at(page, f"/messages/thread?id={thread_id}")
    page.load_thread()
    assert page.error_key == "" and len(page.entries) == 1
    before = _row_counts()
    page.send_reply({"body": "As the customer"})
    assert page.error_text == REFUSED and _unchanged_but_audit(before)
    run_upload(page, "upload_attachments", [("photo.png", PNG_BYTES)])
    assert page.error_text == REFUSED and page.staged == []
    with session_scope() as db:
        assert len(db.exec(select(ThreadMessage).where(ThreadMessage.conversation_id == thread_id)).all()) == 1
    assert _refusal_lines(cid) == ["MessagesState.send_reply", "MessagesState.upload_attachments"]


def test_staff_cannot_send_a_document_as_the_customer(root):
    cid = _contact()
    with session_scope() as db:
        row = documents.get_settings_row(db)
        row.customer_uploads, row.max_upload_mb = True, 5
        db.add(row)
    try:
        page = sub(root, DocumentsState)
        page.portal_sid = _impersonating(cid)
        page.load_documents()
        before = _row_counts()
        run_upload(page, "upload_document", [("Kbis.pdf", PDF_BYTES)])
        assert page.error_text == REFUSED and page.notice_key == "" and not page.uploading
        assert _unchanged_but_audit(before)
        # the contact themself may
        page.portal_sid = _own(cid)
        run_upload(page, "upload_document", [("Kbis.pdf", PDF_BYTES)])
        assert page.error_key == "" and page.notice_key == "documents.sent_ok"
        with session_scope() as db:
            assert db.exec(select(Document).where(Document.uploaded_by_contact_id == cid)).one().title == "Kbis.pdf"
    finally:
        with session_scope() as db:
            row = documents.get_settings_row(db)
            row.customer_uploads, row.max_upload_mb = False, 25
            db.add(row)


def test_paying_as_the_customer_is_refused_before_the_payment_provider(root):
    cid = _contact()
    page = sub(root, PayState)
    page.portal_sid = _impersonating(cid)
    before = _row_counts()
    assert run_async(type(page).event_handlers["start_checkout"].fn(page, "all:EUR")) is None
    assert page.error_text == REFUSED and not page.working
    assert _unchanged_but_audit(before)


def test_the_contact_still_writes_their_own_messages(root):
    cid = _contact()
    page = sub(root, MessagesState)
    page.portal_sid = _own(cid)
    page.load_new()
    assert page.send_new({"subject": "Mine", "body": "Written by me"}) is not None
    with session_scope() as db:
        assert db.exec(select(MessageThread).where(MessageThread.contact_id == cid)).one().subject == "Mine"


# ---- allowed and shown: bookings on the customer's behalf ----------------------------------------------


@pytest.fixture
def calendar():
    business.forget_cached_business()
    clock.freeze(datetime(2032, 3, 4, 9, tzinfo=PARIS))  # a Thursday, far from other tests' bookings
    with session_scope() as db:
        reset_booking_rules(db)
        clear_bookings_from(db, datetime(2032, 1, 1, tzinfo=PARIS))
        service_id = make_booking_service(db, f"Fitting {next(_n)}", duration=60).id
    yield service_id
    clock.freeze(None)


def _book(root, token: str, service_id: int) -> NewBookingState:
    page = sub(root, NewBookingState)
    page.portal_sid = token
    page.load_new()
    page.choose_service(str(service_id))
    page.set_device_zone("Europe/Paris")
    page.choose_slot(page.day_slots[1][0].key)
    page.confirm_booking({"note": "Booked on the phone"})
    assert page.done and page.error_key == ""
    return page


def test_a_booking_made_by_staff_as_the_customer_says_so_everywhere(root, calendar):
    cid = _contact()
    token = _impersonating(cid, "Sam Support")
    _book(root, token, calendar)
    with session_scope() as db:
        b = db.exec(select(Booking).where(Booking.contact_id == cid)).one()
        assert b.booked_by_staff_id is not None and b.changed_by_staff_id is None
        mail = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == cid)).one()
        # (this booking's line: ids of rows deleted by other tests of the shared database can come back)
        line = db.exec(select(AuditEvent).where(AuditEvent.action == "booking.create", AuditEvent.target_id == b.id)
                       .order_by(AuditEvent.id.desc())).first()
    # the email tells the customer who did it for them
    assert "Sam Support of " in mail.body_text and "did this for you (Alice Martin)" in mail.body_text
    # the audit log: staff acting as the contact
    assert (line.actor_type, line.actor_id, line.as_contact_id) == ("staff", b.booked_by_staff_id, cid)
    assert line.detail["on_behalf_of_contact"] == cid
    # the customer's list
    mine = sub(root, BookingsState)
    mine.portal_sid = _own(cid)
    mine.load_bookings()
    assert [r.by for r in mine.rows] == ["Sam Support for Alice Martin"]
    # the console's calendar: list, week and the booking's dialog
    with session_scope() as db:
        console_token = staff_session_at_clock(db)
    cal = sub(root, AdminBookingsState)
    cal.staff_sid = console_token
    cal.load_bookings()
    cal.show_list()
    assert "Sam Support for Alice Martin" in [r.contact for r in cal.rows]
    cal.open_booking(str(b.id))
    assert cal.detail.on_behalf == "Sam Support for Alice Martin"


def test_the_customers_own_booking_names_only_them(root, calendar):
    cid = _contact()
    _book(root, _own(cid), calendar)
    with session_scope() as db:
        b = db.exec(select(Booking).where(Booking.contact_id == cid)).one()
        mail = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == cid)).one()
    assert b.booked_by_staff_id is None and "did this for you" not in mail.body_text
    mine = sub(root, BookingsState)
    mine.portal_sid = _own(cid)
    mine.load_bookings()
    assert [(r.by, r.changed) for r in mine.rows] == [("Alice Martin", "")]


def test_a_cancellation_by_staff_as_the_customer_says_so(root, calendar):
    cid = _contact()
    _book(root, _own(cid), calendar)
    page = sub(root, BookingsState)
    page.portal_sid = _impersonating(cid, "Sam Support")
    page.load_bookings()
    page.ask_cancel(str(page.rows[0].id))
    page.cancel_booking()
    assert page.success_key == "bookings.cancelled"
    with session_scope() as db:
        b = db.exec(select(Booking).where(Booking.contact_id == cid)).one()
        mails = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == cid)
                        .order_by(OutboundMessage.id)).all()
    assert b.status == "cancelled" and b.changed_by_staff_id is not None
    assert mails[-1].template == "booking_cancelled" and "did this for you (Alice Martin)" in mails[-1].body_text
    page.portal_sid = _own(cid)
    page.set_filter("view", "history")
    assert [(r.by, r.changed) for r in page.rows] == [("Alice Martin", "Last changed by Sam Support for Alice Martin")]
