"""Migration 0015: a consultation made before it has no medicines taken before and no
carer's view (no consent was asked), reads as it did, and the downgrade drops only the
new columns."""

from __future__ import annotations

import json

from sqlalchemy import inspect, text

from app.consultations import view
from app.consultations.tables import Consultation
from app.db import make_engine, session_scope
from tests.conftest import Databases, downgrade, migrate

NEW = {"past_medicines", "carer_consented", "carer_avoid", "carer_what_matters"}


def columns(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("consultation")}
    finally:
        engine.dispose()


def test_an_older_consultation_has_no_past_medicines_and_no_carers_view(
    databases: Databases,
) -> None:
    url = databases.empty()
    migrate(url)
    downgrade(url, "0018_follow_ups")
    assert not NEW & columns(url)
    engine = make_engine(url)
    with engine.begin() as conn:  # a consultation as it stood before 0019
        conn.execute(
            text(
                "INSERT INTO consultation (id, code, code_expires_at, created_at, lang, avoid,"
                " helpful, must_avoid, formulations, with_carer, options, what_matters, tablet)"
                " VALUES ('c1', 'ACDEFG', '2026-12-01 11:00:00+00:00',"
                " '2026-12-01 10:00:00+00:00', 'en', '[\"tremor\"]', '[]', '[]', '[]', TRUE,"
                " '[]', '', '')"
            )
        )
    engine.dispose()

    migrate(url)
    assert columns(url) >= NEW
    engine = make_engine(url)
    with session_scope(engine) as session:
        old = session.get(Consultation, "c1")
        assert old is not None
        assert old.avoid == ["tremor"] and old.with_carer is True
        assert old.past_medicines == [] and view.past_of(old) == ()
        assert old.carer_consented is False
        assert (old.carer_avoid, old.carer_what_matters) == ([], "")
    engine.dispose()

    downgrade(url, "0018_follow_ups")
    assert not NEW & columns(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT avoid FROM consultation")).scalar_one()
        assert (json.loads(stored) if isinstance(stored, str) else stored) == ["tremor"]
    engine.dispose()
