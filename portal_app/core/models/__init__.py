"""The core tables; importing this package registers them all (feature tables live in their packages)."""

from portal_app.core.models import accounts, audit, auth, business, notifications, notify  # noqa: F401
