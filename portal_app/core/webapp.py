"""Installing the portal on a phone's home screen: the web app manifest (name, colours, icons) and its
square PNG icons, drawn with Pillow from the business's logo, or from its initial on the brand colour
when it has no logo."""

from __future__ import annotations

import functools
import io

from sqlmodel import Session

from portal_app.core import business, contrast

ICON_SIZES = (192, 512)
BACKGROUND = "#ffffff"
ICON_ROUTE = "/api/icons/{size}.png"
MANIFEST_ROUTE = "/api/manifest.webmanifest"


def manifest(db: Session) -> dict:
    """The manifest of the business: its name and colour, the portal's start page, the icons. Paths are
    relative to the portal's origin (the manifest is served by the portal itself)."""
    view = business.business_view(db)
    name = view.name or "Guichet"
    return {
        "name": name,
        "short_name": name if len(name) <= 12 else name[:12].rstrip(),
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": BACKGROUND,
        "theme_color": view.brand_color,
        "icons": [{"src": ICON_ROUTE.format(size=s), "sizes": f"{s}x{s}", "type": "image/png", "purpose": "any"}
                  for s in ICON_SIZES],
    }


def icon_png(db: Session, size: int) -> bytes | None:
    """The icon of `size` pixels (one of ICON_SIZES), or None for any other size."""
    if size not in ICON_SIZES:
        return None
    view = business.business_view(db)
    path = business.branding_image_path(db, "logo")
    return _draw(size, str(path) if path else "", view.logo_file or "", view.brand_color, view.name or "G")


@functools.lru_cache(maxsize=16)
def _draw(size: int, logo_path: str, _logo_name: str, colour: str, name: str) -> bytes:
    """Cached per logo file, colour and name: a new logo has a new generated file name."""
    from PIL import Image, ImageDraw, ImageFont

    canvas = Image.new("RGB", (size, size), BACKGROUND)
    if logo_path:
        with Image.open(logo_path) as logo:
            logo = logo.convert("RGBA")
            inner = int(size * 0.8)  # a margin, so a round mask on the phone does not cut the logo
            logo.thumbnail((inner, inner), Image.LANCZOS)
            canvas.paste(logo, ((size - logo.width) // 2, (size - logo.height) // 2), logo)
    else:
        canvas = Image.new("RGB", (size, size), colour if business.HEX_COLOUR.match(colour) else "#2563eb")
        initial = (name.strip()[:1] or "G").upper()
        draw = ImageDraw.Draw(canvas)
        font = ImageFont.load_default(size=int(size * 0.55))
        draw.text((size / 2, size / 2), initial, fill=contrast.text_on(colour), font=font, anchor="mm")
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()
