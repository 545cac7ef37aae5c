"""Time zones: which zone a reader reads times in, and the zone names the portal accepts.

Times are stored in UTC. A contact (or a staff member) may choose a zone (`time_zone`, an IANA name);
empty means "as my device": the zone the browser reports, asked once per tab by the shell
(`SiteState.set_device_zone`). With neither, the business's own zone (`registries.business_zone`, kept
by bookings' settings), else UTC. The handler helper makes the reader's zone the current one for the
event (`reading`), and `i18n.format_datetime` / `format_day` format in it (`reader_zone`): no state
passes a zone around. A message to a contact (email, SMS) has no device to ask: it uses the contact's
choice, else the business's zone, and shows the zone's abbreviation beside a time of day
(`abbreviation`)."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from typing import Callable, Iterator
from zoneinfo import ZoneInfo, available_timezones

from portal_app.core import registries
from portal_app.core.errors import DomainError

ZONE_MAX_CHARS = 64
FALLBACK_ZONE = "UTC"
# What the browser reports as its own zone (the shell runs it once per tab).
ZONE_SCRIPT = "Intl.DateTimeFormat().resolvedOptions().timeZone"

# The zone of whoever the current event formats for: a function read at format time, so a handler that
# changes the reader's zone (the profile) formats the rest of its work in the new one.
_READER: ContextVar[Callable[[], str] | None] = ContextVar("guichet_reader_zone", default=None)


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """IANA zone names offered to people and accepted from browsers (regions and cities, plus UTC)."""
    names = {z for z in available_timezones()
             if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/", "posix", "right"))}
    return tuple(sorted(names | {"UTC"}))


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(zone_names())


def is_zone(name) -> bool:
    return isinstance(name, str) and name in _known()


def zone(name) -> ZoneInfo:
    """The zone for a name; anything that is not a known zone is UTC."""
    return _zone_info(name if is_zone(name) else FALLBACK_ZONE)


@lru_cache(maxsize=None)
def _zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def check_choice(raw) -> str:
    """A person's choice from a form: "" (as my device) or a known zone name, else a clear refusal."""
    name = raw.strip() if isinstance(raw, str) else ""
    if not isinstance(raw, str) or (name and not is_zone(name)):
        shown = name[:ZONE_MAX_CHARS] if isinstance(raw, str) else ""
        raise DomainError("zone.error.unknown", zone=shown)
    return name


def business_zone(db) -> str:
    """The business's own zone (the first registered source that knows it), else UTC."""
    for source in registries.BUSINESS_ZONES:
        name = source(db)
        if is_zone(name):
            return name
    return FALLBACK_ZONE


def effective(chosen: str, device: str, business: str) -> str:
    """The zone a reader reads times in: their choice, else their device's, else the business's."""
    for name in (chosen, device, business):
        if is_zone(name):
            return name
    return FALLBACK_ZONE


def abbreviation(value: datetime, name: str) -> str:
    """The zone's abbreviation at that moment ("CET", "CEST", "EST"); "UTC+07" where the zone has none."""
    label = value.astimezone(zone(name)).tzname() or ""
    if label[:1] in ("+", "-") and label[1:].isdigit():
        label = f"UTC{label}"
    return label


@contextmanager
def reading(reader_zone: Callable[[], str] | None) -> Iterator[None]:
    """For the time of an event: `reader_zone()` is the zone dates are formatted in."""
    token = _READER.set(reader_zone)
    try:
        yield
    finally:
        _READER.reset(token)


def reader_zone() -> str:
    """The current reader's zone (UTC outside an event: a job, a command, a test calling a rule)."""
    get = _READER.get()
    name = get() if get is not None else ""
    return name if is_zone(name) else FALLBACK_ZONE
