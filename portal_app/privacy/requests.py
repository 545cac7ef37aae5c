"""Data requests: "download my data" (an archive prepared in the background, downloaded once within a
day) and "erase my data" (handled by staff). Each is due one month after its receipt (GDPR art. 12(3)).

The archive is built off any Reflex state (a lifespan job, `jobs.py`), in short transactions: its
progress is written as it goes, so the page reads it without waiting on the builder."""

from __future__ import annotations

import calendar
import math
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update as sa_update
from sqlmodel import Session, func, select

from portal_app.core import audit, clock, files, registries
from portal_app.core.auth.sessions import PortalContext, refuse_when_impersonating, require_module
from portal_app.core.auth.staff import StaffContext
from portal_app.core.db import fetch_page, get_or_not_found, session_scope
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.accounts import Contact
from portal_app.core.security import hashes_equal, hmac_hash
from portal_app.privacy.models import (KIND_ERASURE, KIND_EXPORT, KINDS, OPEN_STATUSES, PrivacyRequest)

AREA = "privacy"
ARCHIVE_TTL_SECONDS = 24 * 3600
ARCHIVE_MIME = "application/zip"
ARCHIVE_TOKEN_PURPOSE = "privacy-archive-link"
ARCHIVE_MAX_BYTES = 2 * 1024 * 1024 * 1024  # the archive holds the contact's own files; a sanity cap
QUEUE_PAGE_SIZE = 20
# A build claimed longer ago than this was left behind (its process stopped): it is taken again, and
# after MAX_BUILD_ATTEMPTS claims it fails, so the contact sees it and may ask again.
STUCK_BUILD_MINUTES = 15
MAX_BUILD_ATTEMPTS = 3
# Statuses staff still have to act on (an export is handled by the job; staff may see it late).
STAFF_OPEN = OPEN_STATUSES


def add_one_month(moment: datetime) -> datetime:
    """The same day next month, or that month's last day (31 January -> 28 or 29 February)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    days_left: int  # negative when overdue
    overdue: bool


def deadline_of(request: PrivacyRequest, now: datetime | None = None) -> Deadline:
    now = now or clock.now()
    left = request.due_at - now
    return Deadline(request.due_at, math.floor(left.total_seconds() / 86400),
                    left < timedelta(0) and request.status in STAFF_OPEN)


# ---- the contact's side ---------------------------------------------------------------------------


def create_request(db: Session, ctx: PortalContext, kind: str) -> PrivacyRequest:
    """A new request; one open request of each kind at a time. Only the contact asks, never staff as them."""
    require_module(ctx, "gdpr")
    refuse_when_impersonating(ctx, "privacy_request")
    if kind not in KINDS:
        raise NotFound()
    open_one = db.exec(select(PrivacyRequest.id).where(PrivacyRequest.contact_id == ctx.contact_id,
                                                       PrivacyRequest.requested_by_staff_id.is_(None),
                                                       PrivacyRequest.kind == kind,
                                                       PrivacyRequest.status.in_(OPEN_STATUSES))).first()
    if open_one is not None:
        raise DomainError("privacy.error.already_open")
    now = clock.now()
    row = PrivacyRequest(account_id=ctx.account_id, contact_id=ctx.contact_id, kind=kind, received_at=now,
                         due_at=add_one_month(now), status="preparing" if kind == KIND_EXPORT else "received")
    db.add(row)
    db.flush()
    audit.record(db, audit.portal_actor(ctx), f"privacy.{kind}_requested", target_type="privacy_request",
                 target_id=row.id, account_id=ctx.account_id)
    return row


def list_for_contact(db: Session, ctx: PortalContext) -> list[PrivacyRequest]:
    require_module(ctx, "gdpr")
    _expire(db)
    return list(db.exec(select(PrivacyRequest).where(PrivacyRequest.contact_id == ctx.contact_id,
                                                     PrivacyRequest.account_id == ctx.account_id,
                                                     PrivacyRequest.requested_by_staff_id.is_(None))
                        .order_by(PrivacyRequest.id.desc()).limit(20)).all())


def _own(db: Session, ctx: PortalContext, request_id: int) -> PrivacyRequest:
    """The contact's own request, or the NotFound (recorded) that another's gets."""
    row = db.get(PrivacyRequest, request_id) if isinstance(request_id, int) else None
    if row is None or row.contact_id != ctx.contact_id or row.account_id != ctx.account_id \
            or row.requested_by_staff_id is not None:
        raise audit.refuse(db, audit.portal_actor(ctx), "privacy_request", request_id, "not_own",
                           account_id=ctx.account_id)
    return row


@dataclass(frozen=True)
class ArchiveFile:
    stored_name: str
    title: str
    mime_type: str


def archive_token(row: PrivacyRequest) -> str:
    """The link's second half: bound to the request, its contact and this build's file (whose generated
    name never leaves the server), so a bare id, or a link of an earlier build, opens nothing. A staff
    export's link is bound to the staff member who prepared it as well."""
    staff = f":staff:{row.requested_by_staff_id}" if row.requested_by_staff_id is not None else ""
    return hmac_hash(f"{row.id}:{row.contact_id}:{row.stored_name}{staff}", ARCHIVE_TOKEN_PURPOSE)


