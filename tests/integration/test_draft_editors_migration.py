"""Migration 0005: edits made before it are found in the audit trail, so a draft that was
already changed and submitted is not approved by one of its editors after the upgrade."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select

from app import audit
from app.catalogue.model import Dataset
from app.curation import drafts
from app.curation.review import SelfApproval
from app.curation.tables import DraftRating
from app.db import make_engine, session_scope
from app.store.datasets import DatasetCache
from tests.builders import bundled_dataset
from tests.conftest import Databases, downgrade, migrate
from tests.integration.conftest import publish


def as_before_0006(dataset: Dataset) -> Dataset:
    """Without what 0006 and later added (figures, safety notes, source kinds; options
    and reading dates, 0011): a downgrade past 0006 drops those columns, and the version
    would no longer match its checksum."""
    return replace(
        dataset,
        drugs=tuple(replace(d, figures=(), safety=()) for d in dataset.drugs),
        sources={k: replace(s, kind="other", accessed=None) for k, s in dataset.sources.items()},
        class_safety=(),
        options=None,
    )


def test_edits_before_the_upgrade_count_for_four_eyes(databases: Databases) -> None:
    url = databases.empty()
    # Set up with today's code, then go back to 0004 (which drops draft_edit), so the
    # draft stands as it would have before 0005: its editors only in the audit trail.
    migrate(url)
    publish(url, as_before_0006(bundled_dataset()))
    engine = make_engine(url)
    with session_scope(engine) as session:
        draft = drafts.open_draft(session, DatasetCache(), by="phil")
        draft_id = draft.id
        # What edit_rating, edit_drug and add_source did before 0005: the change and
        # its audit event, and nothing else that names the editor.
        row = session.exec(
            select(DraftRating).where(
                DraftRating.draft_id == draft_id,
                DraftRating.drug_id == "olanzapine",
                DraftRating.side_effect == "weight-gain",
            )
        ).one()
        row.value, row.revision = 0, 2
        session.add(row)
        prefix = f"draft/{draft_id}"
        audit.record(
            session,
            by="pia",
            action="draft.edit_rating",
            target=f"{prefix}/drugs/olanzapine/ratings/weight-gain",
            after={"value": 0},
        )
        audit.record(
            session,
            by="ed",
            action="draft.edit_drug",
            target=f"{prefix}/drugs/clozapine",
            before={"review_by": "2026-01-01"},
            after={"review_by": "2027-01-01"},
        )
        audit.record(session, by="sue", action="draft.edit_source", target=f"{prefix}/s3-2020")
        drafts.submit(session, draft, by="phil")
    engine.dispose()

    downgrade(url, "0004")
    migrate(url)

    engine = make_engine(url)
    cache = DatasetCache()
    with session_scope(engine) as session:
        draft = drafts.get_draft(session, draft_id)
        assert drafts.people_involved(session, draft) == {"phil", "pia", "ed", "sue"}
        changes = drafts.draft_diff(session, cache, draft).changes
        weight = next(c for c in changes if c.item == "weight-gain")
        assert weight.changed_by == "pia"
        for editor in ("pia", "ed", "sue"):
            with pytest.raises(SelfApproval):
                drafts.approve(session, cache, draft, by=editor)
    engine.dispose()
