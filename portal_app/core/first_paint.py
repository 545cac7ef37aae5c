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
