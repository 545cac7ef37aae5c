"""Reflex configuration: the app name, the database and the allowed origins."""

import os

import reflex as rx

_base_url = os.environ.get("GUICHET_BASE_URL", "http://localhost:3000").rstrip("/")
# Only the portal's own origin may open the event websocket; tests on random ports widen it.
_origins = os.environ.get("GUICHET_CORS_ORIGINS", _base_url).split(",")

config = rx.Config(
    app_name="portal_app",
    db_url=os.environ.get("REFLEX_DB_URL", "sqlite:///guichet.db"),
    cors_allowed_origins=[o.strip() for o in _origins if o.strip()],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(appearance="light", accent_color="indigo", radius="medium"))],
)
