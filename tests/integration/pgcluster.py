"""A private, throwaway PostgreSQL cluster that a test may stop and start at will.

Fault tests must never stop the shared cluster of TEST_DATABASE_URL, so they start
their own: initdb in a temporary directory, a random port, `pg_ctl -m immediate stop`
(a crash, as when the server dies), and a restart on the same port. As root the server
runs as the postgres user (`runuser -u postgres --`), as scripts/run-tests does.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.integration.live import free_port


def pg_bin() -> Path | None:
    """The newest /usr/lib/postgresql/*/bin with initdb, or None."""
    found = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p, "initdb").exists()]
    found.sort(key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")])
    return found[-1] if found else None


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PgCluster:
    def __init__(self, bindir: Path) -> None:
        self.bin = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="sdm-pgfault."))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        self.running = False

    def _run(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / args[0]), *args[1:]]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def init(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "sdm",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=100"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w",
            "-o", options, "start",
        )  # fmt: skip
        self.running = True

    def stop(self) -> None:
        """A crash: no checkpoint, clients are cut off at once."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://sdm@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        if self.running:
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def private_cluster() -> Iterator[PgCluster]:
    bindir = pg_bin()
    if bindir is None:
        raise RuntimeError("no PostgreSQL binaries in /usr/lib/postgresql/*/bin")
    cluster = PgCluster(bindir)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()
