"""Business settings and branding images."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from portal_app.core import audit, business
from portal_app.core.errors import DomainError


def png_bytes(size=(8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 110)).save(buf, format="PNG")
    return buf.getvalue()


def test_update_validates(db):
    common = dict(name="Acme", brand_color="#112233", login_text="", default_language="fr",
                  languages=["en", "fr"], sender_name="Acme", password_login_enabled=False)
    row = business.update_business(db, audit.SYSTEM, **common)
    assert row.default_language == "fr" and row.languages == ["en", "fr"]
    for bad, key in [({"brand_color": "red"}, "settings.error.colour"), ({"name": " "}, "settings.error.name_required"),
                     ({"languages": ["xx"]}, "settings.error.languages"),
                     ({"default_language": "de"}, "settings.error.default_language")]:
        with pytest.raises(DomainError) as err:
            business.update_business(db, audit.SYSTEM, **{**common, **bad})
        assert err.value.key == key


def test_a_refused_update_changes_nothing_though_its_session_commits(db):
    """A refusal is an answer: the handler's session commits (its audit lines and limits hold), so every
    check comes before the first change."""
    from sqlmodel import select

    from portal_app.core.models.audit import AuditEvent

    common = dict(name="Acme", brand_color="#112233", login_text="", default_language="en",
                  languages=["en", "fr"], sender_name="Acme", password_login_enabled=False, customer_totp="optional")
    business.update_business(db, audit.SYSTEM, **common)
    db.commit()
    audits = len(db.exec(select(AuditEvent).where(AuditEvent.action == "settings.update")).all())
    with pytest.raises(DomainError) as err:
        business.update_business(db, audit.SYSTEM, **{**common, "name": "Renamed", "customer_totp": "everyone"})
    assert err.value.key == "settings.error.customer_totp"
    db.commit()
    db.expire_all()
    row = business.get_business(db)
    assert (row.name, row.customer_totp) == ("Acme", "optional")
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "settings.update")).all()) == audits


def test_logo_stored_outside_public_folders_under_a_generated_name(db):
    name, previous = business.store_branding_image(db, audit.SYSTEM, "logo", png_bytes())
    assert previous is None
    path = business.branding_image_path(db, "logo")
    assert path.name == name and name.startswith("logo-") and name.endswith(".png")
    assert "uploaded_files" not in str(path) and "assets" not in str(path)


@pytest.mark.parametrize("data", [b"<svg onload=alert(1)></svg>", b"GIF89a" + b"\0" * 20, b"%PDF-1.7 fake",
                                  b"\x89PNG\r\n\x1a\n" + b"garbage"])
def test_non_images_refused_by_content(db, data):
    with pytest.raises(DomainError) as err:
        business.store_branding_image(db, audit.SYSTEM, "logo", data)
    assert err.value.key == "settings.error.image_type"


def test_image_size_limit(db):
    with pytest.raises(DomainError) as err:  # 2 MB, by its literal value
        business.store_branding_image(db, audit.SYSTEM, "logo", b"\0" * (2 * 1024 * 1024 + 1))
    assert err.value.key == "settings.error.image_too_large"


def test_only_known_image_slots(db):
    with pytest.raises(DomainError):
        business.store_branding_image(db, audit.SYSTEM, "../../etc/passwd", png_bytes())


def test_brand_files_are_png_jpeg_or_webp_only(db):
    """The allow-list, by its literal formats: real images of every other common kind are refused."""
    def image(fmt: str) -> bytes:
        buf = io.BytesIO()
        Image.new("RGB", (8, 8), (10, 120, 110)).save(buf, format=fmt)
        return buf.getvalue()

    accepted = {fmt: business.store_branding_image(db, audit.SYSTEM, "logo", image(fmt))[0].rsplit(".", 1)[1]
                for fmt in ("PNG", "JPEG", "WEBP")}
    assert accepted == {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
    for fmt in ("GIF", "BMP", "TIFF", "ICO", "PPM", "PDF"):
        with pytest.raises(DomainError) as err:
            business.store_branding_image(db, audit.SYSTEM, "login_image", image(fmt))
        assert err.value.key == "settings.error.image_type", fmt
    with pytest.raises(DomainError):
        business.store_branding_image(db, audit.SYSTEM, "logo", b'<svg xmlns="http://www.w3.org/2000/svg"/>')
