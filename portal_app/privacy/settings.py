"""The GDPR space's settings: the business's intro text per language and the data protection officer's email."""

from __future__ import annotations

from sqlmodel import Session

from portal_app.core import audit, clock, i18n
from portal_app.core.accounts import check_email
from portal_app.core.db import singleton
from portal_app.core.errors import DomainError
from portal_app.privacy.models import PrivacySettings

INTRO_MAX_CHARS = 4000


def get_settings_row(db: Session) -> PrivacySettings:
    return singleton(db, PrivacySettings)


def text_in(texts: dict, lang: str, default_lang: str) -> str:
    """A per-language text in `lang`, else the business's default language, else any written one."""
    texts = texts or {}
    return texts.get(lang) or texts.get(default_lang) or next((v for v in texts.values() if v), "")


def update_settings(db: Session, actor: audit.Actor, *, intro: dict[str, str], dpo_email: str,
                    signup_enabled: bool | None = None) -> PrivacySettings:
    """`signup_enabled`: self-service sign-up from the login page (None: unchanged)."""
    row = get_settings_row(db)
    shipped = i18n.shipped_languages()
    cleaned = {lang: str(text).strip()[:INTRO_MAX_CHARS] for lang, text in intro.items() if lang in shipped}
    email = dpo_email.strip()
    if email:
        try:
            email = check_email(email)
        except DomainError:
            raise DomainError("privacy.error.dpo_email") from None
    if signup_enabled is not None:  # after the checks: a refusal is committed with its session
        row.signup_enabled = bool(signup_enabled)
    row.intro = {k: v for k, v in cleaned.items() if v}
    row.dpo_email = email
    row.updated_at = clock.now()
    db.add(row)
    audit.record(db, actor, "privacy.settings", target_type="privacy_settings", target_id=row.id)
    return row
