"""Test data built through the services, so fixtures obey the same rules as the app."""

from __future__ import annotations

import itertools

from portal_app.services import accounts, audit, staff

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
    n = next(_seq)
    return staff.create_staff(db, email=email or f"staff{n}@guichet.example", password=password, **kw)


def staff_session(db, *, totp: bool = True, password: str = "correct horse battery") -> str:
    """A new staff member's console token: password only, or password and TOTP (enrolled now)."""
    import pyotp

    from portal_app.models import StaffUser
    from portal_app.services.security import decrypt_secret

    user = make_staff(db, password=password)
    token, _ = staff.login_password(db, user.email, password)
    if totp:
        staff.enrolment_uri(db, token)
        secret = decrypt_secret(db.get(StaffUser, user.id).totp_secret_enc)
        staff.verify_totp(db, token, pyotp.TOTP(secret).now())
    return token


# ---- bookings -------------------------------------------------------------------------------------


def staff_ctx(db, role: str = "owner"):
    """A console actor for service calls: a real staff row (so the audit log names someone), made once
    per database session (bcrypt is slow on purpose)."""
    key = f"staff_ctx_{role}"
    if key not in db.info:
        user = make_staff(db, role=role)
        db.info[key] = staff.StaffContext(staff_id=user.id, email=user.email, name=user.name, role=user.role,
                                          mfa_passed=True, totp_enabled=True)
    return db.info[key]


def portal_ctx(db, contact):
    """The PortalContext a live session of `contact` resolves to."""
    from portal_app.services import portal_sessions

    return portal_sessions.resolve_session(db, portal_sessions.open_session(db, contact.id))


def make_booking_service(db, name: str = "Consultation", *, duration: int = 60, buffer: int = 0, **kw):
    from portal_app.services import bookings

    data = bookings.ServiceInput(names=kw.pop("names", {"en": name, "fr": f"{name} (fr)", "de": f"{name} (de)"}),
                                 duration_minutes=duration, buffer_minutes=buffer, **kw)
    return bookings.save_service(db, staff_ctx(db), data)
