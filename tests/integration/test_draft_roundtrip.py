"""A draft carries everything a data version holds, so an unchanged draft changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from app.curation import drafts
from app.db import make_engine, session_scope
from app.store.datasets import DatasetCache
from tests.builders import bundled_dataset
from tests.integration.conftest import publish


def test_an_unchanged_draft_keeps_figures_safety_notes_options_and_source_kinds(
    fresh_db: Callable[[], str],
) -> None:
    url = fresh_db()
    bundled = bundled_dataset()
    publish(url, bundled)
    engine = make_engine(url)
    cache = DatasetCache()
    with session_scope(engine) as session:
        draft = drafts.open_draft(session, cache, by="phil")
        content = drafts.draft_dataset(session, cache, draft)
        assert content.checksum() == bundled.checksum()
        assert content.drug("clozapine").figures == bundled.drug("clozapine").figures
        assert content.class_safety == bundled.class_safety
        assert content.sources["s3-2020"].kind == "comparative"
        assert content.options == bundled.options and content.options is not None
        assert content.sources["ceraso-2020"].accessed == bundled.sources["ceraso-2020"].accessed
        drafts.submit(session, draft, by="phil")
        assert drafts.approve(session, cache, draft, by="pete").number == 1
    engine.dispose()
