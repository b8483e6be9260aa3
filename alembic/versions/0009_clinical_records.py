"""Clinical records: decisions as append-only versions, and a log of every staff read.

`decision_version` holds each recording of a consultation's discussion (the first and
every amendment, with who, when and why); the decision columns of `consultation` move
there as version 1 and are dropped, so no mutable copy of a decision is left.
`consultation_read` records who read which consultation, when and through which view.

Both are append-only, as the tables of 0003 and 0007 are: UPDATE and DELETE refused
(SQLite and PostgreSQL), REPLACE refused (SQLite, a BEFORE INSERT trigger on the keys),
TRUNCATE refused (PostgreSQL). One exception, for retention: a decision version may be
deleted once its consultation is gone (`sdm consultations purge` deletes the
consultation, then its versions, in one transaction; the foreign key is deferred for
that). A read record is never deleted: it holds nothing of what the person said, and
outlives the purge (docs/adr/0010-clinical-records.md).

SQLite's ALTER TABLE ... DROP COLUMN needs SQLite 3.35 (2021) or later.

Revision ID: 0009_clinical_records
Revises: 0007_tamper_evidence
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_clinical_records"
down_revision: str | None = "0007_tamper_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONS = "decision_version"
READS = "consultation_read"
# The decision columns of 0004, moved to decision_version.
DECISION_COLUMNS = (
    "discussed",
    "decision",
    "next_review",
    "context_note",
    "decided_by",
    "decided_at",
    "data_version",
)
READS_AT_INDEX = "ix_consultation_read_read_at"
READS_CONSULTATION_INDEX = "ix_consultation_read_consultation_id"

# SQLite: a version may be deleted only when its consultation is gone.
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER {VERSIONS}_no_update BEFORE UPDATE ON {VERSIONS} "
    f"BEGIN SELECT RAISE(ABORT, '{VERSIONS} rows are never changed or deleted'); END",
    f"CREATE TRIGGER {VERSIONS}_no_delete BEFORE DELETE ON {VERSIONS} "  # noqa: S608
    "WHEN EXISTS (SELECT 1 FROM consultation WHERE id = OLD.consultation_id) "
    f"BEGIN SELECT RAISE(ABORT, '{VERSIONS} rows are never changed or deleted'); END",
    f"CREATE TRIGGER {VERSIONS}_no_replace BEFORE INSERT ON {VERSIONS} "  # noqa: S608
    f"WHEN EXISTS (SELECT 1 FROM {VERSIONS} AS old "
    "WHERE old.consultation_id = NEW.consultation_id AND old.version = NEW.version) "
    f"BEGIN SELECT RAISE(ABORT, '{VERSIONS} rows are never replaced'); END",
    f"CREATE TRIGGER {READS}_no_update BEFORE UPDATE ON {READS} "
    f"BEGIN SELECT RAISE(ABORT, '{READS} rows are never changed or deleted'); END",
    f"CREATE TRIGGER {READS}_no_delete BEFORE DELETE ON {READS} "
    f"BEGIN SELECT RAISE(ABORT, '{READS} rows are never changed or deleted'); END",
    f"CREATE TRIGGER {READS}_no_replace BEFORE INSERT ON {READS} "  # noqa: S608
    f"WHEN EXISTS (SELECT 1 FROM {READS} AS old WHERE old.id = NEW.id) "
    f"BEGIN SELECT RAISE(ABORT, '{READS} rows are never replaced'); END",
)
SQLITE_TRIGGER_NAMES = tuple(
    f"{table}_no_{event}"
    for table in (VERSIONS, READS)
    for event in ("update", "delete", "replace")
)

# PostgreSQL: refuse_change() is 0003's; ON CONFLICT DO UPDATE fires the UPDATE trigger.
PG_STATEMENTS = (
    f"""
    CREATE FUNCTION {VERSIONS}_refuse_delete() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM consultation WHERE id = OLD.consultation_id) THEN
        RAISE EXCEPTION '% rows are never changed or deleted', TG_TABLE_NAME;
      END IF;
      RETURN OLD;
    END;
    $$ LANGUAGE plpgsql
    """,  # noqa: S608
    f"CREATE TRIGGER {VERSIONS}_append_only BEFORE UPDATE ON {VERSIONS} "
    "FOR EACH ROW EXECUTE FUNCTION refuse_change()",
    f"CREATE TRIGGER {VERSIONS}_no_delete BEFORE DELETE ON {VERSIONS} "
    f"FOR EACH ROW EXECUTE FUNCTION {VERSIONS}_refuse_delete()",
    f"CREATE TRIGGER {VERSIONS}_no_truncate BEFORE TRUNCATE ON {VERSIONS} "
    "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()",
    f"CREATE TRIGGER {READS}_append_only BEFORE UPDATE OR DELETE ON {READS} "
    "FOR EACH ROW EXECUTE FUNCTION refuse_change()",
    f"CREATE TRIGGER {READS}_no_truncate BEFORE TRUNCATE ON {READS} "
    "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()",
)


def upgrade() -> None:
    op.create_table(
        VERSIONS,
        sa.Column("consultation_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("discussed", sa.JSON(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("context_note", sa.Text(), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultation.id"],
            name=op.f("fk_decision_version_consultation_id_consultation"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("consultation_id", "version", name=op.f("pk_decision_version")),
    )
    op.create_table(
        READS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("read_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("view", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_read")),
    )
    op.create_index(READS_CONSULTATION_INDEX, READS, ["consultation_id"], unique=False)
    op.create_index(READS_AT_INDEX, READS, ["read_at"], unique=False)

    # Each recorded decision becomes version 1, recorded by whom and when it was.
    op.execute(
        f"INSERT INTO {VERSIONS} (consultation_id, version, discussed, decision, next_review, "  # noqa: S608
        "context_note, data_version, recorded_by, recorded_at, reason) "
        "SELECT id, 1, discussed, decision, next_review, context_note, "
        "COALESCE(data_version, 0), COALESCE(decided_by, 'unknown'), "
        "COALESCE(decided_at, created_at), '' FROM consultation WHERE decision IS NOT NULL"
    )
    for column in DECISION_COLUMNS:
        op.execute(f"ALTER TABLE consultation DROP COLUMN {column}")

    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_STATEMENTS:
            op.execute(statement)
        return
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in (
            (f"{VERSIONS}_append_only", VERSIONS),
            (f"{VERSIONS}_no_delete", VERSIONS),
            (f"{VERSIONS}_no_truncate", VERSIONS),
            (f"{READS}_append_only", READS),
            (f"{READS}_no_truncate", READS),
        ):
            op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute(f"DROP FUNCTION {VERSIONS}_refuse_delete()")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER {name}")

    # Back to one decision per consultation: the newest version of each.
    op.add_column("consultation", sa.Column("discussed", sa.JSON(), nullable=True))
    op.add_column(
        "consultation",
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.add_column("consultation", sa.Column("next_review", sa.Date(), nullable=True))
    op.add_column(
        "consultation",
        sa.Column("context_note", sa.Text(), nullable=False, server_default=""),
    )
    op.add_column(
        "consultation",
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.add_column("consultation", sa.Column("decided_at", sa.DateTime(timezone=True)))
    op.add_column("consultation", sa.Column("data_version", sa.Integer(), nullable=True))
    newest = (
        f"FROM {VERSIONS} AS v WHERE v.consultation_id = consultation.id "  # noqa: S608
        f"AND v.version = (SELECT MAX(version) FROM {VERSIONS} AS w "
        "WHERE w.consultation_id = consultation.id)"
    )
    for column, source in (
        ("discussed", "discussed"),
        ("decision", "decision"),
        ("next_review", "next_review"),
        ("context_note", "context_note"),
        ("decided_by", "recorded_by"),
        ("decided_at", "recorded_at"),
        ("data_version", "data_version"),
    ):
        # Names from this file, never from input.
        op.execute(
            f"UPDATE consultation SET {column} = (SELECT v.{source} {newest}) "  # noqa: S608
            f"WHERE EXISTS (SELECT 1 {newest})"
        )
    # 0004 made `discussed` NOT NULL; SQLite cannot add that to a column in place.
    op.execute("UPDATE consultation SET discussed = '[]' WHERE discussed IS NULL")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("consultation", "discussed", nullable=False)
    op.drop_index(READS_AT_INDEX, table_name=READS)
    op.drop_index(READS_CONSULTATION_INDEX, table_name=READS)
    op.drop_table(READS)
    op.drop_table(VERSIONS)
