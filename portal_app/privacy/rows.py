"""What the privacy pages show: small typed rows of display values."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.core import i18n
from portal_app.privacy.requests import archive_path, deadline_of
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
