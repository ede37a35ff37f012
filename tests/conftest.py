from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from offerspec.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "offers"
NOBODY = 65534


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write dedented YAML files under tmp_path: write(a="...", b="...") -> the directory."""

    def make(**files: str) -> Path:
        for name, text in files.items():
            path = tmp_path / f"{name}.yaml"
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return tmp_path

    return make


@pytest.fixture
def unprivileged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Callable[[], Any]]]:
    """(a directory an ordinary user can enter, as_user): tests of file permissions run as root too.

    Root ignores permission bits, so ``as_user()`` drops the *effective* ids to nobody for a
    ``with`` block (and restores them); when not root it changes nothing. The directory is
    world-traversable but not world-writable, unlike pytest's private tmp directories.
    """
    base = Path(tempfile.mkdtemp(prefix="offerspec-perm-"))
    base.chmod(0o755)

    @contextmanager
    def as_user() -> Iterator[None]:
        if os.geteuid() != 0:
            yield
            return
        groups = os.getgroups()
        os.setgroups([NOBODY])
        os.setegid(NOBODY)
        os.seteuid(NOBODY)
        try:
            yield
        finally:
            os.seteuid(0)
            os.setegid(0)
            os.setgroups(groups)

    try:
        yield base, as_user
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def cat(tmp_path: Path) -> Path:
    """A private copy of the bundled examples, to edit."""
    from storekit import copy_examples

    return copy_examples(tmp_path)


@pytest.fixture
def url(tmp_path: Path) -> str:
    """The URL of a SQLite store in tmp_path (no file yet)."""
    return f"sqlite:///{tmp_path}/store.db"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite store URL, for tests of what only the SQLite store does (its file, WAL, ...)."""
    return f"sqlite:///{tmp_path}/store.db"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """One throw-away PostgreSQL cluster for the session (tests/pgserver.py); skipped with the
    reason when none can be started, a failure under CI=true."""
    from pgserver import start_cluster, unavailable

    cluster, why = start_cluster()
    if cluster is None:
        unavailable(why)
    assert cluster is not None
    try:
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(cluster.directory, ignore_errors=True)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    """A PostgreSQL store URL: a schema nobody used yet in the session's cluster."""
    url: str = request.getfixturevalue("pg_cluster").url()
    return url


STORES = ("sqlite", "postgresql")


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store contract runs against every store: a fresh SQLite file, a fresh PostgreSQL
    schema. A contract test module says ``url = store_url_fixture`` to run on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.db"
    return str(request.getfixturevalue("pg_url"))
