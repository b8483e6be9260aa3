"""Drafts: a pharmacist's working copy of the published data, never used by consultations.

Each editable piece carries a `revision`; its ETag is that number. An edit succeeds
only if the revision it read is still current (compare-and-set in one UPDATE)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, DateTime, Text
from sqlmodel import Field, SQLModel

import app.db  # noqa: F401

DRAFT_STATES = ("open", "submitted", "published", "discarded")
# A submitted draft sent back by a reviewer is "open" again.


class Draft(SQLModel, table=True):
    __tablename__ = "draft"

    id: str = Field(primary_key=True, max_length=32)
    based_on: int = Field(foreign_key="data_version.number")
    status: str = Field(max_length=16, index=True)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    submitted_by: str | None = Field(default=None, max_length=64)
    decided_by: str | None = Field(default=None, max_length=64)
    published_as: int | None = Field(default=None)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class DraftDrug(SQLModel, table=True):
    """A drug's fields other than ratings, as the drugdata document shape."""

    __tablename__ = "draft_drug"

    draft_id: str = Field(foreign_key="draft.id", primary_key=True, max_length=32)
    drug_id: str = Field(primary_key=True, max_length=64)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    revision: int = 1


class DraftSource(SQLModel, table=True):
    """One entry of the draft's source list, as the drugdata sources files hold it."""

    __tablename__ = "draft_source"

    draft_id: str = Field(foreign_key="draft.id", primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=128)
    citation: str = Field(sa_column=Column(Text, nullable=False))
    url: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(default="other", max_length=32)
    accessed: date | None = Field(default=None, nullable=True)
    revision: int = 1


class DraftRating(SQLModel, table=True):
    __tablename__ = "draft_rating"
    __table_args__ = (
        CheckConstraint("value IS NULL OR (value >= 0 AND value <= 3)", name="value_on_scale"),
    )

    draft_id: str = Field(foreign_key="draft.id", primary_key=True, max_length=32)
    drug_id: str = Field(primary_key=True, max_length=64)
    side_effect: str = Field(primary_key=True, max_length=64)
    value: int | None = Field(default=None, nullable=True)
    sources: list[str] = Field(sa_column=Column(JSON, nullable=False))
    source_values: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    revision: int = 1


COMMENT_KINDS = ("submit", "return")


class DraftComment(SQLModel, table=True):
    """The review conversation of a draft: each submission (with the author's optional
    comment) and each return to the author (with the reviewer's comment). Never changed
    or deleted (triggers, migration 0010); also audited. Everyone who ever submitted the
    draft is among the people who may not approve it."""

    __tablename__ = "draft_comment"
    __table_args__ = (CheckConstraint("kind IN ('submit', 'return')", name="kind"),)

    id: int | None = Field(default=None, primary_key=True)
    draft_id: str = Field(foreign_key="draft.id", max_length=32, index=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    by: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))


class DraftEdit(SQLModel, table=True):
    """One saved edit in a draft: who changed which rating, drug field or source, when.

    Appended by every edit (never changed), so everyone who changed a draft is known even
    after a colleague overwrote their change: none of them may approve it (four eyes).
    Exactly one of (drug_id with side_effect), (drug_id with field) or source is set; a
    drug edit that changed no field has drug_id alone."""

    __tablename__ = "draft_edit"

    id: int | None = Field(default=None, primary_key=True)
    draft_id: str = Field(foreign_key="draft.id", max_length=32, index=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    by: str = Field(max_length=64)
    drug_id: str | None = Field(default=None, max_length=64)
    side_effect: str | None = Field(default=None, max_length=64)
    field: str | None = Field(default=None, max_length=64)
    source: str | None = Field(default=None, max_length=64)
