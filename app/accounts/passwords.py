"""Password policy and Argon2id hashing (argon2-cffi)."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 12
#: The longest password taken, counted in UTF-8 bytes (æ, ø and å take two each), as
#: bcrypt counts its 72-byte limit. The strength check (zxcvbn) raises an exception on
#: more than 72 characters, so a longer password must be refused before it is checked.
#: (Argon2id itself has no such limit.)
MAX_BYTES = 72
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


def policy_problems(password: str, username: str = "") -> list[str]:
    """Why a password is not acceptable; empty when it is."""
    problems = []
    if too_long(password):
        problems.append(too_long_message())
    elif len(password) < MIN_LENGTH:
        problems.append(f"use at least {MIN_LENGTH} characters")
    elif zxcvbn(password, user_inputs=[username] if username else [])["score"] < 3:
        problems.append("this password is too common or too easy to guess")
    return problems


def too_long(password: str) -> bool:
    return len(password.encode("utf-8")) > MAX_BYTES


def too_long_message() -> str:
    return f"use at most {MAX_BYTES} bytes (counted in UTF-8: æ, ø and å count as 2)"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches `stored_hash`. With no hash (no such user) a hash of a
    password nobody has is checked instead, so the answer takes as long either way."""
    try:
        matches = _hasher.verify(stored_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return matches and stored_hash is not None


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("a password nobody has, to keep timing even")
