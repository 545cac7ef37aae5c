"""Privacy rules with a frozen clock: deadlines, consent history, the email/mobile change, the archive,
and erasure (anonymised contact, invoices kept)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from portal_app.core import clock, files
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.conversations.models import ConversationEntry
from portal_app.core.db import session_scope
from portal_app.core.errors import DomainError, Forbidden
from portal_app.core.models.accounts import Contact
from portal_app.core.models.auth import PortalSession
from portal_app.core.models.notify import OutboundMessage
from portal_app.privacy import consents, erasure, requests, space
from portal_app.privacy.models import PrivacyRequest
from tests.factories import make_issued, staff_ctx
from tests.privacy.conftest import ctx_of

T0 = datetime(2026, 1, 31, 9, 0, tzinfo=timezone.utc)


def _purpose(db, name="Newsletter"):
    return consents.save_purpose(db, staff_ctx(db).actor, None, names={"en": name, "fr": name + " FR"},
                                 descriptions={"en": "News by email"}, active=True)


def test_a_request_is_due_one_month_after_receipt():
    # One month, calendar: the same day next month, or that month's last day.
    assert requests.add_one_month(datetime(2026, 3, 15, 10, tzinfo=timezone.utc)) == \
        datetime(2026, 4, 15, 10, tzinfo=timezone.utc)
    assert requests.add_one_month(T0) == datetime(2026, 2, 28, 9, tzinfo=timezone.utc)
    assert requests.add_one_month(datetime(2026, 12, 31, tzinfo=timezone.utc)) == datetime(2027, 1, 31, tzinfo=timezone.utc)


def test_request_deadline_counts_down_and_turns_overdue(person):
    contact_id, _, token = person
    clock.freeze(datetime(2026, 3, 15, 10, tzinfo=timezone.utc))
    with session_scope() as db:
        row = requests.create_request(db, ctx_of(db, token), "erasure")
        assert row.due_at == datetime(2026, 4, 15, 10, tzinfo=timezone.utc)
        assert requests.deadline_of(row).days_left == 31 and not requests.deadline_of(row).overdue
        later = datetime(2026, 4, 15, 10, tzinfo=timezone.utc) + timedelta(seconds=1)
        assert requests.deadline_of(row, later).overdue and requests.deadline_of(row, later).days_left == -1
        with pytest.raises(DomainError):  # one open request of a kind at a time
            requests.create_request(db, ctx_of(db, token), "erasure")


def test_every_consent_change_is_kept_with_its_time(person):
    _, _, token = person
    with session_scope() as db:
        purpose = _purpose(db)
    for minute, granted in ((0, True), (1, True), (2, False), (3, True)):
        clock.freeze(T0 + timedelta(minutes=minute))
        with session_scope() as db:
            consents.set_consent(db, ctx_of(db, token), purpose.id, granted)
    with session_scope() as db:
        ctx = ctx_of(db, token)
        history = consents.history(db, ctx)
        answer = next(a for a in consents.answers(db, ctx) if a.purpose_id == purpose.id)
    # the same answer twice writes one row; newest first
    assert [(h.granted, h.at) for h in history if h.purpose_id == purpose.id] == [
        (True, T0 + timedelta(minutes=3)), (False, T0 + timedelta(minutes=2)), (True, T0)]
    assert answer.granted and answer.changed_at == T0 + timedelta(minutes=3)


def test_consent_is_refused_while_staff_impersonate(person):
    from portal_app.core.auth import impersonation

    contact_id, _, _ = person
    with session_scope() as db:
        purpose = _purpose(db)
        token = impersonation.start(db, staff_ctx(db), contact_id)
        with pytest.raises(Forbidden):
            consents.set_consent(db, ctx_of(db, token), purpose.id, True)
        with pytest.raises(Forbidden):
            requests.create_request(db, ctx_of(db, token), "export")


def test_a_new_email_is_confirmed_by_a_code_and_ends_the_other_sessions(person):
    contact_id, _, token = person
    clock.freeze(T0)
    with session_scope() as db:
        other = portal_sessions.open_session(db, contact_id)
        change, _ = space.start_change(db, ctx_of(db, token), "email", "  New.Address@Example.com ")
    with session_scope() as db:
        sent = db.exec(select(OutboundMessage).where(OutboundMessage.recipient == "new.address@example.com")
                       .order_by(OutboundMessage.id.desc())).first()
        code = next(w for w in sent.subject.split() if w.isdigit() and len(w) == 6)
        assert db.get(Contact, contact_id).email != "new.address@example.com"  # nothing changed yet
        space.confirm_change(db, ctx_of(db, token), code)
    with session_scope() as db:
        assert db.get(Contact, contact_id).email == "new.address@example.com"
        assert ctx_of(db, other) is None and ctx_of(db, token) is not None


def test_five_wrong_codes_end_the_change_and_the_resend_waits(person):
    _, _, token = person
    clock.freeze(T0)
    with session_scope() as db:
        space.start_change(db, ctx_of(db, token), "mobile", "+33612345678")
        with pytest.raises(DomainError):  # a new code no sooner than 30 s
            space.start_change(db, ctx_of(db, token), "mobile", "+33612345679")
    for _ in range(5):
        with pytest.raises(DomainError):
            with session_scope() as db:
                space.confirm_change(db, ctx_of(db, token), "000000")
    with session_scope() as db:
        assert space.pending_change(db, ctx_of(db, token)) is None


def test_the_archive_holds_the_data_and_is_ready_for_a_day(person):
    contact_id, _, token = person
    clock.freeze(T0)
    with session_scope() as db:
        consents.set_consent(db, ctx_of(db, token), _purpose(db).id, True)
        row = requests.create_request(db, ctx_of(db, token), "export")
    while requests.build_next_archive() is not None:
        pass
    with session_scope() as db:
        row = db.get(PrivacyRequest, row.id)
        assert row.status == "ready" and row.progress == 100
        assert row.expires_at == T0 + timedelta(hours=24)
        data = zipfile.ZipFile(io.BytesIO(files.stored_path("privacy", row.stored_name).read_bytes()))
    held = json.loads(data.read("data.json"))
    assert held["contact"]["email"] == ctx_email(contact_id)
    assert held["privacy"]["consents"][0]["granted"] is True


def ctx_email(contact_id):
    with session_scope() as db:
        return db.get(Contact, contact_id).email


def test_erasure_anonymises_the_contact_and_keeps_issued_invoices(person):
    from portal_app.core.conversations.engine import Author, add_entry, open_conversation
    from portal_app.billing.models import Invoice

    contact_id, account_id, token = person
    with session_scope() as db:
        contact = db.get(Contact, contact_id)
        ctx = ctx_of(db, token)
        conv = open_conversation(db, "message", account_id=account_id, contact_id=contact_id, subject="My health", status="open")
        add_entry(db, conv, Author.contact(ctx), "I was ill in March")
        invoice = make_issued(db, contact_account(db, account_id))
        number, total = invoice.number, invoice.total_minor
        request = requests.create_request(db, ctx, "erasure")
        old_email = contact.email
    with session_scope() as db:
        erasure.fulfil_erasure(db, staff_ctx(db), request.id)
    with session_scope() as db:
        c = db.get(Contact, contact_id)
        assert (c.first_name, c.last_name, c.mobile, c.active, c.portal_access) == ("", "", None, False, False)
        assert c.email != old_email and "erased" in c.email
        assert all("ill" not in e.body for e in db.exec(select(ConversationEntry)
                                                          .where(ConversationEntry.author_contact_id == c.id)))
        assert db.exec(select(PortalSession).where(PortalSession.contact_id == c.id,
                                                   PortalSession.revoked_at.is_(None))).first() is None
        kept = db.get(Invoice, invoice.id)
        assert (kept.number, kept.total_minor, kept.status) == (number, total, "issued")
        assert db.get(PrivacyRequest, request.id).status == "done"


def contact_account(db, account_id):
    from portal_app.core.models.accounts import Account

    return db.get(Account, account_id)


def test_the_access_log_shows_impersonations_with_what_staff_did_and_access_changes(person):
    from portal_app.core import accounts, audit
    from portal_app.core.auth import impersonation
    from portal_app.privacy import access_log

    contact_id, account_id, token = person
    clock.freeze(T0)
    with session_scope() as db:
        staff = staff_ctx(db)
        as_them = impersonation.start(db, staff, contact_id)
        audit.record(db, audit.portal_actor(ctx_of(db, as_them)), "documents.opened", target_type="document",
                     target_id=1, account_id=account_id)
    clock.freeze(T0 + timedelta(minutes=7))
    with session_scope() as db:
        impersonation.end(db, as_them)
        c = db.get(Contact, contact_id)
        data = accounts.ContactInput(account_id=account_id, email=c.email, first_name=c.first_name,
                                     last_name=c.last_name, portal_role="admin", rights=["gdpr"])
        accounts.save_contact(db, staff.actor, data, contact_id)
    with session_scope() as db:
        ctx = ctx_of(db, token)
        visits = access_log.visits(db, ctx)
        changes = access_log.access_changes(db, ctx)
    assert len(visits) == 1 and visits[0].seconds == 7 * 60 and visits[0].actions == ("documents.opened",)
    assert visits[0].staff_name and visits[0].started_at == T0
    assert (changes[0].action, changes[0].staff_name) == ("contact.update", staff.email)


def _left_behind(token):
    """An export claimed by a builder that then stopped (the process died mid-build)."""
    with session_scope() as db:
        row = requests.create_request(db, ctx_of(db, token), "export")
        assert requests._claim(db, None).id == row.id
        return row.id


def test_a_build_left_behind_goes_back_to_the_queue_after_15_minutes(person):
    _, _, token = person
    clock.freeze(T0)
    request_id = _left_behind(token)
    clock.freeze(T0 + timedelta(seconds=15 * 60 - 1))
    with session_scope() as db:
        assert requests.release_stuck_builds(db) == 0  # still within its time: a live builder may be on it
        assert db.get(PrivacyRequest, request_id).status == "building"
    clock.freeze(T0 + timedelta(seconds=15 * 60 + 1))
    with session_scope() as db:
        assert requests.release_stuck_builds(db) == 1
    with session_scope() as db:
        assert db.get(PrivacyRequest, request_id).status == "preparing"
    assert requests.build_next_archive() == request_id  # taken again and built
    with session_scope() as db:
        assert db.get(PrivacyRequest, request_id).status == "ready"


def test_a_build_left_behind_three_times_fails_visibly(person):
    from portal_app.core.models.audit import AuditEvent

    _, _, token = person
    clock.freeze(T0)
    with session_scope() as db:
        request_id = requests.create_request(db, ctx_of(db, token), "export").id
    for n in range(3):  # three claims, each left behind by its builder
        clock.freeze(T0 + timedelta(minutes=16 * n))
        with session_scope() as db:
            requests.release_stuck_builds(db)
            assert requests._claim(db, None).id == request_id
    clock.freeze(T0 + timedelta(minutes=16 * 3))
    with session_scope() as db:
        requests.release_stuck_builds(db)
    with session_scope() as db:
        row = db.get(PrivacyRequest, request_id)
        assert (row.status, row.build_attempts) == ("failed", 3)
        assert db.exec(select(AuditEvent).where(AuditEvent.action == "privacy.archive_failed",
                                                AuditEvent.target_id == request_id)).first() is not None
        # the contact may ask again: a failed request is not open
        requests.create_request(db, ctx_of(db, token), "export")


def test_documents_and_bookings_are_in_the_archive_and_erased(person):
    """Documents and bookings register their personal data: the export holds the files the contact sent
    and their appointments; erasure removes the sent files and the notes, keeps the business's own."""
    from portal_app.bookings.models import Booking
    from portal_app.documents.models import SOURCE_CUSTOMER, Document, DocumentView
    from tests.factories import make_booking_service, make_document

    contact_id, account_id, token = person
    clock.freeze(T0)
    with session_scope() as db:
        account = contact_account(db, account_id)
        ours = make_document(db, account, title="Contract.pdf")
        sent = make_document(db, account, title="My passport.pdf", data=b"%PDF-1.4 passport")
        sent.source, sent.uploaded_by_contact_id = SOURCE_CUSTOMER, contact_id
        db.add(sent)
        db.add(DocumentView(document_id=ours.id, contact_id=contact_id))
        service = make_booking_service(db, "Checkup")
        booking = Booking(account_id=account_id, contact_id=contact_id, service_id=service.id,
                          starts_at=T0 + timedelta(days=400), ends_at=T0 + timedelta(days=400, hours=1),
                          blocked_until=T0 + timedelta(days=400, hours=1), time_zone="Europe/Paris",
                          note="Back pain since May")
        db.add(booking)
        db.flush()
        ids = (ours.id, sent.id, sent.stored_name, booking.id)
        export = requests.create_request(db, ctx_of(db, token), "export")
    assert requests.build_next_archive(contact_id) == export.id  # this contact's (other tests leave theirs)
    with session_scope() as db:
        row = db.get(PrivacyRequest, export.id)
        data = zipfile.ZipFile(io.BytesIO(files.stored_path("privacy", row.stored_name).read_bytes()))
    held = json.loads(data.read("data.json"))
    assert [d["title"] for d in held["documents"]["sent"]] == ["My passport.pdf"]
    assert [d["title"] for d in held["documents"]["opened"]] == ["Contract.pdf"]
    assert held["bookings"]["bookings"][0]["note"] == "Back pain since May"
    assert held["bookings"]["bookings"][0]["service"]["en"] == "Checkup"
    assert any(name.endswith("My passport.pdf") or "passport" in name for name in data.namelist())
    with session_scope() as db:
        erasure_request = requests.create_request(db, ctx_of(db, token), "erasure")
    with session_scope() as db:
        erasure.fulfil_erasure(db, staff_ctx(db), erasure_request.id)
    with session_scope() as db:
        assert db.get(Document, ids[1]) is None and files.stored_path("documents", ids[2]) is None
        assert db.get(Document, ids[0]) is not None  # the business's document stays on the account
        assert db.exec(select(DocumentView).where(DocumentView.contact_id == contact_id)).first() is None
        kept = db.get(Booking, ids[3])
        assert kept is not None and kept.note == ""
        db.delete(kept)  # far in the future: leave the shared calendar as it was
