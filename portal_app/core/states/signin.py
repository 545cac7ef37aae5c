"""A contact's sign-in methods as both sides show them (the customer's Sign-in methods page and the
console's contact page): passkeys and trusted browsers, as rows of display values."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal_app.core import i18n
from portal_app.core.auth import devices, passkeys


@dataclass(frozen=True)
class SignInRow:
    id: int = 0
    name: str = ""
    since: str = ""  # added on
    when: str = ""  # passkey: last used ("" never); trusted browser: trusted until


def _when(value, lang: str) -> str:
    return i18n.format_datetime(value, lang) if value else ""


def passkey_rows(db: Session, contact_id: int, lang: str) -> list[SignInRow]:
    return [SignInRow(p.id, p.name, _when(p.created_at, lang), _when(p.last_used_at, lang))
            for p in passkeys.list_for(db, contact_id)]


def trusted_rows(db: Session, contact_id: int, lang: str) -> list[SignInRow]:
    return [SignInRow(r.id, r.label, _when(r.created_at, lang), _when(r.expires_at, lang))
            for r in devices.list_trusted(db, contact_id)]
