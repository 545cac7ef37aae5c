"""What the privacy pages show: small typed rows of display values."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.core import i18n
from portal_app.privacy.requests import archive_path, deadline_of, staff_archive_path
from portal_app.privacy.settings import text_in


@dataclass(frozen=True)
class PurposeRow:
    id: int
    name: str
    description: str
    granted: bool
    changed: str


@dataclass(frozen=True)
class HistoryRow:
    name: str
    granted: bool
    when: str
    by: str


@dataclass(frozen=True)
class RequestRow:
    id: int
    kind: str
    status: str
    received: str
    due: str
    days_left: int
    overdue: bool
    progress: int
    downloadable: bool
    expires: str
    href: str  # the archive's link while it is ready, else ""


@dataclass(frozen=True)
class VisitRow:
    staff: str
    when: str
    minutes: int
    actions: str


@dataclass(frozen=True)
class ChangeRow:
    staff: str
    when: str
    action: str


@dataclass(frozen=True)
class QueueRow:
    """A line of the console's request queue."""

    id: int
    contact_id: int
    contact: str
    kind: str
    status: str
    received: str
    due: str
    days_left: int
    overdue: bool


@dataclass(frozen=True)
class AdminPurposeRow:
    id: int
    name: str
    active: bool
    names: dict[str, str]
    descriptions: dict[str, str]


@dataclass(frozen=True)
class SignupRow:
    """A sign-up waiting for staff on the console's sign-ups page."""

    id: int
    email: str
    name: str
    when: str
    language: str


@dataclass(frozen=True)
class AccountChoice:
    """An account a waiting sign-up may be attached to; `matched`: its domains match the address."""

    value: str
    label: str
    matched: bool


@dataclass(frozen=True)
class StaffExportRow:
    """An export a staff member prepared, on the console's contact page."""

    id: int
    status: str
    progress: int
    requested: str
    expires: str
    href: str  # the console's download link while it is ready, else ""


def signup_rows(found, lang: str) -> list[SignupRow]:
    return [SignupRow(r.id, r.email, f"{r.first_name} {r.last_name}".strip(), i18n.format_datetime(r.created_at, lang),
                      r.language) for r in found]


def staff_export_rows(found, lang: str) -> list[StaffExportRow]:
    return [StaffExportRow(r.id, r.status, r.progress, i18n.format_datetime(r.received_at, lang),
                           i18n.format_datetime(r.expires_at, lang) if r.expires_at else "",
                           staff_archive_path(r) if r.status == "ready" else "") for r in found]


def purpose_rows(answers, lang: str, default: str) -> list[PurposeRow]:
    return [PurposeRow(a.purpose_id, text_in(a.names, lang, default), text_in(a.descriptions, lang, default),
                       a.granted, i18n.format_datetime(a.changed_at, lang) if a.changed_at else "")
            for a in answers]


def history_rows(items, lang: str, default: str) -> list[HistoryRow]:
    return [HistoryRow(text_in(h.names, lang, default), h.granted, i18n.format_datetime(h.at, lang), h.by)
            for h in items]


def request_rows(requests, lang: str) -> list[RequestRow]:
    out = []
    for r in requests:
        d = deadline_of(r)
        out.append(RequestRow(r.id, r.kind, r.status, i18n.format_datetime(r.received_at, lang),
                              i18n.format_datetime(r.due_at, lang), d.days_left, d.overdue, r.progress,
                              r.status == "ready", i18n.format_datetime(r.expires_at, lang) if r.expires_at else "",
                              archive_path(r) if r.status == "ready" else ""))
    return out


def queue_rows(found, lang: str) -> list[QueueRow]:
    out = []
    for r, c in found:
        d = deadline_of(r)
        out.append(QueueRow(r.id, c.id, f"{c.full_name} <{c.email}>", r.kind, r.status,
                            i18n.format_datetime(r.received_at, lang), i18n.format_datetime(r.due_at, lang),
                            d.days_left, d.overdue))
    return out
