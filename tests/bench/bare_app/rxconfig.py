"""A bare Reflex app: the benchmark's baseline for per-session memory and the event floor."""

import reflex as rx

config = rx.Config(
    app_name="bare_app",
    cors_allowed_origins=["*"],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
)
