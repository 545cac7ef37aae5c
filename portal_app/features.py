"""The feature packages, in the order the app gathers them; importing this module registers every table.

A feature package shows itself to the rest of the portal only through `core.registries`: importing
its modules here is what fills them. Nothing else in the code names the features."""

from __future__ import annotations

import importlib
import importlib.util

FEATURES = ("login", "console", "dashboard", "billing", "bookings", "documents", "messages")

# Each feature module kind, loaded when the app (or a command) needs it.
PARTS = {
    "models": ("models",),
    "pages": ("components", "pages", "admin_pages", "staff_pages", "accounts_pages", "contacts_pages", "contact_page",
              "logs_pages", "settings_pages"),
    "routes": ("routes",),
    "cli": ("cli",),
    "jobs": ("jobs",),
}


def load(kind: str) -> None:
    """Import every feature's modules of one kind (see PARTS); missing ones are skipped."""
    for feature in FEATURES:
        for part in PARTS[kind]:
            name = f"portal_app.{feature}.{part}"
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)


import portal_app.core.models  # noqa: E402,F401  (the core tables)

load("models")