def archive_path(row: PrivacyRequest) -> str:
    return f"/api/privacy/archive/{row.id}/{archive_token(row)}"


def _spend(db: Session, row: PrivacyRequest, refuse) -> ArchiveFile:
    """A ready archive within its day is taken: the link is spent before the file is sent."""
    now = clock.now()
    if row.kind != KIND_EXPORT or row.status != "ready" or not row.stored_name or row.expires_at is None \
            or row.expires_at <= now:
        raise refuse(f"archive_{row.status}")
    row.status, row.downloaded_at = "downloaded", now
    db.add(row)
    return ArchiveFile(row.stored_name, f"personal-data-{row.received_at:%Y%m%d}.zip", ARCHIVE_MIME)


def open_archive(db: Session, ctx: PortalContext, request_id: int, token: str = "") -> ArchiveFile:
    """The download route: the contact's own ready archive, by its link, once, within its day. Staff
    viewing the portal as the contact cannot take it. The download is recorded (and the link spent)
    before the file is sent."""
    require_module(ctx, "gdpr")
    row = _own(db, ctx, request_id)
    if not row.stored_name or not hashes_equal(str(token), archive_token(row)):
        raise audit.refuse(db, audit.portal_actor(ctx), "privacy_request", request_id, "bad_link",
                           account_id=ctx.account_id)
    if ctx.impersonating:
        raise audit.refuse(db, audit.portal_actor(ctx), "privacy_request", request_id, "impersonated",
                           account_id=ctx.account_id)
    taken = _spend(db, row, lambda reason: audit.refuse(db, audit.portal_actor(ctx), "privacy_request", request_id,
                                                         reason, account_id=ctx.account_id))
    audit.record(db, audit.portal_actor(ctx), "privacy.archive_downloaded", target_type="privacy_request",
                 target_id=row.id, account_id=row.account_id)
    return taken


def _expire(db: Session) -> int:
    """Archives past their day are gone: their file is removed after the commit."""
    rows = db.exec(select(PrivacyRequest).where(PrivacyRequest.status == "ready",
                                                PrivacyRequest.expires_at <= clock.now())).all()
    for row in rows:
        files.remove_after_commit(db, AREA, row.stored_name)
        row.status, row.stored_name = "expired", None
        db.add(row)
    return len(rows)


def clean_archives(db: Session) -> int:
    """The job's sweep: expired archives, and downloaded ones (their file served once already)."""
    n = _expire(db)
    for row in db.exec(select(PrivacyRequest).where(PrivacyRequest.status == "downloaded",
                                                    PrivacyRequest.stored_name.is_not(None))).all():
        files.remove_after_commit(db, AREA, row.stored_name)
        row.stored_name = None
        db.add(row)
        n += 1
    return n


# ---- building an archive (the job) ------------------------------------------------------------------


def _set_progress(request_id: int, percent: int, **changes) -> None:
    with session_scope() as db:
        row = db.get(PrivacyRequest, request_id)
        row.progress = percent
        for k, v in changes.items():
            setattr(row, k, v)
        db.add(row)


def collect(db: Session, contact: Contact) -> tuple[dict, list[tuple[str, str, str]]]:
    """Everything the features hold about the contact (the registry), and the files they sent."""
    data, sent = {}, []
    for entry in registries.PERSONAL_DATA:
        section, entry_files = entry.collect(db, contact)
        data[entry.key] = section
        sent.extend(entry_files)
    return data, sent


