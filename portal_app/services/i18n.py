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


# ---- issue 4: documents and messages ---------------------------------------------------------------


def format_date(value: datetime | None, lang: str, tz: str = "UTC") -> str:
    """A short date in the reader's locale (lists of documents and messages)."""
    if value is None:
        return ""
    from babel.dates import format_date as _babel_date

    return _babel_date(value.astimezone(_zone(tz)).date(), format="medium", locale=lang)


def _zone(tz: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


def format_size(size_bytes: int, lang: str) -> str:
    """A file size for people: "820 B", "1.4 MB" ("1,4 Mo" in French), from the catalogue's units."""
    from babel.numbers import format_decimal

    if size_bytes < 1024:
        return t(lang, "size.bytes", n=size_bytes)
    if size_bytes < 1024 * 1024:
        return t(lang, "size.kb", n=format_decimal(round(size_bytes / 1024), locale=lang))
    return t(lang, "size.mb", n=format_decimal(round(size_bytes / (1024 * 1024), 1), format="#,##0.#", locale=lang))
