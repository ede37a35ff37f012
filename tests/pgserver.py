"""A throw-away PostgreSQL cluster for the tests: initdb + pg_ctl in a temp dir, on 127.0.0.1.

One cluster per test session (``cluster`` fixture, started lazily by the first test that needs
it); each test gets its own PostgreSQL schema in one database (``?schema=t_N``: creating a
schema costs nothing, a database ~100 ms). The server binaries are taken from
``/usr/lib/postgresql/*/bin`` (Debian's packages) or ``PATH``; as root, the cluster runs as the
``postgres`` OS user (the server refuses to run as root). When no server can be started the
PostgreSQL tests skip with the reason, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DATABASE = "offerspec_test"
SERVER_OPTIONS = "-c listen_addresses=127.0.0.1 -c max_connections=60"
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB"
"""Tests need no durability across a crash of the machine; benchmarks keep it (durable=True)."""


def find_bin() -> Path | None:
    """The directory of initdb/pg_ctl: the newest Debian cluster's, else the one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Cluster:
    """A running cluster; ``url(schema)`` is a store URL in its test database."""

    bin: Path
    directory: Path
    port: int
    user: str | None
    """The OS user running the server (None: this process's user)."""
    durable: bool = False
    """fsync and full-page writes on, as a real server (bench/); the tests run without."""
    _schemas: Iterator[int] = field(default_factory=itertools.count, repr=False)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def base_url(self, database: str = DATABASE, role: str = "postgres") -> str:
        return f"postgresql://{role}@127.0.0.1:{self.port}/{database}"

    def url(self, schema: str | None = None) -> str:
        """A store URL for a schema nobody used yet (``schema`` given: that one)."""
        name = schema or f"t_{os.getpid()}_{next(self._schemas)}"
        return f"{self.base_url()}?schema={name}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.bin / args[0]), *args[1:]], user=self.user,
                              capture_output=True, text=True, check=check, timeout=60,
                              cwd=self.directory)

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"), "-w",
                 "-t", "30", "-o", f"-p {self.port} -k {self.directory} {SERVER_OPTIONS}"
                 + ("" if self.durable else f" {FAST}"),
                 "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    def sql(self, statement: str, database: str = DATABASE) -> list[tuple[object, ...]]:
        """Run one statement as the superuser (autocommit); returns its rows."""
        import psycopg

        with psycopg.connect(self.base_url(database), autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []


def start_cluster(*, durable: bool = False) -> tuple[Cluster | None, str]:
    """(a running cluster, "") or (None, why not)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "psycopg is not installed (pip install -e '.[test]')"
    bin_dir = find_bin()
    if bin_dir is None:
        return None, ("no PostgreSQL server binaries (initdb) in /usr/lib/postgresql/*/bin or "
                      "on PATH: apt-get install postgresql")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return None, "running as root and there is no 'postgres' OS user to run the server"
        user = "postgres"
    directory = Path(tempfile.mkdtemp(prefix="offerspec-pg-"))
    if user is not None:
        shutil.chown(directory, user)
    cluster = Cluster(bin_dir, directory, free_port(), user, durable)
    try:
        cluster.run("initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--no-locale", "--no-sync")
        for _ in range(3):  # the free port may be taken meanwhile
            try:
                cluster.start()
                break
            except subprocess.CalledProcessError:
                cluster.port = free_port()
        else:
            cluster.start()
        cluster.sql(f"CREATE DATABASE {DATABASE}", "postgres")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        log = directory / "log"
        detail = log.read_text(errors="replace")[-500:] if log.exists() else ""
        stderr = getattr(exc, "stderr", "") or ""
        cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
        return None, f"could not start a PostgreSQL cluster: {exc} {stderr[-300:]} {detail}"
    return cluster, ""


def unavailable(reason: str) -> None:
    """Skip, or under CI=true fail: CI must run every PostgreSQL test."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and no PostgreSQL server: {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL server: {reason}")
