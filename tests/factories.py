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


# ---- documents, messages, portal actions (issue 4) ------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
            b"trailer<</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                          "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def staff_ctx(db, **kw):
    """A fully authenticated staff member's context (what StaffState._staff returns)."""
    token = staff_session(db)
    return staff.resolve(db, token)


def portal_ctx(db, contact):
    """The contact's portal context, as a logged-in session resolves it."""
    from portal_app.services import portal_sessions

    return portal_sessions.resolve_session(db, portal_sessions.open_session(db, contact.id))


def make_document(db, account, *, title: str = "Contract.pdf", data: bytes = PDF_BYTES, shared: bool = True,
                  folder_id: int | None = None, by=None):
    """A document staff uploaded to `account` (through the intake and the service)."""
    from portal_app.services import documents, file_intake

    by = by or staff_ctx(db)
    stored = file_intake.store_bytes("documents", title, data, 10 * 1024 * 1024)
    doc, _ = documents.add_document(db, by, account.id, stored, folder_id=folder_id, shared=shared)
    return doc
