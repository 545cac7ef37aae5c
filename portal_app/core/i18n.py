"""Translation catalogues (locales/<lang>.json) and locale-aware formatting with Babel."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_datetime as _babel_datetime

from portal_app.core import zones

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
FALLBACK_LANGUAGE = "en"
# Each language's own name, shown in the picker.
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "de": "Deutsch",
    "da": "Dansk",
    "nl": "Nederlands",
    "he": "עברית",
    "pt": "Português",
    "es": "Español",
    "th": "ไทย",
}
RTL_LANGUAGES = {"he"}


@lru_cache(maxsize=None)
def _raw_catalogue(lang: str) -> dict[str, str]:
    path = LOCALES_DIR / f"{lang}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def shipped_languages() -> list[str]:
    """Languages that have a catalogue file."""
    return list(_shipped())


@lru_cache(maxsize=1)
def _shipped() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in LOCALES_DIR.glob("*.json")))


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """The full catalogue for a language, English filling any gap."""
    merged = dict(_raw_catalogue(FALLBACK_LANGUAGE))
    merged.update(_raw_catalogue(lang))
    return merged


def t(lang: str, key: str, **params) -> str:
    text = catalogue(lang).get(key)
    if text is None:
        return key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def pick_language(wanted: str | None, offered: list[str], default: str) -> str:
    """The wanted language if the business offers it, else the business default."""
    offered = offered or [default]
    if wanted:
        wanted = wanted.strip().lower()[:8]
        if wanted in offered:
            return wanted
        base = wanted.split("-")[0]
        if base in offered:
            return base
    return default if default in offered else offered[0]


def format_datetime(value: datetime | None, lang: str, tz: str | None = None) -> str:
    """A moment in the reader's locale and time zone: `tz`, else the current reader's (`zones.reader_zone`,
    set by the handler helper for the event)."""
    if value is None:
        return ""
    return _format_datetime(value, lang, tz or zones.reader_zone())


# Kept like `format_money` below: a list formats a date and time per row (Babel: 0.1 ms each), and
# the same moments come back on every load of the list.
@lru_cache(maxsize=8192)
def _format_datetime(value: datetime, lang: str, tz: str) -> str:
    return _babel_datetime(value, format="medium", tzinfo=zones.zone(tz), locale=lang)


# ---- bookings: dates, times and prices in the reader's locale ----------------------------------------
# Cached per value like the dates of the other lists: a bookings page formats a day and two times per
# line on every load.


@lru_cache(maxsize=8192)
def format_long_date(value, lang: str) -> str:
    """'Tuesday, April 14, 2026' / 'mardi 14 avril 2026' / 'Dienstag, 14. April 2026'."""
    from babel.dates import format_date

    return format_date(value, format="full", locale=lang)


@lru_cache(maxsize=8192)
def format_short_date(value, lang: str) -> str:
    """'Tue, Apr 14' / 'mar. 14 avr.' — a day heading that fits a phone."""
    from babel.dates import format_skeleton

    return format_skeleton("MMMEd", value, locale=lang)


@lru_cache(maxsize=8192)
def format_time_of_day(value: datetime, lang: str, tz) -> str:
    """'10:00 AM' / '10:00' for an aware datetime, in the zone given (a tzinfo)."""
    from babel.dates import format_time

    return format_time(value.astimezone(tz), format="short", locale=lang)


def format_price_minor(amount_minor: int, currency: str, lang: str) -> str:
    """Integer minor units of `currency` as money for the reader: '€90.00' / '90,00 €'."""
    return format_money(amount_minor, currency, lang)


# ---- money and dates (billing) ------------------------------------------------------------------


@lru_cache(maxsize=None)
def currency_precision(currency: str) -> int:
    """Digits after the decimal point of a currency's minor unit (EUR 2, JPY 0, KWD 3)."""
    from babel.numbers import get_currency_precision

    return get_currency_precision(currency.upper())


def minor_to_decimal(minor: int, currency: str):
    from decimal import Decimal

    return Decimal(int(minor)).scaleb(-currency_precision(currency))


@lru_cache(maxsize=None)
def _locale(lang: str):
    from babel import Locale

    return Locale.parse(lang or FALLBACK_LANGUAGE)


@lru_cache(maxsize=None)
def _pattern(lang: str, kind: str, fmt: str):
    loc = _locale(lang)
    return loc.currency_formats[fmt] if kind == "currency" else loc.date_formats[fmt]


# Lists show dozens of amounts and dates per event, Babel takes tens of microseconds for each, and
# the same amounts and dates come back month after month: the formatted strings are kept.
@lru_cache(maxsize=16384)
def format_money(minor: int, currency: str, lang: str) -> str:
    """Integer minor units shown in the reader's locale: 123456 EUR → "1 234,56 €" in French.
    (What Babel's format_currency does, with the locale and its pattern parsed once.)"""
    return _pattern(lang, "currency", "standard").apply(minor_to_decimal(minor, currency), _locale(lang),
                                                        currency=currency.upper(), currency_digits=True)


@lru_cache(maxsize=8192)
def format_date(value, lang: str, fmt: str = "medium") -> str:
    """A calendar date (no time zone) in the reader's locale."""
    if value is None:
        return ""
    return _pattern(lang, "date", fmt).apply(value, _locale(lang))


@lru_cache(maxsize=1024)
def format_month(value, lang: str) -> str:
    """A short month and year for chart axes ("Mar 2026", "mars 2026")."""
    from babel.dates import format_date as _babel_date

    return _babel_date(value, format="MMM y", locale=lang or FALLBACK_LANGUAGE)


# ---- documents and messages ------------------------------------------------------------------------


def format_day(value: datetime | None, lang: str, tz: str | None = None) -> str:
    """The day of a moment, in the reader's locale and time zone (lists of documents and articles)."""
    if value is None:
        return ""
    return _format_day(value, lang, tz or zones.reader_zone())


@lru_cache(maxsize=8192)
def _format_day(value: datetime, lang: str, tz: str) -> str:
    from babel.dates import format_date as _babel_date

    return _babel_date(value.astimezone(zones.zone(tz)).date(), format="medium", locale=lang)


# Kept like dates: a list of documents shows a size per line on every load, Babel takes tens of
# microseconds for each, and a reload shows the same sizes.
@lru_cache(maxsize=8192)
def format_size(size_bytes: int, lang: str) -> str:
    """A file size for people: "820 B", "1.4 MB" ("1,4 Mo" in French), from the catalogue's units."""
    from babel.numbers import format_decimal

    if size_bytes < 1024:
        return t(lang, "size.bytes", n=size_bytes)
    if size_bytes < 1024 * 1024:
        return t(lang, "size.kb", n=format_decimal(round(size_bytes / 1024), locale=lang))
    return t(lang, "size.mb", n=format_decimal(round(size_bytes / (1024 * 1024), 1), format="#,##0.#", locale=lang))
