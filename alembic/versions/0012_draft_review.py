"""The pharmacist's workbench: a draft's source list as rows; the review conversation

(`source.accessed`, the date a published source was read, comes with 0011.)
- `draft_source`: a draft's sources, one row each with a revision (its ETag), so two
  pharmacists editing sources never overwrite each other silently. Filled from the
  `draft.sources` JSON column, which goes.
- `draft_comment`: the review conversation of a draft (each submission, and each time a
  reviewer sends it back with comments). Append-only like the tables of 0003 and 0007:
  on SQLite, triggers refuse UPDATE, DELETE and an INSERT that would replace a row; on
  PostgreSQL, `refuse_change()` (0003) on UPDATE, DELETE and TRUNCATE.

Revision ID: 0012_draft_review
Revises: 0011_consultation_options
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_draft_review"
down_revision: str | None = "0011_consultation_options"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


COMMENTS = "draft_comment"
_draft = sa.table("draft", sa.column("id", sa.String()), sa.column("sources", sa.JSON()))


def upgrade() -> None:
    draft_source = op.create_table(
        "draft_source",
        sa.Column("draft_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("accessed", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_draft_source_draft_id_draft")
        ),
        sa.PrimaryKeyConstraint("draft_id", "key", name=op.f("pk_draft_source")),
    )
    assert draft_source is not None
    rows = [
        {
            "draft_id": draft_id,
            "key": key,
            "citation": entry["citation"],
            "url": entry["url"],
            "kind": entry.get("kind", "other"),
            "accessed": None,
            "revision": 1,
        }
        for draft_id, sources in op.get_bind().execute(sa.select(_draft.c.id, _draft.c.sources))
        for key, entry in (sources or {}).items()
    ]
    if rows:
        op.bulk_insert(draft_source, rows)
    op.drop_column("draft", "sources")
    op.create_table(
        COMMENTS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('submit', 'return')", name=op.f("ck_draft_comment_kind")),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_draft_comment_draft_id_draft")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_comment")),
    )
    op.create_index(op.f("ix_draft_comment_draft_id"), COMMENTS, ["draft_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {COMMENTS}_append_only BEFORE UPDATE OR DELETE ON {COMMENTS} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {COMMENTS}_no_truncate BEFORE TRUNCATE ON {COMMENTS} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {COMMENTS}_no_{event.lower()} BEFORE {event} ON {COMMENTS} "
            f"BEGIN SELECT RAISE(ABORT, '{COMMENTS} rows are never changed or deleted'); END"
        )
    # The table's name from this file, never from input.
    op.execute(
        f"CREATE TRIGGER {COMMENTS}_no_replace BEFORE INSERT ON {COMMENTS} "  # noqa: S608
        f"WHEN EXISTS (SELECT 1 FROM {COMMENTS} AS old WHERE old.id = NEW.id) "
        f"BEGIN SELECT RAISE(ABORT, '{COMMENTS} rows are never replaced'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {COMMENTS}_no_truncate ON {COMMENTS}")
        op.execute(f"DROP TRIGGER {COMMENTS}_append_only ON {COMMENTS}")
    else:
        for name in ("update", "delete", "replace"):
            op.execute(f"DROP TRIGGER {COMMENTS}_no_{name}")
    op.drop_index(op.f("ix_draft_comment_draft_id"), table_name=COMMENTS)
    op.drop_table(COMMENTS)
    op.add_column("draft", sa.Column("sources", sa.JSON(), nullable=False, server_default="{}"))
    bind = op.get_bind()
    rows = sa.table(
        "draft_source",
        *(sa.column(c, sa.String()) for c in ("draft_id", "key", "citation", "url", "kind")),
    )
    sources: dict[str, dict[str, dict[str, str]]] = {}
    for draft_id, key, citation, url, kind in bind.execute(
        sa.select(rows.c.draft_id, rows.c.key, rows.c.citation, rows.c.url, rows.c.kind)
    ):
        entry = {"citation": citation, "url": url} | ({"kind": kind} if kind != "other" else {})
        sources.setdefault(draft_id, {})[key] = entry
    for draft_id, entries in sources.items():
        bind.execute(sa.update(_draft).where(_draft.c.id == draft_id).values(sources=entries))
    op.drop_table("draft_source")