def _claim(db: Session, contact_id: int | None, staff_id: int | None = None) -> PrivacyRequest | None:
    """The oldest waiting export (of anyone, or of one contact: their own request, or the one `staff_id`
    prepared), taken for this builder alone: the job and the page may both try, and only the one whose
    update changed the row builds it."""
    query = select(PrivacyRequest.id).where(PrivacyRequest.kind == KIND_EXPORT, PrivacyRequest.status == "preparing")
    if contact_id is not None:
        query = query.where(PrivacyRequest.contact_id == contact_id,
                            PrivacyRequest.requested_by_staff_id == staff_id if staff_id is not None
                            else PrivacyRequest.requested_by_staff_id.is_(None))
    for request_id in db.exec(query.order_by(PrivacyRequest.id).limit(5)).all():
        taken = db.exec(sa_update(PrivacyRequest).where(PrivacyRequest.id == request_id,
                                                        PrivacyRequest.status == "preparing")
                        .values(status="building", claimed_at=clock.now(),
                                build_attempts=PrivacyRequest.build_attempts + 1))
        if taken.rowcount == 1:
            return db.get(PrivacyRequest, request_id)
    return None


def build_next_archive(contact_id: int | None = None, staff_id: int | None = None) -> int | None:
    """Prepare one waiting export, if any: claim it and read the data in one short transaction, write the
    zip with no transaction open (progress written per file), then mark it ready for a day. Returns its id."""
    with session_scope() as db:
        row = _claim(db, contact_id, staff_id)
        if row is None:
            return None
        request_id = row.id
        contact = db.get(Contact, row.contact_id)
        data, sent = collect(db, contact)
    _set_progress(request_id, 10)
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False, default=str))
            for n, (area, stored_name, title) in enumerate(sent, start=1):
                path = files.stored_path(area, stored_name)
                if path is not None:
                    archive.write(path, f"files/{n:04d}-{files.download_name(title)}")
                _set_progress(request_id, 10 + 80 * n // max(len(sent), 1))
        stored = files.store_bytes(AREA, "personal-data.zip", buffer.getvalue(), ARCHIVE_MAX_BYTES)
    except Exception:
        _set_progress(request_id, 0, status="failed")
        raise
    now = clock.now()
    _set_progress(request_id, 100, status="ready", stored_name=stored.stored_name, size_bytes=stored.size_bytes,
                  ready_at=now, expires_at=now + timedelta(seconds=ARCHIVE_TTL_SECONDS))
    with session_scope() as db:
        audit.record(db, audit.SYSTEM, "privacy.archive_ready", target_type="privacy_request", target_id=request_id,
                     account_id=contact.account_id)
    return request_id


def release_stuck_builds(db: Session) -> int:
    """Builds claimed more than STUCK_BUILD_MINUTES ago: back to the queue, or failed (and recorded) once
    they have been tried MAX_BUILD_ATTEMPTS times. Returns how many were released."""
    cutoff = clock.now() - timedelta(minutes=STUCK_BUILD_MINUTES)
    rows = db.exec(select(PrivacyRequest).where(PrivacyRequest.status == "building",
                                                (PrivacyRequest.claimed_at.is_(None))
                                                | (PrivacyRequest.claimed_at < cutoff))).all()
    for row in rows:
        failed = row.build_attempts >= MAX_BUILD_ATTEMPTS
        row.status, row.progress, row.claimed_at = ("failed" if failed else "preparing"), 0, None
        db.add(row)
        audit.record(db, audit.SYSTEM, "privacy.archive_failed" if failed else "privacy.archive_requeued",
                     target_type="privacy_request", target_id=row.id, account_id=row.account_id,
                     attempts=row.build_attempts)
    return len(rows)


# ---- the staff queue ---------------------------------------------------------------------------------


def staff_queue(db: Session, *, status: str = "open", page: int = 1, page_size: int = QUEUE_PAGE_SIZE):
    """Requests, the open ones first by deadline; (request, contact) pairs."""
    query = select(PrivacyRequest, Contact).join(Contact, Contact.id == PrivacyRequest.contact_id) \
        .where(PrivacyRequest.requested_by_staff_id.is_(None))
    count = select(func.count()).select_from(PrivacyRequest).where(PrivacyRequest.requested_by_staff_id.is_(None))
    if status == "open":
        query = query.where(PrivacyRequest.status.in_(STAFF_OPEN))
        count = count.where(PrivacyRequest.status.in_(STAFF_OPEN))
    return fetch_page(db, query.order_by(PrivacyRequest.due_at, PrivacyRequest.id), count, page=page,
                      page_size=page_size)


def open_count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(PrivacyRequest)
                   .where(PrivacyRequest.status.in_(STAFF_OPEN), PrivacyRequest.requested_by_staff_id.is_(None))).one()


