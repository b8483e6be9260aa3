"""The tablet a consultation was sent from

- `consultation.tablet`: the name set on the tablet's start address (`/tablet?tablet=`),
  a place and never a person; "" for existing consultations and unnamed tablets. Staff
  who cannot use a code find a consultation by it and the time it was made.

A column only (plain ADD COLUMN, no table rebuild), so the triggers stay in place.

Revision ID: 0014_consultation_tablet
Revises: 0013_abuse_limits
Create Date: 2026-12-20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_consultation_tablet"
down_revision: str | None = "0013_abuse_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "consultation",
        sa.Column("tablet", sa.String(40), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("consultation", "tablet")
