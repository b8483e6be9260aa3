"""Passwords: the service's Argon2id parameters and the checks that do not depend on them."""

from __future__ import annotations

from argon2 import Type, profiles

from app.accounts import passwords
from tests.cheap_hashing import SERVICE_HASHER


def test_the_service_hashes_with_the_recommended_argon2id_parameters() -> None:
    expected = profiles.RFC_9106_LOW_MEMORY
    assert SERVICE_HASHER.type is Type.ID
    assert (SERVICE_HASHER.time_cost, SERVICE_HASHER.memory_cost) == (
        expected.time_cost,
        expected.memory_cost,
    )
    assert SERVICE_HASHER.memory_cost >= 64 * 1024  # KiB


def test_a_password_matches_its_hash_and_nothing_else() -> None:
    stored = passwords.hash_password("correct horse battery staple 42")
    assert passwords.verify_password(stored, "correct horse battery staple 42")
    assert not passwords.verify_password(stored, "correct horse battery staple 43")


def test_with_no_stored_hash_no_password_matches() -> None:
    assert not passwords.verify_password(None, "a password nobody has, to keep timing even")
    assert not passwords.verify_password(None, "")


def test_a_damaged_hash_matches_nothing_rather_than_failing() -> None:
    assert not passwords.verify_password("$argon2id$v=19$damaged", "anything at all")
