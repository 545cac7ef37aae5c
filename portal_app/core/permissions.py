"""What each staff role may do in the console: one table of areas × {read, write}.

Every console handler names the permission it needs (`@staff_event("read")` on a state whose `area`
is "billing" needs "billing.read"; a bare `@staff_event` needs the state's area's "write"), every
console HTTP route names its own, and the console's navigation shows a link only to the roles that
may read its area. The handler helper and the routes both ask `allows(role, permission)` here, so
this table is the only place a role's reach is decided.

    owner   everything, and the only role for the business's settings and the staff users
    staff   everything but settings and staff users
    everyone  their own settings ("me": the time zone the console shows times in)
    agent   customer support: finds accounts and contacts (read), helps them log in (support),
            answers messages and tickets, shares documents, books appointments, reads billing; changes no
            account or contact record, no billing, no settings, no staff users; no audit log
"""

from __future__ import annotations

from sqlmodel import Session

from portal_app.core import audit
from portal_app.core.errors import Forbidden

READ, WRITE = "read", "write"
LEVELS = (READ, WRITE)

# The console's parts. A page, a handler or a route belongs to one of them.
AREAS = (
    "accounts",   # accounts and contacts: their records, rights, sign out everywhere
    "support",    # access diagnosis, invitations, impersonation, deliveries and login attempts
    "messages",   # the inbox and its threads
    "tickets",    # the ticket queue, its tickets and the emails waiting for staff
    "documents",  # documents and folders
    "bookings",   # the calendar and its bookings
    "billing",    # invoices, payments, the invoice import, consumption files
    "audit",      # the audit log
    "settings",   # every page that configures the business: branding, modules, portal actions,
                  # booking services, rules, hours and closed days, billing, inbox and ticket settings
    "staff",      # the staff users
    "me",         # a staff member's own settings (their time zone): every role, on themselves only
)

_ALL = {area: frozenset(LEVELS) for area in AREAS}
TABLE: dict[str, dict[str, frozenset[str]]] = {
    "owner": _ALL,
    "staff": {**_ALL, "settings": frozenset(), "staff": frozenset()},
    "agent": {area: frozenset() for area in AREAS} | {
        "accounts": frozenset({READ}),
        "support": frozenset(LEVELS),
        "messages": frozenset(LEVELS),
        "tickets": frozenset(LEVELS),
        "documents": frozenset(LEVELS),
        "bookings": frozenset(LEVELS),
        "billing": frozenset({READ}),
        "me": frozenset(LEVELS),
    },
}


class RoleForbidden(Forbidden):
    """The role does not hold the permission (not a question of which object: routes answer 403)."""

    def __init__(self):
        super().__init__("error.role_forbidden")


def split(permission: str) -> tuple[str, str]:
    """("billing", "write") from "billing.write"; ValueError for anything not in the table."""
    area, _, level = permission.partition(".")
    if area not in AREAS or level not in LEVELS:
        raise ValueError(f"unknown permission {permission!r}")
    return area, level


def allows(role: str, permission: str) -> bool:
    """Whether `role` holds `permission` ("area.read" / "area.write"). An unknown role holds nothing."""
    area, level = split(permission)
    return level in TABLE.get(role, {}).get(area, frozenset())


def held(role: str) -> list[str]:
    """Every permission a role holds ("billing.read", …): the console hides the buttons of the others."""
    return [f"{area}.{level}" for area in AREAS for level in LEVELS if allows(role, f"{area}.{level}")]


def readable_areas(role: str) -> list[str]:
    """The areas a role may open (what the console's navigation shows)."""
    return [area for area in AREAS if allows(role, f"{area}.{READ}")]


def resolve(permission: str | None, area: str | None) -> str:
    """The full permission a handler needs: "read"/"write" (or nothing: write) on the state's own
    `area`, or an explicit "other_area.level"."""
    wanted = permission or WRITE
    if "." not in wanted:
        if area is None:
            raise ValueError(f"{wanted!r} needs the state's `area`")
        wanted = f"{area}.{wanted}"
    split(wanted)
    return wanted


def require(db: Session, staff, permission: str, where: str = "") -> None:
    """Refuse (and record) a staff action the role does not allow. The audit line is committed at
    once, so the refusal's rollback cannot erase it; nothing else has been written yet."""
    if allows(staff.role, permission):
        return
    audit.record(db, staff.actor, "security.refused", target_type="console", reason="role",
                 role=staff.role, permission=permission, where=where[:120])
    db.commit()
    raise RoleForbidden()
