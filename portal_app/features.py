"""The feature packages, in the order the app gathers them; importing this module registers every table.

A feature package shows itself to the rest of the portal only through `core.registries`: importing
its modules here is what fills them. Nothing else in the code names the features."""

from __future__ import annotations

import importlib
import pkgutil

FEATURES = ("login", "console", "dashboard", "billing", "bookings", "documents", "messages", "helpdesk", "privacy")

# Each kind of feature module, by the ending of its name: a feature may split its pages over several
# modules (`pages.py`, `admin_pages.py`, `settings_pages.py`, `contact_page.py`...).
PARTS = {
    "models": ("models",),
    "pages": ("components", "pages", "page"),
    "routes": ("routes",),
    "cli": ("cli",),
    "jobs": ("jobs",),
}


def load(kind: str) -> None:
    """Import every feature's modules of one kind (see PARTS), in the features' order."""
    for feature in FEATURES:
        package = importlib.import_module(f"portal_app.{feature}")
        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if module.name.endswith(PARTS[kind]):
                importlib.import_module(f"portal_app.{feature}.{module.name}")


import portal_app.core.models  # noqa: E402,F401  (the core tables)

load("models")
