"""Paint the prerendered page before hydrating it (issue 14: the login page usable within a second).

Reflex's production build prerenders every page: the login form, the header and a page's frame are in
the HTML. Its browser entry (`.web/app/entry.client.js`) hydrates that HTML as soon as the scripts are
in, and hydration (React, Radix, Emotion's styles) is the longest task of the first load: when the
scripts arrive quickly (a cached or a fast connection) the browser runs it before its first paint, and
the page shows nothing until it is done. This plugin writes the same entry, but starts hydration after
the next frame has painted: the form is on screen first, then becomes interactive. Nothing else
changes: the session is checked by the page's load event once the websocket is up, as before."""

from __future__ import annotations

from reflex_base.plugins.base import Plugin
from reflex_components_radix.plugin import RadixThemesPlugin

ENTRY_PATH = "app/entry.client.js"  # reflex_base.constants.Embed.ENTRY_PATH
ENTRY = """\
import { startTransition } from "react";
import { hydrateRoot } from "react-dom/client";
import { HydratedRouter } from "react-router/dom";
import { createElement } from "react";

// Guichet (portal_app/core/first_paint.py): paint the prerendered HTML first, hydrate after that frame.
const hydrate = () => startTransition(() => {
  hydrateRoot(document, createElement(HydratedRouter));
});
requestAnimationFrame(() => setTimeout(hydrate, 0));
"""


def _entry() -> tuple[str, str]:
    return ENTRY_PATH, ENTRY


class PaintFirstPlugin(Plugin):
    """Owns `entry.client.js` (see the module's docstring)."""

    def pre_compile(self, **context):
        context["add_save_task"](_entry)

    def provides_entry_client(self) -> bool:
        return True


# Radix Themes' one stylesheet defines all 30 of its colour scales (light and dark, sRGB and P3): most of
# its 800 KB, thousands of custom properties on the root that the browser parses before the first paint
# and carries through every style computation. Radix documents importing the tokens, the scales one
# uses, the components and the utilities instead; these are the scales Guichet names (`color_scheme=`,
# `var(--…-N)`: tests/core/test_first_load.py checks the code names no other), its accent (indigo) and
# the accent's grey (slate).
THEME_COLOURS = ("gray", "slate", "indigo", "red", "green", "amber", "blue", "purple", "orange", "teal")


class RadixThemesSubset(RadixThemesPlugin):
    """Reflex's Radix Themes plugin, with only the colour scales of THEME_COLOURS in the stylesheet."""

    def get_stylesheet_paths(self, **context) -> tuple[str, ...]:
        if not self.enabled:
            return ()
        return ("@radix-ui/themes/tokens/base.css",
                *(f"@radix-ui/themes/tokens/colors/{colour}.css" for colour in THEME_COLOURS),
                "@radix-ui/themes/components.css", "@radix-ui/themes/utilities.css")
