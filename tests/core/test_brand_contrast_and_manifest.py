"""The brand colour's contrast (WCAG 2.2, 1.4.3): the rule, the button text it picks, the console's warning;
and the installable portal: the web app manifest and its icons drawn from the logo."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from starlette.testclient import TestClient

from portal_app.console.settings_state import AdminSettingsState
from portal_app.core import audit, business, contrast
from portal_app.core.db import session_scope
from portal_app.core.routes import build_api
from portal_app.core.states.site import SiteState
from tests.factories import set_business, staff_session
from tests.support.states import sub


@pytest.mark.parametrize("a, b, ratio", [
    ("#000000", "#ffffff", 21.0),  # the extremes
    ("#ffffff", "#ffffff", 1.0),
    ("#777777", "#ffffff", 4.48),  # the classic grey just under AA
    ("#767676", "#ffffff", 4.54),  # and the one just over it
    ("#0f766e", "#ffffff", 5.47),  # the demo business's teal
    ("#ffffff", "#2563eb", 5.17),  # order does not matter
])
def test_contrast_ratio_matches_wcag_values(a, b, ratio):
    assert contrast.contrast_ratio(a, b) == pytest.approx(ratio, abs=0.01)


def test_pale_brand_colours_get_dark_button_text_and_fail_the_check():
    assert contrast.text_on("#0f766e") == "#ffffff"
    assert contrast.text_on("#fde047") == "#1c2024"  # yellow: white text would be 1.3:1
    assert contrast.brand_contrast("#0f766e").ok
    pale = contrast.brand_contrast("#fde047")
    assert not pale.ok and pale.on_white == pytest.approx(1.32, abs=0.01) and pale.with_text >= 4.5
    assert not contrast.brand_contrast("#777777").ok  # 4.48:1, under 4.5 by a hair
    with pytest.raises(ValueError):
        contrast.relative_luminance("pink")


def _settings_page(root, colour: str):
    with session_scope() as db:
        before = business.get_business(db).brand_color
        set_business(db, brand_color=colour)
        token = staff_session(db)
    business.forget_cached_business()
    page = sub(root, AdminSettingsState)
    page.staff_sid = token
    page.load_settings()
    return page, before


def test_console_settings_warn_when_the_brand_colour_fails_contrast(root):
    page, before = _settings_page(root, "#fde047")
    try:
        warning = page.contrast_warning
        assert "#fde047" in warning and "1.3:1" in warning and "4.5:1" in warning
        site = sub(root, SiteState)
        site.load_site()
        assert site.brand_text_color == "#1c2024"  # the buttons stay readable
        page2, _ = _settings_page(root, "#0f766e")
        assert page2.contrast_warning == ""
        site.load_site()
        assert site.brand_text_color == "#ffffff"
    finally:
        with session_scope() as db:
            set_business(db, brand_color=before)
        business.forget_cached_business()


def test_manifest_names_the_business_and_its_icons_are_pngs_of_both_sizes():
    with session_scope() as db:
        row = business.get_business(db)
        before = (row.name, row.brand_color, row.logo_file)
        set_business(db, name="Boulangerie Martin & Fils", brand_color="#aa3366", logo_file=None)
    business.forget_cached_business()
    client = TestClient(build_api())
    try:
        response = client.get("/api/manifest.webmanifest")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/manifest+json")
        manifest = json.loads(response.content)
        assert manifest["name"] == "Boulangerie Martin & Fils" and manifest["short_name"] == "Boulangerie"
        assert manifest["theme_color"] == "#aa3366" and manifest["display"] == "standalone"
        assert manifest["start_url"] == "/"
        assert [i["sizes"] for i in manifest["icons"]] == ["192x192", "512x512"]
        for icon in manifest["icons"]:
            png = client.get(icon["src"])
            assert png.status_code == 200 and png.headers["content-type"] == "image/png"
            img = Image.open(io.BytesIO(png.content))
            assert img.format == "PNG" and f"{img.width}x{img.height}" == icon["sizes"]
            # no logo: the brand colour fills the icon (a corner pixel)
            assert img.convert("RGB").getpixel((2, 2)) == (0xaa, 0x33, 0x66)
        # only the two sizes are drawn: anything else is the files' one refusal
        assert client.get("/api/icons/4096.png").status_code == 404
        assert client.get("/api/icons/abc.png").status_code == 404
    finally:
        with session_scope() as db:
            set_business(db, name=before[0], brand_color=before[1], logo_file=before[2])
        business.forget_cached_business()


def test_icons_are_drawn_from_the_uploaded_logo():
    buf = io.BytesIO()
    Image.new("RGB", (300, 100), (20, 200, 40)).save(buf, format="PNG")  # a wide green logo
    with session_scope() as db:
        before = business.get_business(db).logo_file
        name, _ = business.store_branding_image(db, audit.SYSTEM, "logo", buf.getvalue())
    business.forget_cached_business()
    try:
        img = Image.open(io.BytesIO(TestClient(build_api()).get("/api/icons/512.png").content)).convert("RGB")
        assert img.size == (512, 512)
        assert img.getpixel((256, 256)) == (20, 200, 40)  # the logo in the middle
        assert img.getpixel((4, 4)) == (255, 255, 255)  # on white, with a margin
    finally:
        with session_scope() as db:
            set_business(db, logo_file=before)
        business.remove_branding_file(name)
        business.forget_cached_business()
