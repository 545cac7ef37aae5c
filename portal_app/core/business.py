"""Business settings: branding, languages, login options; and the branding images."""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session

from portal_app.core.db import SharedRead, singleton
from portal_app.core.config import get_settings
from portal_app.core.models.business import BusinessSettings
from portal_app.core.models.accounts import MODULES
from portal_app.core import audit, clock
from portal_app.core.errors import DomainError
from portal_app.core.i18n import shipped_languages
from portal_app.core.notify import Branding

IMAGE_MAX_BYTES = 2 * 1024 * 1024
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}  # no SVG: it can carry script
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def get_business(db: Session) -> BusinessSettings:
    return singleton(db, BusinessSettings, languages=["en", "fr", "de"], default_language="en",
                     modules=list(MODULES))


@dataclass(frozen=True)
class BusinessView:
    """What every page and email shows of the business; a plain snapshot, safe to share."""

    name: str
    brand_color: str
    logo_file: str | None
    login_image_file: str | None
    login_text: str
    default_language: str
    languages: tuple[str, ...]
    sender_name: str
    modules: tuple[str, ...] = ()
    customer_totp: str = "optional"  # optional | admins | all
    password_login_enabled: bool = False


CUSTOMER_TOTP_CHOICES = ("optional", "admins", "all")


def _business_view(db: Session) -> BusinessView:
    row = get_business(db)
    return BusinessView(name=row.name, brand_color=row.brand_color, logo_file=row.logo_file,
                        login_image_file=row.login_image_file, login_text=row.login_text,
                        default_language=row.default_language, languages=tuple(row.languages or ()),
                        sender_name=row.sender_name, modules=tuple(row.modules or ()),
                        customer_totp=row.customer_totp or "optional",
                        password_login_enabled=bool(row.password_login_enabled))


# Every event shows or checks the branding and the modules; they change a few times a year. This worker
# sees a change as soon as it is committed, another worker within SHARED_READ_SECONDS.
business_view = SharedRead(_business_view, BusinessSettings)


def forget_cached_business() -> None:
    """For a change made outside the ORM (a test's raw SQL, a restore)."""
    business_view.forget()


def offered_languages(row: BusinessSettings | BusinessView) -> list[str]:
    shipped = set(shipped_languages())
    langs = [lang for lang in (row.languages or []) if lang in shipped]
    return langs or [row.default_language]


def branding(db: Session) -> Branding:
    row = business_view(db)
    logo = f"{get_settings().base_url}/api/brand/logo?v={row.logo_file}" if row.logo_file else None
    from portal_app.core.notify.templates import load_rewrites

    return Branding(name=row.name, color=row.brand_color, logo_url=logo,
                    sender_name=row.sender_name or row.name, templates=load_rewrites(db))


def update_business(db: Session, actor: audit.Actor, *, name: str, brand_color: str, login_text: str,
                    default_language: str, languages: list[str], sender_name: str,
                    password_login_enabled: bool, modules: list[str] | None = None,
                    customer_totp: str | None = None) -> BusinessSettings:
    row = get_business(db)
    name = name.strip()
    if not name:
        raise DomainError("settings.error.name_required")
    if not HEX_COLOUR.match(brand_color.strip()):
        raise DomainError("settings.error.colour")
    shipped = set(shipped_languages())
    languages = [lang for lang in dict.fromkeys(languages) if lang in shipped]
    if not languages:
        raise DomainError("settings.error.languages")
    if default_language not in languages:
        raise DomainError("settings.error.default_language")
    if customer_totp is not None and customer_totp not in CUSTOMER_TOTP_CHOICES:
        raise DomainError("settings.error.customer_totp")
    # Checked first, changed after: a refusal is committed with its session and must leave the row as it was.
    row.name = name[:200]
    row.brand_color = brand_color.strip().lower()
    row.login_text = login_text.strip()[:2000]
    row.languages = languages
    row.default_language = default_language
    row.sender_name = sender_name.strip()[:200]
    row.password_login_enabled = bool(password_login_enabled)
    if modules is not None:
        row.modules = [m for m in MODULES if m in modules]
    if customer_totp is not None:
        row.customer_totp = customer_totp
    row.updated_at = clock.now()
    db.add(row)
    audit.record(db, actor, "settings.update", target_type="business", target_id=1)
    return row


def _check_image(data: bytes) -> str:
    """The image's real type, read from its content (a name or a MIME header can lie)."""
    if len(data) > IMAGE_MAX_BYTES:
        raise DomainError("settings.error.image_too_large", max_mb=IMAGE_MAX_BYTES // (1024 * 1024))
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DomainError("settings.error.image_type") from None
    if fmt not in IMAGE_FORMATS:
        raise DomainError("settings.error.image_type")
    return IMAGE_FORMATS[fmt]


def branding_dir():
    path = get_settings().data_dir / "branding"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_branding_image(db: Session, actor: audit.Actor, which: str, data: bytes) -> tuple[str, str | None]:
    """Save a logo or login image under a generated name outside any public folder.

    Returns (new name, previous name): the caller removes the previous file once committed."""
    if which not in ("logo", "login_image"):
        raise DomainError("error.forbidden")
    ext = _check_image(data)
    name = f"{which}-{secrets.token_hex(8)}.{ext}"
    (branding_dir() / name).write_bytes(data)
    row = get_business(db)
    old = getattr(row, f"{which}_file")
    setattr(row, f"{which}_file", name)
    row.updated_at = clock.now()
    db.add(row)
    audit.record(db, actor, f"settings.{which}", target_type="business", target_id=1)
    return name, (old if old and old != name else None)


def remove_branding_file(name: str | None) -> None:
    if name and "/" not in name and "\\" not in name:
        (branding_dir() / name).unlink(missing_ok=True)


def branding_image_path(db: Session, which: str):
    """Path of the current logo or login image, or None."""
    row = get_business(db)
    name = row.logo_file if which == "logo" else row.login_image_file if which == "login_image" else None
    if not name:
        return None
    path = branding_dir() / name
    return path if path.is_file() else None
