"""A consultation holds no name or other identifier: only the choices and the decision.

The decision is never overwritten: each recording is a new `DecisionVersion` (who, when,
why, what), and every read of a consultation by staff is a `ConsultationRead`. Both
tables are append-only, enforced by database triggers (migration 0009, ADR 0010).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    false,
)
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
    #: The code printed on the discussion sheet for the person's feedback ("tell us how
    #: it went"): 8 characters, unique, never expires while the consultation is kept.
    #: None for consultations made before migration 0017.
    feedback_code: str | None = Field(
        default=None, sa_column=Column(String(10), nullable=True, unique=True)
    )
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
READ_VIEWS = (
    "page",
    "compare",
    "api",
    "api-by-code",
    "sheet",
    "pdf",
    "fhir",
    "follow-up",
    "follow-up-sheet",
    "follow-up-pdf",
    "api-follow-ups",
)


class ConsultationRead(SQLModel, table=True):
    """A staff member read a consultation: who, when, which one, through which view.
    Kept after the consultation is purged (it holds nothing of what the person said)."""

    __tablename__ = "consultation_read"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: str = Field(max_length=32, index=True)
    read_by: str = Field(max_length=64)
    read_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    view: str = Field(max_length=16)


class ConsultationFeedback(SQLModel, table=True):
    """The person's CollaboRATE answers (0-9 each) and optional comment: at most one per
    consultation, linked to nothing else. No staff page or staff API reads it; the
    service dashboard reads only counts (ADR 0015)."""

    __tablename__ = "consultation_feedback"
    __table_args__ = (
        CheckConstraint(
            "understand BETWEEN 0 AND 9 AND listen BETWEEN 0 AND 9 AND include BETWEEN 0 AND 9",
            name="scale",
        ),
    )

    # Deferred, as decision versions' is: the purge deletes both in one transaction.
    consultation_id: str = Field(
        sa_column=Column(
            String(32),
            ForeignKey("consultation.id", deferrable=True, initially="DEFERRED"),
            primary_key=True,
        )
    )
    understand: int = Field(sa_column=Column(SmallInteger, nullable=False))
    listen: int = Field(sa_column=Column(SmallInteger, nullable=False))
    include: int = Field(sa_column=Column(SmallInteger, nullable=False))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class FollowUpCode(SQLModel, table=True):
    """A code a clinician issued at a review, for the person to report on the tablet how
    the medicine has been (ADR 0014). It works once, until `expires_at`; `used_at` is
    set, once, by the follow-up it opened. Deleted with its consultation by the purge."""

    __tablename__ = "follow_up_code"
    #: The tablet asks for "this code, not expired, not used": one index answers it.
    __table_args__ = (Index("ix_follow_up_code_code_expires", "code", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: str = Field(max_length=32, index=True)
    code: str = Field(max_length=8)
    issued_by: str = Field(max_length=64)
    issued_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class FollowUp(SQLModel, table=True):
    """What the person reported at a follow-up: the medicine they are on and how much
    each checklist item has bothered them in the past week (0 to 3; an item left
    unanswered is absent, never 0). No personal identifiers. Append-only, as decision
    versions are (migration 0018): deleted only once its consultation is gone."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: str = Field(
        sa_column=Column(
            String(32),
            ForeignKey("consultation.id", deferrable=True, initially="DEFERRED"),
            nullable=False,
            index=True,
        )
    )
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    drug: str = Field(max_length=64)
    bother: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    #: The data version in use when it was sent: what the data predicted comes from it.
    data_version: int
