"""The one table of rate-limit counters: bounded, because a window's rows go when it ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel

import app.db  # noqa: F401  (naming convention first)


class RateCounter(SQLModel, table=True):
    """Hits of one subject against one limit in one fixed window.

    `key` is "<limit>:<digest of the subject>:<window start, Unix seconds>": the subject
    (a client address, a typed username, a user id) is stored only as a digest."""

    __tablename__ = "rate_counter"

    key: str = Field(primary_key=True, max_length=96)
    expires_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    hits: int = 0
