"""A throwaway PostgreSQL server for the sync tests (issue 17), started as the ``postgres`` user.

PostgreSQL refuses to run as root and CI runs as root, so the server is Debian's binaries
(``/usr/lib/postgresql/<major>/bin``) run through ``runuser -u postgres`` on a data folder owned by that user,
listening on a unix socket only (``listen_addresses=''``) in a folder of its own, on a free port number (the
socket's name). Every test database is created by :meth:`PgServer.new_database` and reached over the socket
with trust authentication as the ``postgres`` role. The server is stopped and its folder removed at the end.

A non-root user runs the binaries directly (no ``runuser``). Where the binaries are absent on a platform
other than Linux, the fixture skips with the reason; on Linux their absence is an error (CI installs them).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def pg_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<major>/bin`` holding ``initdb``, or the folder of ``initdb`` on the PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    """A running server: ``socket_dir`` and ``port`` reach it; ``url(db)`` is a libpq URL for a database."""

    root: Path
    port: int
    bin: Path
    as_postgres: bool
    databases: list[str] = field(default_factory=list)

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def url(self, dbname: str, *, scheme: str = "postgresql") -> str:
        return f"{scheme}://postgres@/{dbname}?host={self.socket_dir}&port={self.port}"

    def admin(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, name: str) -> str:
        """Create database ``name`` (dropped first if there) and return its URL."""
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return self.url(name)

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def start_server(*, durable: bool = False) -> PgServer:
    """Initialise and start a server in a new temporary folder (raises ``RuntimeError`` with pg's words).
    Not ``durable`` (the tests): no fsync, as a crash of a test server loses nothing anyone needs."""
    binaries = pg_bin()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL's initdb/pg_ctl not found (Debian: apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="pixm-pg-"))
    as_postgres = os.geteuid() == 0
    (root / "sock").mkdir()
    if as_postgres:
        os.chmod(root, 0o755)
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(root / "sock", "postgres", "postgres")
    server = PgServer(root, _free_port(), binaries, as_postgres)
    steps = [("initdb", "-D", str(root / "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"),
             ("pg_ctl", "-D", str(root / "data"), "-l", str(root / "server.log"), "-w", "-o",
              f"-k {root / 'sock'} -p {server.port} -c listen_addresses=''" + (
                  "" if durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"), "start")]
    for step in steps:
        r = server.run(*step)
        if r.returncode != 0:
            log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"{step[0]} failed: {r.stdout}{r.stderr}{log}")
    return server


def stop_server(server: PgServer) -> None:
    server.run("pg_ctl", "-D", str(server.root / "data"), "-m", "immediate", "-w", "stop")
    shutil.rmtree(server.root, ignore_errors=True)


@contextlib.contextmanager
def running_server(*, durable: bool = False) -> Iterator[PgServer]:
    server = start_server(durable=durable)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One server for the test session (skips only where PostgreSQL is absent on a non-Linux platform)."""
    if pg_bin() is None and not sys.platform.startswith("linux"):
        pytest.skip(f"PostgreSQL server binaries (initdb, pg_ctl) are not installed on {sys.platform}")
    with running_server() as server:
        yield server


@pytest.fixture
def central_url(pg_server, request) -> str:
    """A new, empty database on the session's server for this test; its libpq URL."""
    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())[:50]
    return pg_server.new_database(name)
