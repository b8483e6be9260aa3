"""Published figures and safety notes on each drug; safety notes for every drug; source kinds

Columns only: existing versions get empty figures and notes and sources of kind
"other", which is what they held, so their checksums stay true.

Revision ID: 0006_figures_safety
Revises: 0005_draft_editors
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_figures_safety"
down_revision: str | None = "0005_draft_editors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild), so the append-only triggers stay in place.
    op.add_column("drug", sa.Column("figures", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("drug", sa.Column("safety", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column(
        "data_version",
        sa.Column("class_safety", sa.JSON(), nullable=False, server_default="[]"),
    )
    op.add_column(
        "source",
        sa.Column("kind", sa.String(length=32), nullable=False, server_default="other"),
    )


def downgrade() -> None:
    op.drop_column("source", "kind")
    op.drop_column("data_version", "class_safety")
    op.drop_column("drug", "safety")
    op.drop_column("drug", "figures")
