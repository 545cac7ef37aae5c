"""Colour contrast by WCAG 2.2 (success criteria 1.4.3 and 1.4.11): the business's brand colour is
painted behind button text and used for icons and borders, so staff are told when it is too pale
(or too dark) to read, and the portal picks the text colour that reads best on it."""

from __future__ import annotations

from dataclasses import dataclass

WHITE = "#ffffff"
# The dark text the portal writes on a pale brand colour (Radix's gray-12, the page's own text colour).
DARK_TEXT = "#1c2024"
TEXT_MIN = 4.5  # WCAG 1.4.3, normal-size text
NON_TEXT_MIN = 3.0  # WCAG 1.4.11, icons, borders and focus rings


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    """WCAG's relative luminance of `#rrggbb` (0 black, 1 white)."""
    h = hex_colour.strip().lstrip("#")
    if len(h) != 6:
        raise ValueError(f"not a #rrggbb colour: {hex_colour!r}")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), from 1 (same colour) to 21 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def text_on(background: str) -> str:
    """White or the dark text colour, whichever contrasts more with `background`."""
    try:
        return WHITE if contrast_ratio(background, WHITE) >= contrast_ratio(background, DARK_TEXT) else DARK_TEXT
    except ValueError:
        return WHITE


@dataclass(frozen=True)
class BrandContrast:
    """How the brand colour reads: against white (the page, and white button text) and against the
    page's text colour. `ok` is False when either use falls short: buttons then carry dark text, and
    staff see a warning in the console settings."""

    on_white: float
    with_text: float  # the brand colour behind the text the portal writes on it (text_on)

    @property
    def ok(self) -> bool:
        return self.on_white >= TEXT_MIN and self.with_text >= TEXT_MIN

    @property
    def icons_ok(self) -> bool:
        return self.on_white >= NON_TEXT_MIN


def brand_contrast(colour: str) -> BrandContrast:
    return BrandContrast(on_white=round(contrast_ratio(colour, WHITE), 2),
                         with_text=round(contrast_ratio(colour, text_on(colour)), 2))
