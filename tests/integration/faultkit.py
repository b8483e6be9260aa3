"""What the fault tests share: the messages people see, a consultation to open, and the
SQLite integrity check. The tests are test_faults_unreachable.py (the database stopped or
its file gone), test_faults_writes.py (read-only, full) and test_faults_data_load.py (a data
load killed midway). Figures are printed: run them with -s."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.db import sqlite_file
from tests.builders import bundled_dataset
from tests.conftest import BACKEND
from tests.integration.conftest import client_for, publish
from tests.integration.staff import Staff, add_staff

ROOT = Path(__file__).resolve().parents[2]
DOWN = "The database cannot be reached just now"
READ_ONLY = "The database is not accepting changes just now; nothing was saved."
READ_NOT_RECORDED = "The database is not accepting changes just now, and a consultation is"
RANKING = {"avoid": ["weight-gain", "tremor"], "helpful": ["sleepy-at-night"]}
CONSULTATION = {**RANKING, "with_carer": False, "what_matters": "sleep"}

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite variant")


def set_up(url: str) -> tuple[Staff, str]:
    """The bundled data, staff, and one consultation; returns (staff, its page path)."""
    publish(url, bundled_dataset())
    staff = add_staff(url)
    with client_for(url) as client:
        created = client.post("/api/v1/consultations", json=CONSULTATION)
        assert created.status_code == 201, created.text
    return staff, f"/staff/consultations/{created.json()['id']}"


def integrity(url: str) -> str:
    path = sqlite_file(url)
    if path is None:  # PostgreSQL: its own checks; compare snapshots instead
        return "ok"
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def admin_url(url: str) -> str:
    """The `postgres` database of the server of a PostgreSQL URL, for psycopg itself."""
    return url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
