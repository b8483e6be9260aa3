"""Migration 0017: the feedback table and the feedback code come and go cleanly; a
consultation made before it keeps working, with no feedback code."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app.db import make_engine
from tests.conftest import Databases, downgrade, migrate

BEFORE = "0014_consultation_tablet"


def shape(url: str) -> tuple[set[str], set[str]]:
    engine = make_engine(url)
    found = inspect(engine)
    tables = set(found.get_table_names())
    columns = {c["name"] for c in found.get_columns("consultation")}
    engine.dispose()
    return tables, columns


def test_the_upgrade_adds_feedback_and_the_downgrade_takes_it_away(databases: Databases) -> None:
    url = databases.empty()
    migrate(url)
    tables, columns = shape(url)
    assert "consultation_feedback" in tables and "feedback_code" in columns
    downgrade(url, BEFORE)
    tables, columns = shape(url)
    assert "consultation_feedback" not in tables and "feedback_code" not in columns
    engine = make_engine(url)
    with engine.begin() as connection:  # a consultation as it stood before 0017
        connection.execute(
            text(
                "INSERT INTO consultation (id, code, code_expires_at, created_at, lang, avoid,"
                " helpful, must_avoid, formulations, with_carer, options, what_matters, tablet)"
                " VALUES ('c1', 'ACDEFG', '2030-01-01 00:00:00+00:00',"
                " '2026-12-01 10:00:00+00:00', 'en', '[]', '[]', '[]', '[]', FALSE, '[]', '', '')"
            )
        )
    engine.dispose()
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        code = connection.execute(
            text("SELECT feedback_code FROM consultation WHERE id = 'c1'")
        ).scalar_one()
        assert code is None
        connection.execute(
            text(
                "INSERT INTO consultation_feedback (consultation_id, understand, listen,"
                " include, comment) VALUES ('c1', 9, 9, 9, '')"
            )
        )
    engine.dispose()


def test_the_database_refuses_an_answer_outside_0_to_9(databases: Databases) -> None:
    url = databases.empty()
    migrate(url)
    engine = make_engine(url)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO consultation_feedback (consultation_id, understand, listen,"
                " include, comment) VALUES ('nobody', 10, 9, 9, '')"
            )
        )
    engine.dispose()
