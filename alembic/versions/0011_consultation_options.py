"""The options a person wants to discuss; the options in each data version; reading dates

- `consultation.options`: the ids of the options (drugdata/options.yaml) the person
  ticked on the tablet; existing consultations get none.
- `data_version.options`: drugdata/options.yaml as published; NULL for versions
  published before options existed, which is what they held, so their checksums stay true.
- `source.accessed`: the day a source was read; NULL for the sources already published.

Columns only (plain ADD COLUMN, no table rebuild), so the append-only triggers of 0003
and 0007 stay in place.

Revision ID: 0011_consultation_options
Revises: 0009_clinical_records
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_consultation_options"
down_revision: str | None = "0009_clinical_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "consultation", sa.Column("options", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column("data_version", sa.Column("options", sa.JSON(), nullable=True))
    op.add_column("source", sa.Column("accessed", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("source", "accessed")
    op.drop_column("data_version", "options")
    op.drop_column("consultation", "options")