def contact_of_request(db: Session, request_id: int) -> int:
    """The contact of a request in the queue (a staff export is not in it: NotFound)."""
    row = get_or_not_found(db, PrivacyRequest, request_id)
    if row.requested_by_staff_id is not None:
        raise NotFound()
    return row.contact_id


def refuse_request(db: Session, staff: StaffContext, request_id: int, note: str) -> PrivacyRequest:
    row = get_or_not_found(db, PrivacyRequest, request_id)
    if row.status not in STAFF_OPEN or row.kind != KIND_ERASURE:
        raise DomainError("privacy.error.not_open")
    if not note.strip():
        raise DomainError("privacy.error.note_required")
    row.status, row.handled_at, row.handled_by_staff_id = "refused", clock.now(), staff.staff_id
    row.note = note.strip()[:1000]
    db.add(row)
    audit.record(db, staff.actor, "privacy.erasure_refused", target_type="privacy_request", target_id=row.id,
                 account_id=row.account_id)
    return row


# ---- exports staff prepare (the console's contact page) ------------------------------------------------
# The same archive the contact gets, built by the same builder, as a request of its own that names the
# staff member: only they download it, once, within its day, through the console's route; the contact's
# own link stays theirs, and the legal queue does not list it.

STAFF_EXPORTS_SHOWN = 5


def request_staff_export(db: Session, staff: StaffContext, contact_id: int) -> PrivacyRequest:
    """A staff member asks for a contact's archive (one open at a time per staff member and contact)."""
    contact = get_or_not_found(db, Contact, contact_id)
    open_one = db.exec(select(PrivacyRequest.id).where(PrivacyRequest.contact_id == contact.id,
                                                       PrivacyRequest.requested_by_staff_id == staff.staff_id,
                                                       PrivacyRequest.status.in_(OPEN_STATUSES))).first()
    if open_one is not None:
        raise DomainError("privacy.error.already_open")
    now = clock.now()
    row = PrivacyRequest(account_id=contact.account_id, contact_id=contact.id, kind=KIND_EXPORT, received_at=now,
                         due_at=add_one_month(now), status="preparing", requested_by_staff_id=staff.staff_id)
    db.add(row)
    db.flush()
    audit.record(db, staff.actor, "privacy.staff_export_requested", target_type="contact", target_id=contact.id,
                 account_id=contact.account_id, request_id=row.id)
    return row


def staff_exports(db: Session, staff: StaffContext, contact_id: int) -> list[PrivacyRequest]:
    """This staff member's latest exports of the contact (expired ones marked as such first)."""
    _expire(db)
    return list(db.exec(select(PrivacyRequest).where(PrivacyRequest.contact_id == contact_id,
                                                     PrivacyRequest.requested_by_staff_id == staff.staff_id)
                        .order_by(PrivacyRequest.id.desc()).limit(STAFF_EXPORTS_SHOWN)).all())


def staff_archive_path(row: PrivacyRequest) -> str:
    return f"/api/admin/privacy/archive/{row.id}/{archive_token(row)}"


def open_staff_archive(db: Session, staff: StaffContext, request_id: int, token: str = "") -> ArchiveFile:
    """The console's download route: an export this staff member prepared, by its link, once, within its
    day. Another staff member's, a contact's own, a bad link: the same recorded refusal."""
    row = db.get(PrivacyRequest, request_id) if isinstance(request_id, int) else None

    def refuse(reason: str) -> DomainError:
        return audit.refuse(db, staff.actor, "privacy_request", row.id if row else None, reason,
                            account_id=row.account_id if row else None)

    if row is None or row.requested_by_staff_id != staff.staff_id:
        raise refuse("not_own")
    if not row.stored_name or not hashes_equal(str(token), archive_token(row)):
        raise refuse("bad_link")
    taken = _spend(db, row, refuse)
    audit.record(db, staff.actor, "privacy.staff_archive_downloaded", target_type="contact",
                 target_id=row.contact_id, account_id=row.account_id, request_id=row.id)
    return taken
