"""Tamper evidence: no REPLACE or TRUNCATE of append-only rows; an audit hash chain.

SQLite: `INSERT OR REPLACE` (and `REPLACE`) deletes the row in its way without firing
the delete triggers of 0003, so a BEFORE INSERT trigger on each append-only table
refuses an insert whose primary key, or any unique key, is already taken. PostgreSQL
has no REPLACE, and `INSERT ... ON CONFLICT DO UPDATE` fires the BEFORE UPDATE trigger
of 0003; what it lacks is a guard against TRUNCATE, which fires no row trigger.

`audit_event` gains `prev_hash` and `hash` (plain ADD COLUMN, so the triggers of 0003
stay) and a unique index on `prev_hash`: two events can never follow the same one.
Existing rows are not rewritten; they stay unchained, and the first event recorded
after this revision links to a hash folded over them (docs/adr/0009-tamper-evidence.md).

Revision ID: 0007_tamper_evidence
Revises: 0006_figures_safety
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_tamper_evidence"
down_revision: str | None = "0006_figures_safety"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The append-only tables of 0003; later revisions only added columns to them.
TABLES = ("audit_event", "data_version", "checklist_item", "drug", "rating", "source")
PREV_HASH_INDEX = "uq_audit_event_prev_hash"


def _keys(table: str) -> list[list[str]]:
    """The primary key and every unique key (constraint or index) of `table`."""
    inspector = sa.inspect(op.get_bind())
    keys = [inspector.get_pk_constraint(table)["constrained_columns"]]
    keys += [u["column_names"] for u in inspector.get_unique_constraints(table)]
    keys += [i["column_names"] for i in inspector.get_indexes(table) if i.get("unique")]
    unique: list[list[str]] = []
    for key in keys:
        columns = [c for c in key if c is not None]
        if columns and columns not in unique:
            unique.append(columns)
    return unique


def _sqlite_no_replace(table: str) -> str:
    taken = " OR ".join(
        "(" + " AND ".join(f'old."{c}" = NEW."{c}"' for c in key) + ")" for key in _keys(table)
    )
    # Names from TABLES and the schema itself, never from input.
    exists = f"SELECT 1 FROM {table} AS old WHERE {taken}"  # noqa: S608
    return (
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN EXISTS ({exists}) "
        f"BEGIN SELECT RAISE(ABORT, '{table} rows are never replaced'); END"
    )


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_event", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_index(PREV_HASH_INDEX, "audit_event", ["prev_hash"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
            )
        return
    for table in TABLES:
        op.execute(_sqlite_no_replace(table))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_no_replace")
    op.drop_index(PREV_HASH_INDEX, table_name="audit_event")
    op.drop_column("audit_event", "hash")
    op.drop_column("audit_event", "prev_hash")
