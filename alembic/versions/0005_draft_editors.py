"""draft_edit: who changed each rating, drug field and source in a draft

Every edit to a draft appends a row, so approval can refuse anyone who changed the
draft (not only its creator and submitter) and the diff can name each change's editor.
Edits made before this revision are filled in from their audit events.

Revision ID: 0005_draft_editors
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_draft_editors"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    draft_edit = op.create_table(
        "draft_edit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("drug_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("side_effect", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_draft_edit_draft_id_draft")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_edit")),
    )
    with op.batch_alter_table("draft_edit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_edit_draft_id"), ["draft_id"], unique=False)
    assert draft_edit is not None
    edits = _edits_from_audit_trail()
    if edits:
        op.bulk_insert(draft_edit, edits)


def _edits_from_audit_trail() -> list[dict[str, object]]:
    """The edits already made, from the audit events written with them (oldest first):
    a draft submitted before this revision must not be approved by one of its editors."""
    audit = sa.table(
        "audit_event",
        sa.column("id", sa.Integer()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("target", sa.String()),
        sa.column("after", sa.JSON()),
    )
    draft = sa.table("draft", sa.column("id", sa.String()))
    bind = op.get_bind()
    drafts = set(bind.execute(sa.select(draft.c.id)).scalars())
    events = bind.execute(
        sa.select(audit.c.at, audit.c.actor, audit.c.action, audit.c.target, audit.c.after)
        .where(audit.c.action.in_(("draft.edit_rating", "draft.edit_drug", "draft.edit_source")))
        .order_by(audit.c.id)
    )
    rows: list[dict[str, object]] = []
    for at, actor, action, target, after in events:
        parts = target.split("/")
        if len(parts) < 3 or parts[0] != "draft" or parts[1] not in drafts:
            continue
        row: dict[str, object] = {
            "draft_id": parts[1],
            "at": at,
            "by": actor[:64],
            "drug_id": None,
            "side_effect": None,
            "field": None,
            "source": None,
        }
        if action == "draft.edit_source":
            rows.append({**row, "source": "/".join(parts[2:])[:64]})
        elif action == "draft.edit_rating" and len(parts) == 6:
            rows.append({**row, "drug_id": parts[3], "side_effect": parts[5]})
        elif action == "draft.edit_drug" and len(parts) == 4:
            fields = sorted(after or {}) or [None]
            rows.extend({**row, "drug_id": parts[3], "field": f} for f in fields)
    return rows


def downgrade() -> None:
    with op.batch_alter_table("draft_edit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_edit_draft_id"))
    op.drop_table("draft_edit")
