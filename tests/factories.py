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


# ---- billing --------------------------------------------------------------------------------------


def staff_context(db):
    """A staff member acting in the console (a StaffContext, as a handler gets it)."""
    from portal_app.services.staff import StaffContext

    user = make_staff(db)
    return StaffContext(staff_id=user.id, email=user.email, name=user.name, role=user.role, mfa_passed=True,
                        totp_enabled=True)


def portal_context(db, contact):
    """The PortalContext of a fresh session of `contact`."""
    from portal_app.services import portal_sessions

    return portal_sessions.resolve_session(db, portal_sessions.open_session(db, contact.id))


def make_draft(db, account, lines=(("Service", "1", "100.00", "20"),), staff=None, **kw):
    """A draft invoice with (description, quantity, unit price, tax rate) lines, built through the service."""
    from portal_app.services import billing

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
    from portal_app.services import billing

    staff = staff or staff_context(db)
    inv = make_draft(db, account, lines, staff=staff, **kw)
    return billing.issue_invoice(db, staff, inv.id).invoice
