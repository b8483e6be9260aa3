"""Tables for staff accounts. Service users never have an account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

import app.db  # noqa: F401  (naming convention first)

#: `lead`, the service lead, sees only the service dashboard's suppressed counts (ADR 0015).
ROLES = ("clinician", "pharmacist", "admin", "lead")


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=255)
    totp_secret: str | None = Field(default=None, max_length=64)
    #: The TOTP time step (Unix time // 30) of the last code accepted: a code for this
    #: step or an earlier one is refused, so a code works once (RFC 6238, section 5.2).
    totp_last_step: int | None = None
    disabled: bool = False
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class AuthSession(SQLModel, table=True):
    """A login: a browser session (kind 'web') or an API bearer token (kind 'api').

    Only the SHA-256 of the secret is stored. Deleting the row ends the session
    everywhere, in every app process."""

    __tablename__ = "auth_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    kind: str = Field(max_length=8)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
