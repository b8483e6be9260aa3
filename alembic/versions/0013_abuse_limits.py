"""Abuse limits: rate-limit counters, a code index, TOTP codes that work once.

- `rate_counter`: fixed-window counters for tablet submissions (per client address and
  overall), failed logins (per username and client address, per client address, per
  account) and hand-off codes that match nothing (per staff user). A row lives for its
  window; the table stays bounded (app/limits). It replaces `login_attempt`, which kept
  a row, with the typed username and the address, for every failed login.
- `consultation`: the index on `code` alone becomes one on (`code`, `code_expires_at`),
  matching "this code, not expired", the only way a code is looked up: when the tablet
  picks a free code (which read every active code before) and when staff open one.
- `staff_user.totp_last_step`: the time step of the last TOTP code accepted.

Failed-login records are not carried over: they only ever counted for 15 minutes.

Revision ID: 0013_abuse_limits
Revises: 0012_draft_review
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_abuse_limits"
down_revision: str | None = "0012_draft_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counter",
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_counter")),
    )
    op.create_index("ix_rate_counter_expires_at", "rate_counter", ["expires_at"])

    op.drop_index("ix_login_attempt_username", table_name="login_attempt")
    op.drop_index("ix_login_attempt_client", table_name="login_attempt")
    op.drop_index("ix_login_attempt_at", table_name="login_attempt")
    op.drop_table("login_attempt")

    op.create_index("ix_consultation_code_expires", "consultation", ["code", "code_expires_at"])
    op.drop_index("ix_consultation_code", table_name="consultation")

    op.add_column("staff_user", sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("staff_user", "totp_last_step")

    op.create_index("ix_consultation_code", "consultation", ["code"])
    op.drop_index("ix_consultation_code_expires", table_name="consultation")

    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    op.create_index("ix_login_attempt_at", "login_attempt", ["at"])
    op.create_index("ix_login_attempt_client", "login_attempt", ["client"])
    op.create_index("ix_login_attempt_username", "login_attempt", ["username"])

    op.drop_index("ix_rate_counter_expires_at", table_name="rate_counter")
    op.drop_table("rate_counter")
