"""A consultation holds no name or other identifier: only the choices and the decision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel

import app.db  # noqa: F401


class Consultation(SQLModel, table=True):
    __tablename__ = "consultation"
    #: Every use of a code asks for "this code, not expired" (service._active): when the
    #: tablet picks a free code and when staff open one. One index answers both.
    __table_args__ = (Index("ix_consultation_code_expires", "code", "code_expires_at"),)

    id: str = Field(primary_key=True, max_length=32)
    code: str = Field(max_length=8)
    code_expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    created_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    lang: str = Field(max_length=8)
    avoid: list[str] = Field(sa_column=Column(JSON, nullable=False))
    helpful: list[str] = Field(sa_column=Column(JSON, nullable=False))
    must_avoid: list[str] = Field(sa_column=Column(JSON, nullable=False))
    formulations: list[str] = Field(sa_column=Column(JSON, nullable=False))
    with_carer: bool = False
    what_matters: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The discussion, recorded by the clinician
    discussed: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decision: str | None = Field(default=None, max_length=64)
    next_review: date | None = None
    context_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    data_version: int | None = None

    def preferences(self) -> dict[str, Any]:
        return {
            "avoid": self.avoid,
            "helpful": self.helpful,
            "must_avoid": self.must_avoid,
            "formulations": self.formulations,
        }
