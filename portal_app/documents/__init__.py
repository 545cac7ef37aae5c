"""Documents: files the business shares with an account, folders, and files customers send."""

from portal_app.core import registries

# The portal action kind this feature serves: a dashboard button of that kind leads here.
registries.action_destination("documents", "/documents")

from portal_app.documents import personal_data  # noqa: E402,F401  (what it holds about a contact, for the GDPR space)
