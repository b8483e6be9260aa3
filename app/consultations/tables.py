"""A consultation holds no name or other identifier: only the choices and the decision.

The decision is never overwritten: each recording is a new `DecisionVersion` (who, when,
why, what), and every read of a consultation by staff is a `ConsultationRead`. Both
tables are append-only, enforced by database triggers (migration 0009, ADR 0010).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, String, Text, false
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
    # The options (drugdata/options.yaml ids) the person wants to talk about
    options: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    what_matters: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    #: The name of the tablet it was sent from (`/tablet?tablet=...`): a place, never a
    #: person; "" when none was set. Staff find a consultation by it and the time.
    tablet: str = Field(default="", sa_column=Column(String(40), nullable=False, server_default=""))
    #: Medicines taken before (app/consultations/experience.py `past_to_json`): drug,
    #: helped, side effects with how much they bothered, why stopped (own words).
    past_medicines: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    #: The person agreed that a carer gives their own view; without it the two fields
    #: after it stay empty (a carer's answers are refused or never stored).
    carer_consented: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    carer_avoid: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    carer_what_matters: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )

    def preferences(self) -> dict[str, Any]:
        return {
            "avoid": self.avoid,
            "helpful": self.helpful,
            "must_avoid": self.must_avoid,
            "formulations": self.formulations,
        }


class DecisionVersion(SQLModel, table=True):
    """One recording of the discussion: the first, or an amendment (with its reason).
    The newest version is the decision; the older ones are its history."""

    __tablename__ = "decision_version"

    # Deferred: the purge deletes a consultation, then its versions, in one transaction
    # (a version may be deleted only once its consultation is gone: migration 0009).
    consultation_id: str = Field(
        sa_column=Column(
            String(32),
            ForeignKey("consultation.id", deferrable=True, initially="DEFERRED"),
            primary_key=True,
        )
    )
    version: int = Field(primary_key=True, ge=1)
    discussed: list[str] = Field(sa_column=Column(JSON, nullable=False))
    decision: str = Field(max_length=64)
    next_review: date | None = None
    context_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    data_version: int
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: Why the decision was amended; required from version 2 on, optional for the first.
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


#: What a staff member read a consultation through (ConsultationRead.view).
READ_VIEWS = ("page", "compare", "api", "api-by-code", "sheet", "pdf")


class ConsultationRead(SQLModel, table=True):
    """A staff member read a consultation: who, when, which one, through which view.
    Kept after the consultation is purged (it holds nothing of what the person said)."""

    __tablename__ = "consultation_read"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: str = Field(max_length=32, index=True)
    read_by: str = Field(max_length=64)
    read_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    view: str = Field(max_length=16)
