"""Privacy: the customer's GDPR space (personal data, consents, data requests, access log) and its console side."""

from portal_app.privacy import held  # noqa: F401  (what the core tables hold about a contact, for export and erasure)
