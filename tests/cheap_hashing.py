"""Staff passwords in tests are hashed with argon2-cffi's CHEAPEST parameters, the
library's own profile for tests.

The service hashes with the library's recommended Argon2id parameters (RFC 9106, low
memory: 64 MiB, 3 passes), a deliberate tenth of a second or more per hash and per
check; the suite logs staff in many hundreds of times. Argon2 keeps its parameters in
each hash, so a user added by a test is checked cheaply by every process that serves
it, app processes started by a test included. What the service itself uses is kept in
SERVICE_HASHER and checked by tests/unit/test_passwords.py.
"""

from __future__ import annotations

from argon2 import PasswordHasher, profiles

import app.accounts.passwords as passwords

SERVICE_HASHER = passwords._hasher


def use_cheap_hashing() -> None:
    passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    passwords._dummy_hash.cache_clear()
