"""Who is acting: customer code login, portal sessions, staff login with TOTP, impersonation."""
