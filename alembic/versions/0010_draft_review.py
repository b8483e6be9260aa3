"""The pharmacist's workbench: when each source was read

- `source.accessed`: the date a published source was read at its URL (plain ADD COLUMN,
  so the append-only triggers of 0003 and 0007 stay; existing versions get none, which
  is what they held, so their checksums stay true).

Revision ID: 0010_draft_review
Revises: 0007_tamper_evidence
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_draft_review"
down_revision: str | None = "0007_tamper_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("source", sa.Column("accessed", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("source", "accessed")
