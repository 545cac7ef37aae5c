"""Fulfilling an erasure request: the contact and their free texts are anonymised in every feature's
tables (the personal-data registry), issued invoices and payments are kept as the law requires."""

from __future__ import annotations

from sqlmodel import Session

from portal_app.core import audit, clock, registries
from portal_app.core.auth.staff import StaffContext
from portal_app.core.db import get_or_not_found
from portal_app.core.errors import DomainError
from portal_app.core.models.accounts import Contact
from portal_app.privacy import held  # noqa: F401  (the core tables' entries come first)
from portal_app.privacy.models import KIND_ERASURE, PrivacyRequest
from portal_app.privacy.requests import STAFF_OPEN


def anonymise(db: Session, contact: Contact, actor: audit.Actor) -> None:
    for entry in registries.PERSONAL_DATA:
        if entry.erase is not None:
            entry.erase(db, contact, actor)


def fulfil_erasure(db: Session, staff: StaffContext, request_id: int) -> PrivacyRequest:
    row = get_or_not_found(db, PrivacyRequest, request_id)
    if row.kind != KIND_ERASURE or row.status not in STAFF_OPEN:
        raise DomainError("privacy.error.not_open")
    contact = db.get(Contact, row.contact_id)
    anonymise(db, contact, staff.actor)
    row.status, row.handled_at, row.handled_by_staff_id = "done", clock.now(), staff.staff_id
    db.add(row)
    audit.record(db, staff.actor, "privacy.erasure_done", target_type="contact", target_id=contact.id,
                 account_id=contact.account_id, request_id=row.id)
    return row
