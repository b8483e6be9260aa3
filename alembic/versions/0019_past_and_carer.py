"""Medicines taken before, and a carer's own view

- `consultation.past_medicines`: the medicines the person has taken before, each with
  whether it helped, the side effects they had (checklist ids, bother 1 a little or 2
  a lot) and why they stopped in their own words; `[]` for existing consultations.
- `consultation.carer_consented`: the person agreed that a carer gives their own view
  (false for existing consultations: none was asked).
- `consultation.carer_avoid`, `consultation.carer_what_matters`: the carer's five side
  effects to avoid (priority 1 first) and what matters to them; stored only with that
  agreement, else `[]` and "".

Columns only (plain ADD COLUMN, no table rebuild), so the triggers stay in place.

Revision ID: 0019_past_and_carer
Revises: 0018_follow_ups
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_past_and_carer"
down_revision: str | None = "0018_follow_ups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "consultation",
        sa.Column("past_medicines", sa.JSON(), nullable=False, server_default="[]"),
    )
    op.add_column(
        "consultation",
        sa.Column("carer_consented", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "consultation", sa.Column("carer_avoid", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column(
        "consultation",
        sa.Column("carer_what_matters", sa.Text(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("consultation", "carer_what_matters")
    op.drop_column("consultation", "carer_avoid")
    op.drop_column("consultation", "carer_consented")
    op.drop_column("consultation", "past_medicines")
