"""Migration 0010: a draft's sources move from a JSON column to rows of their own (each
with a revision, its ETag), and back on downgrade; nothing of a draft is lost."""

from __future__ import annotations

import json

from sqlalchemy import text

from app.curation import drafts
from app.db import make_engine, session_scope
from app.store.datasets import DatasetCache
from tests.conftest import Databases, downgrade, migrate
from tests.integration.conftest import publish, small_dataset

SOURCES = {
    "test-source": {
        "citation": "A test fixture, not a clinical source.",
        "url": "https://example.org/",
    },
    "test-table": {
        "citation": "A second test fixture.",
        "url": "https://example.org/table",
        "kind": "comparative",
    },
}


def test_draft_sources_survive_the_upgrade_and_the_downgrade(databases: Databases) -> None:
    url = databases.empty()
    migrate(url)
    publish(url, small_dataset())
    downgrade(url, "0011_consultation_options")
    engine = make_engine(url)
    with engine.begin() as conn:  # a draft as it stood before 0010: sources as JSON
        conn.execute(
            text(
                "INSERT INTO draft (id, based_on, status, created_by, created_at, note, sources)"
                " VALUES ('d1', 1, 'open', 'phil', '2026-12-01 10:00:00+00:00', '', :sources)"
            ),
            {"sources": json.dumps(SOURCES)},
        )
    engine.dispose()

    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        draft = drafts.get_draft(session, "d1")
        rows = drafts.draft_sources(session, draft)
        assert {k: drafts.source_entry(r) for k, r in rows.items()} == SOURCES
        assert {r.revision for r in rows.values()} == {1}
        # The draft reads as it did: the small dataset's own source is cited by its ratings.
        content = drafts.draft_dataset(session, DatasetCache(), draft)
        assert content.sources["test-table"].kind == "comparative"
    engine.dispose()

    downgrade(url, "0011_consultation_options")
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT sources FROM draft WHERE id = 'd1'")).scalar_one()
    engine.dispose()
    assert (json.loads(stored) if isinstance(stored, str) else stored) == SOURCES
