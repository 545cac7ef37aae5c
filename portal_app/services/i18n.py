"""Translation catalogues (locales/<lang>.json) and locale-aware formatting with Babel."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_datetime as _babel_datetime

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


def format_datetime(value: datetime | None, lang: str, tz: str = "UTC") -> str:
    if value is None:
        return ""
    return _babel_datetime(value, format="medium", tzinfo=tz, locale=lang)


# ---- bookings: dates, times and prices in the reader's locale ----------------------------------------


def format_long_date(value, lang: str) -> str:
    """'Tuesday, April 14, 2026' / 'mardi 14 avril 2026' / 'Dienstag, 14. April 2026'."""
    from babel.dates import format_date

    return format_date(value, format="full", locale=lang)


def format_short_date(value, lang: str) -> str:
    """'Tue, Apr 14' / 'mar. 14 avr.' — a day heading that fits a phone."""
    from babel.dates import format_skeleton

    return format_skeleton("MMMEd", value, locale=lang)


def format_time_of_day(value: datetime, lang: str, tz) -> str:
    """'10:00 AM' / '10:00' for an aware datetime, in the zone given (a tzinfo)."""
    from babel.dates import format_time

    return format_time(value.astimezone(tz), format="short", locale=lang)


def format_price_minor(amount_minor: int, currency: str, lang: str) -> str:
    """Integer minor units of `currency` as money for the reader: '€90.00' / '90,00 €'."""
    from decimal import Decimal

    from babel.numbers import format_currency, get_currency_precision

    return format_currency(Decimal(amount_minor).scaleb(-get_currency_precision(currency)), currency, locale=lang)
