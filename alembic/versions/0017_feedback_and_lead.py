"""The person's feedback on a consultation, and its feedback code

- `consultation.feedback_code`: an 8-character code printed on the discussion sheet
  ("tell us how it went"), with which the person gives feedback after the hand-off code
  has expired. Unique; NULL for consultations made before this migration (their sheet
  offers the hand-off code only while it lasts).
- `consultation_feedback`: the three CollaboRATE answers (0-9 each) and an optional
  comment, one row per consultation (the primary key), linked to nothing but the
  consultation. Deleted with its consultation by the purge (the foreign key is deferred,
  as decision versions' is). No staff page or staff API reads it; the service lead's
  dashboard reads only counts, suppressed below 5 (ADR 0015).

The service lead role (`lead`) is a value of `staff_user.role`, which has no
constraint: nothing to migrate for it.

Plain ADD COLUMN and CREATE TABLE: no table is rebuilt, so the triggers stay in place.

Revision ID: 0017_feedback_and_lead
Revises: 0014_consultation_tablet
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_feedback_and_lead"
down_revision: str | None = "0014_consultation_tablet"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("consultation", sa.Column("feedback_code", sa.String(10), nullable=True))
    op.create_index("ux_consultation_feedback_code", "consultation", ["feedback_code"], unique=True)
    op.create_table(
        "consultation_feedback",
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("understand", sa.SmallInteger(), nullable=False),
        sa.Column("listen", sa.SmallInteger(), nullable=False),
        sa.Column("include", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.CheckConstraint(
            "understand BETWEEN 0 AND 9 AND listen BETWEEN 0 AND 9 AND include BETWEEN 0 AND 9",
            name=op.f("ck_consultation_feedback_scale"),
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_consultation_feedback_consultation_id_consultation"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("consultation_id", name=op.f("pk_consultation_feedback")),
    )


def downgrade() -> None:
    op.drop_table("consultation_feedback")
    op.drop_index("ux_consultation_feedback_code", table_name="consultation")
    op.drop_column("consultation", "feedback_code")
