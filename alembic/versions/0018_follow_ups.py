"""Follow-ups linked to the decision: codes a clinician issues, and what the person reports

- `follow_up_code`: a code issued for a consultation at a review, valid until
  `expires_at` and usable once (`used_at`). Deleted with its consultation by the purge.
- `follow_up`: the medicine the person is on and how much each checklist item bothered
  them in the past week (JSON `{item: 0..3}`), with the data version in use. No personal
  identifiers. Append-only as `decision_version` is (0009): UPDATE refused, REPLACE
  refused (SQLite), TRUNCATE refused (PostgreSQL), DELETE refused while its consultation
  exists (the purge deletes the consultation, then its follow-ups; the foreign key is
  deferred for that). docs/adr/0014-follow-ups.md.

Revision ID: 0018_follow_ups
Revises: 0017_feedback_and_lead
Create Date: 2026-12-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018_follow_ups"
down_revision: str | None = "0017_feedback_and_lead"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CODES = "follow_up_code"
FOLLOW_UPS = "follow_up"
CODE_INDEX = "ix_follow_up_code_code_expires"
CODE_CONSULTATION_INDEX = "ix_follow_up_code_consultation_id"
CONSULTATION_INDEX = "ix_follow_up_consultation_id"

SQLITE_TRIGGERS = (
    f"CREATE TRIGGER {FOLLOW_UPS}_no_update BEFORE UPDATE ON {FOLLOW_UPS} "
    f"BEGIN SELECT RAISE(ABORT, '{FOLLOW_UPS} rows are never changed or deleted'); END",
    f"CREATE TRIGGER {FOLLOW_UPS}_no_delete BEFORE DELETE ON {FOLLOW_UPS} "  # noqa: S608
    "WHEN EXISTS (SELECT 1 FROM consultation WHERE id = OLD.consultation_id) "
    f"BEGIN SELECT RAISE(ABORT, '{FOLLOW_UPS} rows are never changed or deleted'); END",
    f"CREATE TRIGGER {FOLLOW_UPS}_no_replace BEFORE INSERT ON {FOLLOW_UPS} "  # noqa: S608
    f"WHEN EXISTS (SELECT 1 FROM {FOLLOW_UPS} AS old WHERE old.id = NEW.id) "
    f"BEGIN SELECT RAISE(ABORT, '{FOLLOW_UPS} rows are never replaced'); END",
)
SQLITE_TRIGGER_NAMES = tuple(f"{FOLLOW_UPS}_no_{e}" for e in ("update", "delete", "replace"))

# PostgreSQL: refuse_change() is 0003's; ON CONFLICT DO UPDATE fires the UPDATE trigger.
PG_STATEMENTS = (
    f"""
    CREATE FUNCTION {FOLLOW_UPS}_refuse_delete() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM consultation WHERE id = OLD.consultation_id) THEN
        RAISE EXCEPTION '% rows are never changed or deleted', TG_TABLE_NAME;
      END IF;
      RETURN OLD;
    END;
    $$ LANGUAGE plpgsql
    """,  # noqa: S608
    f"CREATE TRIGGER {FOLLOW_UPS}_append_only BEFORE UPDATE ON {FOLLOW_UPS} "
    "FOR EACH ROW EXECUTE FUNCTION refuse_change()",
    f"CREATE TRIGGER {FOLLOW_UPS}_no_delete BEFORE DELETE ON {FOLLOW_UPS} "
    f"FOR EACH ROW EXECUTE FUNCTION {FOLLOW_UPS}_refuse_delete()",
    f"CREATE TRIGGER {FOLLOW_UPS}_no_truncate BEFORE TRUNCATE ON {FOLLOW_UPS} "
    "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()",
)


def upgrade() -> None:
    op.create_table(
        CODES,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("issued_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_code")),
    )
    op.create_index(CODE_INDEX, CODES, ["code", "expires_at"])
    op.create_index(CODE_CONSULTATION_INDEX, CODES, ["consultation_id"])
    op.create_table(
        FOLLOW_UPS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("bother", sa.JSON(), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_follow_up_consultation_id_consultation"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
    )
    op.create_index(CONSULTATION_INDEX, FOLLOW_UPS, ["consultation_id"])
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_STATEMENTS:
            op.execute(statement)
        return
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("append_only", "no_delete", "no_truncate"):
            op.execute(f"DROP TRIGGER {FOLLOW_UPS}_{name} ON {FOLLOW_UPS}")
        op.execute(f"DROP FUNCTION {FOLLOW_UPS}_refuse_delete()")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index(CONSULTATION_INDEX, table_name=FOLLOW_UPS)
    op.drop_table(FOLLOW_UPS)
    op.drop_index(CODE_CONSULTATION_INDEX, table_name=CODES)
    op.drop_index(CODE_INDEX, table_name=CODES)
    op.drop_table(CODES)
