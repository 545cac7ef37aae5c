"""The staff console: accounts, contacts (invitation, diagnosis, impersonation), logs, business settings."""
