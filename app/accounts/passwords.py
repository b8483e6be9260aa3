"""Password policy and Argon2id hashing (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 12
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


def policy_problems(password: str, username: str = "") -> list[str]:
    """Why a password is not acceptable; empty when it is."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"use at least {MIN_LENGTH} characters")
    elif zxcvbn(password[:100], user_inputs=[username] if username else [])["score"] < 3:
        problems.append("this password is too common or too easy to guess")
    return problems


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


DUMMY_HASH = _hasher.hash("a password nobody has, to keep timing even")
