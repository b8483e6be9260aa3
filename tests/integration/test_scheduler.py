"""deploy/scheduler.sh, the daily jobs of compose.yaml's `scheduler` service, run for
one round (`--once`) against a real database: it purges what is old, backs up, keeps
the newest KEEP_BACKUPS backups, and says so when a step fails."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select

from app.accounts.service import find_user
from app.accounts.tables import AuthSession
from app.clock import utcnow
from app.consultations.tables import Consultation
from app.db import make_engine, session_scope
from app.store.backup import file_kind
from app.store.tables import AuditEvent
from tests.conftest import BACKEND
from tests.integration.live import ROOT
from tests.integration.staff import StaffApp
from tests.integration.test_cli import count

SCRIPT = ROOT / "deploy" / "scheduler.sh"
OLD_BACKUPS = [f"choosewell-2026010{day}T020000Z.backup" for day in (1, 2, 3)]


def scheduler(url: str, backups: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT), "--once"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "DATABASE_URL": url,
            "BACKUP_DIR": str(backups),
            **env,
        },
        timeout=300,
        check=False,
    )


def test_one_round_purges_backs_up_and_keeps_the_newest_backups(
    staff_app: StaffApp, tmp_path: Path
) -> None:
    client, staff = staff_app
    for _ in range(2):
        created = client.post("/api/v1/consultations", json={"avoid": ["tremor"]})
        assert created.status_code == 201
    staff.headers(client, "cora")  # a live token: stays
    staff.headers(client, "phil")  # made to expire below: goes
    engine = make_engine(staff.url)
    with session_scope(engine) as session:
        old = session.exec(select(Consultation)).first()
        phil = find_user(session, "phil")
        assert old is not None and phil is not None
        session.execute(
            update(Consultation)
            .where(col(Consultation.id) == old.id)
            .values(created_at=utcnow() - timedelta(days=91))
        )
        session.execute(
            update(AuthSession)
            .where(col(AuthSession.user_id) == phil.id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    engine.dispose()
    sessions_before = count(staff.url, AuthSession)
    backups = tmp_path / "backups"
    backups.mkdir()
    for name in (*OLD_BACKUPS, "notes.txt"):
        (backups / name).write_text("an older backup")

    done = scheduler(staff.url, backups, KEEP_BACKUPS="2", KEEP_CONSULTATION_DAYS="90")
    assert done.returncode == 0, done.stdout + done.stderr

    assert count(staff.url, Consultation) == 1, "the one older than 90 days went"
    assert count(staff.url, AuthSession) == sessions_before - 1, "the expired session went"
    engine = make_engine(staff.url)
    with session_scope(engine) as session:
        done_by = {
            e.action
            for e in session.exec(select(AuditEvent).where(AuditEvent.actor == "scheduler"))
        }
    engine.dispose()
    assert done_by == {"sessions.purge", "consultation.purge"}
    kept = sorted(p.name for p in backups.iterdir())
    new = [n for n in kept if n.startswith("choosewell-") and n not in OLD_BACKUPS]
    assert len(new) == 1 and file_kind(backups / new[0]) == BACKEND
    assert kept == sorted([OLD_BACKUPS[-1], new[0], "notes.txt"]), "newest 2 and other files"


def test_a_failed_step_is_reported_and_keeps_every_old_backup(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    for name in OLD_BACKUPS:
        (backups / name).write_text("an older backup")
    missing = f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}"
    done = scheduler(missing, backups, KEEP_BACKUPS="1")
    assert done.returncode == 1
    assert "backup FAILED" in done.stdout
    assert sorted(p.name for p in backups.iterdir()) == OLD_BACKUPS, "nothing pruned"
