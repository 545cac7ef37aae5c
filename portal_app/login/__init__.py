"""Logging in: the customer's one-time code and the console's password plus TOTP."""
