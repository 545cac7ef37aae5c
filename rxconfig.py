"""Reflex configuration: the app name, the database and the allowed origins."""

import os

import reflex as rx

from portal_app.core.config import allowed_origins

config = rx.Config(
    app_name="portal_app",
    db_url=os.environ.get("REFLEX_DB_URL", "sqlite:///guichet.db"),
    # Only the portal's own origin (and, outside production, its loopback names) may open the websocket.
    cors_allowed_origins=allowed_origins(),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(appearance="light", accent_color="indigo", radius="medium"))],
    # With Redis (several workers), an event that keeps its tab's lock longer than this is dropped and its
    # state change lost. Reflex's 10 s failed logins in a burst on busy workers (tests/bench/bench_workers.py);
    # a tab whose worker dies mid-event now waits up to 60 s for its lock instead.
    redis_lock_expiration=60_000,
)
