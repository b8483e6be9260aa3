"""Database tables. Published data versions are immutable: rows are only ever inserted.

A rating's `value` is 0-3, or NULL for unknown. NULL is never read as 0: the
repository turns it back into `Rating(value=None)` and the ranking flags it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, DateTime, ForeignKeyConstraint, Index, Text
from sqlmodel import Field, SQLModel

import app.db  # noqa: F401  (sets the naming convention before any table is declared)


class DataVersion(SQLModel, table=True):
    __tablename__ = "data_version"

    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    checksum: str = Field(max_length=64, index=True)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    created_by: str = Field(max_length=200)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    scoring: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    groups: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    class_safety: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )


class ChecklistItemRow(SQLModel, table=True):
    __tablename__ = "checklist_item"

    version: int = Field(foreign_key="data_version.number", primary_key=True)
    id: str = Field(primary_key=True, max_length=64)
    position: int
    group: str = Field(max_length=64)
    label: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    explanation: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))


class DrugRow(SQLModel, table=True):
    __tablename__ = "drug"

    version: int = Field(foreign_key="data_version.number", primary_key=True)
    id: str = Field(primary_key=True, max_length=64)
    name: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    atc: str = Field(max_length=16)
    snomed: str | None = Field(default=None, max_length=32)
    generation: str = Field(max_length=16)
    review_by: date
    formulations: list[dict[str, str]] = Field(sa_column=Column(JSON, nullable=False))
    card: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    monitoring: list[dict[str, str]] = Field(sa_column=Column(JSON, nullable=False))
    availability_sources: list[str] = Field(sa_column=Column(JSON, nullable=False))
    figures: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    safety: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )


class RatingRow(SQLModel, table=True):
    __tablename__ = "rating"
    __table_args__ = (
        ForeignKeyConstraint(["version", "drug_id"], ["drug.version", "drug.id"]),
        ForeignKeyConstraint(
            ["version", "side_effect"], ["checklist_item.version", "checklist_item.id"]
        ),
        CheckConstraint("value IS NULL OR (value >= 0 AND value <= 3)", name="value_on_scale"),
    )

    version: int = Field(primary_key=True)
    drug_id: str = Field(primary_key=True, max_length=64)
    side_effect: str = Field(primary_key=True, max_length=64)
    value: int | None = Field(default=None, nullable=True)
    sources: list[str] = Field(sa_column=Column(JSON, nullable=False))
    source_values: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SourceRow(SQLModel, table=True):
    __tablename__ = "source"

    version: int = Field(foreign_key="data_version.number", primary_key=True)
    key: str = Field(primary_key=True, max_length=128)
    citation: str = Field(sa_column=Column(Text, nullable=False))
    url: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(default="other", max_length=32, sa_column_kwargs={"server_default": "other"})
    accessed: date | None = Field(default=None, nullable=True)


class AuditEvent(SQLModel, table=True):
    """Who did what, when. Written in the same transaction as the change; never updated.

    Each event links by hash to the one before it (app/audit/__init__.py)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("uq_audit_event_prev_hash", "prev_hash", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    actor: str = Field(max_length=200)
    action: str = Field(max_length=64, index=True)
    target: str = Field(max_length=200)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The audit hash chain (app/audit/chain.py); None on events recorded
    # before the chain began.
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)
