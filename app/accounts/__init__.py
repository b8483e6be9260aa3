"""Staff accounts: users, roles, passwords, TOTP, server-side sessions and API tokens."""
