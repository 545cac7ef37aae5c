"""Test data built through the services, so fixtures obey the same rules as the app."""

from __future__ import annotations

import itertools

from sqlmodel import select

from portal_app.core import accounts, audit
from portal_app.core.auth import staff

_seq = itertools.count(1)


def make_account(db, name: str | None = None, **kw):
    n = next(_seq)
    return accounts.save_account(db, audit.SYSTEM, account_id=None, name=name or f"Account {n}",
                                 number=kw.pop("number", f"T-{n:05d}"), **kw)


def make_contact(db, account=None, **kw):
    n = next(_seq)
    account = account or make_account(db)
    data = accounts.ContactInput(account_id=account.id, email=kw.pop("email", f"contact{n}@example.com"),
                                 first_name=kw.pop("first_name", f"First{n}"), last_name=kw.pop("last_name", "Test"),
                                 **kw)
    return accounts.save_contact(db, audit.SYSTEM, data)


def make_staff(db, email: str | None = None, password: str = "correct horse battery", **kw):
    """A staff user; an owner unless `role=` says otherwise (roles narrow the console: tests of a role say so)."""
    n = next(_seq)
    kw.setdefault("role", "owner")
    return staff.create_staff(db, email=email or f"staff{n}@guichet.example", password=password, **kw)


def staff_session(db, *, totp: bool = True, password: str = "correct horse battery", role: str = "owner") -> str:
    """A new staff member's console token: password only, or password and TOTP (enrolled now)."""
    import pyotp

    from portal_app.core.models.auth import StaffUser
    from portal_app.core.security import decrypt_secret

    user = make_staff(db, password=password, role=role)
    token, _ = staff.login_password(db, user.email, password)
    if totp:
        staff.enrolment_uri(db, token)
        secret = decrypt_secret(db.get(StaffUser, user.id).totp_secret_enc)
        staff.verify_totp(db, token, pyotp.TOTP(secret).now())
    return token


# ---- bookings -------------------------------------------------------------------------------------


_staff_ctx_by_db: dict[str, object] = {}

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
            b"trailer<</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                          "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def staff_ctx(db, role: str = "owner", **_ignored):
    """A console actor for service calls, as `StaffState._staff` returns it: a real staff row and a
    console session past TOTP (impersonation needs one). Made once per database: bcrypt is slow on
    purpose; an in-memory database gets its own."""
    from portal_app.core.models.auth import StaffSession

    url = str(db.get_bind().url)
    cache = db.info if url == "sqlite://" else _staff_ctx_by_db
    key = f"{url}|{role}"
    if key not in cache:
        user = make_staff(db, role=role)
        token, _ = staff.login_password(db, user.email, "correct horse battery")
        row = db.exec(select(StaffSession).where(StaffSession.staff_id == user.id)).one()
        row.mfa_passed = True  # the TOTP step, which tests of other rules need not replay
        db.add(row)
        db.flush()
        cache[key] = staff.StaffContext(staff_id=user.id, email=user.email, name=user.name, role=user.role,
                                        mfa_passed=True, totp_enabled=True, session_id=row.id)
    return cache[key]


def portal_ctx(db, contact):
    """The PortalContext a live session of `contact` resolves to."""
    from portal_app.core.auth import sessions as portal_sessions

    return portal_sessions.resolve_session(db, portal_sessions.open_session(db, contact.id))


# ---- billing --------------------------------------------------------------------------------------


def staff_context(db):
    """A staff member acting in the console (a StaffContext, as a handler gets it)."""
    from portal_app.core.auth.staff import StaffContext

    user = make_staff(db)
    return StaffContext(staff_id=user.id, email=user.email, name=user.name, role=user.role, mfa_passed=True,
                        totp_enabled=True)


def portal_context(db, contact):
    """The PortalContext of a fresh session of `contact`."""
    from portal_app.core.auth import sessions as portal_sessions

    return portal_sessions.resolve_session(db, portal_sessions.open_session(db, contact.id))


def make_booking_service(db, name: str = "Consultation", *, duration: int = 60, buffer: int = 0, **kw):
    from portal_app.bookings import rules as bookings

    data = bookings.ServiceInput(names=kw.pop("names", {"en": name, "fr": f"{name} (fr)", "de": f"{name} (de)"}),
                                 duration_minutes=duration, buffer_minutes=buffer, **kw)
    return bookings.save_service(db, staff_ctx(db), data)


