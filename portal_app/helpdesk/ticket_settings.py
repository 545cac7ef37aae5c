"""The business's ticket settings: types, priorities, statuses (which customers see, and what they see
in place of the others), whether customers may reopen, and where staff hear of new tickets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session

from portal_app.core import audit, clock, i18n
from portal_app.core.accounts import check_email, normalise_email
from portal_app.core.auth.staff import StaffContext, first_owner_email
from portal_app.core.db import SharedRead, singleton
from portal_app.core.errors import DomainError
from portal_app.core.models.auth import StaffUser
from portal_app.helpdesk.ticket_models import TicketSettings

DEFAULT_TYPES = ("question", "incident", "request")
DEFAULT_PRIORITIES = ("low", "normal", "high", "urgent")
# (code, shown as): "new" and "on hold" are staff words; customers see "open" in their place.
DEFAULT_STATUSES = (("new", "open"), ("open", ""), ("pending", ""), ("on_hold", "open"), ("resolved", ""),
                    ("closed", ""))
OPEN = "open"  # where a reopened ticket goes
RESOLVED = "resolved"  # what "mark as resolved" sets
CLOSED_STATUSES = ("resolved", "closed")  # a ticket in one of these is closed
CHOICES_MAX = 30
LABEL_MAX = 60
CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")


@dataclass(frozen=True)
class Choice:
    code: str
    label: str = ""  # empty: the catalogue's words for a built-in code
    shown_as: str = ""  # statuses only: empty when customers see it


@dataclass(frozen=True)
class TicketConfig:
    types: tuple[Choice, ...]
    priorities: tuple[Choice, ...]
    statuses: tuple[Choice, ...]
    reopen_allowed: bool
    staff_notify_email: str
    _labels: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def initial_status(self) -> str:
        return self.statuses[0].code if self.statuses else OPEN

    def codes(self, what: str) -> tuple[str, ...]:
        return tuple(c.code for c in getattr(self, what))

    def visible_statuses(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.statuses if not s.shown_as)

    def shown_status(self, code: str) -> str:
        """What customers see for a ticket in status `code`: itself when visible, else the status the
        business maps it to (a status since removed from the settings: "open")."""
        for s in self.statuses:
            if s.code == code:
                return s.shown_as or s.code
        return OPEN

    def statuses_shown_as(self, visible: str) -> list[str]:
        """Every status customers see as `visible` (the customer's status filter)."""
        return [s.code for s in self.statuses if (s.shown_as or s.code) == visible]

    def label(self, what: str, code: str, lang: str) -> str:
        """The words for a type, priority or status: the business's own, else the catalogue's, else the code."""
        key = (what, code, lang)
        words = self._labels.get(key)
        if words is None:  # every line of a list asks for three: each is looked up once per settings
            words = self._labels[key] = self._label(what, code, lang)
        return words

    def _label(self, what: str, code: str, lang: str) -> str:
        for c in getattr(self, what):
            if c.code == code and c.label:
                return c.label
        key = f"tickets.{what}.{code}"
        text = i18n.t(lang, key)
        return code.replace("_", " ") if text == key else text

    def choices(self, what: str, lang: str, codes: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
        """(code, words) for a select."""
        return [(code, self.label(what, code, lang)) for code in (codes if codes is not None else self.codes(what))]


def _row(db: Session) -> TicketSettings:
    return singleton(db, TicketSettings, types=[{"code": c, "label": ""} for c in DEFAULT_TYPES],
                     priorities=[{"code": c, "label": ""} for c in DEFAULT_PRIORITIES],
                     statuses=[{"code": c, "label": "", "shown_as": s} for c, s in DEFAULT_STATUSES])


def _config(db: Session) -> TicketConfig:
    row = _row(db)
    return TicketConfig(
        types=tuple(Choice(d["code"], d.get("label", "")) for d in row.types),
        priorities=tuple(Choice(d["code"], d.get("label", "")) for d in row.priorities),
        statuses=tuple(Choice(d["code"], d.get("label", ""), d.get("shown_as", "")) for d in row.statuses),
        reopen_allowed=row.reopen_allowed, staff_notify_email=row.staff_notify_email)


# Every tickets page and list line reads them; they change a few times a year (SharedRead: this worker
# sees a change once committed, another within seconds).
config = SharedRead(_config, TicketSettings)


# ---- editing (the console's settings page: one line per choice) -----------------------------------------


def as_lines(choices: tuple[Choice, ...], with_shown_as: bool = False) -> str:
    """The settings form's text: `code | label` (`| shown as` for statuses), one choice a line."""
    out = []
    for c in choices:
        parts = [c.code, c.label] + ([c.shown_as] if with_shown_as else [])
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        out.append(" | ".join(parts))
    return "\n".join(out)


def parse_lines(text: str, what: str, *, with_shown_as: bool = False) -> list[Choice]:
    found: list[Choice] = []
    for number, line in enumerate((text or "").splitlines()[:CHOICES_MAX + 1], start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        code = parts[0].lower()
        if not CODE_RE.match(code) or len(parts) > (3 if with_shown_as else 2):
            raise DomainError("tickets.error.bad_line", what=what, line=number)
        if code in (c.code for c in found):
            raise DomainError("tickets.error.duplicate", what=what, code=code)
        label = parts[1][:LABEL_MAX] if len(parts) > 1 else ""
        shown_as = parts[2].lower() if len(parts) > 2 else ""
        found.append(Choice(code, label, "" if shown_as == code else shown_as))
    if not found:
        raise DomainError("tickets.error.none", what=what)
    if len(found) > CHOICES_MAX:
        raise DomainError("tickets.error.too_many", what=what, max=CHOICES_MAX)
    return found


def check_statuses(statuses: list[Choice]) -> None:
    visible = {s.code for s in statuses if not s.shown_as}
    for needed in (OPEN, RESOLVED):
        if needed not in visible:
            raise DomainError("tickets.error.status_needed", code=needed)
    for s in statuses:
        if s.shown_as and s.shown_as not in visible:
            raise DomainError("tickets.error.shown_as", code=s.code, shown_as=s.shown_as)


def update_settings(db: Session, staff: StaffContext, *, types: str, priorities: str, statuses: str,
                    reopen_allowed: bool, staff_notify_email: str) -> TicketSettings:
    new_types = parse_lines(types, "types")
    new_priorities = parse_lines(priorities, "priorities")
    new_statuses = parse_lines(statuses, "statuses", with_shown_as=True)
    check_statuses(new_statuses)
    address = check_email(staff_notify_email) if normalise_email(staff_notify_email) else ""
    row = _row(db)
    row.types = [{"code": c.code, "label": c.label} for c in new_types]
    row.priorities = [{"code": c.code, "label": c.label} for c in new_priorities]
    row.statuses = [{"code": c.code, "label": c.label, "shown_as": c.shown_as} for c in new_statuses]
    row.reopen_allowed, row.staff_notify_email, row.updated_at = bool(reopen_allowed), address[:254], clock.now()
    db.add(row)
    db.flush()
    audit.record(db, staff.actor, "tickets.settings", target_type="ticket_settings", target_id=1)
    return row


def staff_recipient(db: Session, cfg: TicketConfig, assignee_staff_id: int | None) -> str | None:
    """Who hears of a customer's new ticket or reply: its assignee, else the configured address, else the
    first active owner."""
    if assignee_staff_id:
        user = db.get(StaffUser, assignee_staff_id)
        if user is not None and user.active:
            return user.email
    if cfg.staff_notify_email:
        return cfg.staff_notify_email
    return first_owner_email(db)