def reset_booking_rules(db, **changes):
    """Put the booking rules and weekly hours back to their defaults (tests on the shared database change
    them), then apply `changes` to the rules."""
    from portal_app.bookings import rules as bookings

    actor = staff_ctx(db)
    data = bookings.RulesInput(time_zone="Europe/Paris", online_booking=True, allow_reschedule=True,
                               allow_cancel=True, book_notice_hours=2, reschedule_notice_hours=24,
                               cancel_notice_hours=24, requires_confirmation=False, reminder_hours=24,
                               slot_step_minutes=30, horizon_days=60)
    for key, value in changes.items():
        setattr(data, key, value)
    bookings.update_rules(db, actor, data)
    bookings.set_weekly_hours(db, actor, {d: "09:00-12:00, 14:00-18:00" for d in range(5)})


def clear_bookings_from(db, start) -> None:
    """Tests on the shared database: forget every booking from `start` on (their cells too), so each
    test books on an empty calendar."""
    from sqlalchemy import delete
    from sqlmodel import select

    from portal_app.bookings.models import Booking, BookingSlotClaim

    ids = db.exec(select(Booking.id).where(Booking.starts_at >= start)).all()
    if ids:
        db.exec(delete(BookingSlotClaim).where(BookingSlotClaim.booking_id.in_(ids)))
        db.exec(delete(Booking).where(Booking.id.in_(ids)))


def staff_session_at_clock(db, *, totp: bool = True, password: str = "correct horse battery",
                           role: str = "owner") -> str:
    """Like staff_session, with the TOTP code of the services' clock (for tests that pin it)."""
    import pyotp

    from portal_app.core.models.auth import StaffUser
    from portal_app.core import clock
    from portal_app.core.security import decrypt_secret

    user = make_staff(db, password=password, role=role)
    token, _ = staff.login_password(db, user.email, password)
    if totp:
        staff.enrolment_uri(db, token)
        secret = decrypt_secret(db.get(StaffUser, user.id).totp_secret_enc)
        staff.verify_totp(db, token, pyotp.TOTP(secret).at(clock.now()))
    return token


def make_draft(db, account, lines=(("Service", "1", "100.00", "20"),), staff=None, **kw):
    """A draft invoice with (description, quantity, unit price, tax rate) lines, built through the service."""
    from portal_app.billing import rules as billing

    staff = staff or staff_context(db)
    inv = billing.create_draft(db, staff, account.id)
    if kw:
        billing.update_draft(db, staff, inv.id, currency=kw.get("currency", inv.currency),
                             due_date=kw.get("due_date", ""), notes=kw.get("notes", ""))
    for desc, qty, price, rate, *usage in lines:
        billing.save_line(db, staff, inv.id, line_id=None, description=desc, quantity=qty, unit_price=price,
                          tax_rate=rate, is_usage=bool(usage and usage[0]))
    return inv


def make_issued(db, account, lines=(("Service", "1", "100.00", "20"),), staff=None, **kw):
    """An issued invoice (number, PDF, emails queued but not sent)."""
    from portal_app.billing import rules as billing

    staff = staff or staff_context(db)
    inv = make_draft(db, account, lines, staff=staff, **kw)
    return billing.issue_invoice(db, staff, inv.id).invoice
def make_document(db, account, *, title: str = "Contract.pdf", data: bytes = PDF_BYTES, shared: bool = True,
                  folder_id: int | None = None, by=None):
    """A document staff uploaded to `account` (through the intake and the service)."""
    from portal_app.documents import rules as documents
    from portal_app.core import files as file_intake

    by = by or staff_ctx(db)
    stored = file_intake.store_bytes("documents", title, data, 10 * 1024 * 1024)
    doc, _ = documents.add_document(db, by, account.id, stored, folder_id=folder_id, shared=shared)
    return doc


def set_business(db, **fields):
    """Change business settings in a test (password login, the customer TOTP rule...), cache forgotten."""
    from portal_app.core.business import forget_cached_business, get_business

    row = get_business(db)
    for name, value in fields.items():
        setattr(row, name, value)
    db.add(row)
    db.flush()
    forget_cached_business()
    return row
