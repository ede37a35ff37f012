"""`offerspec store copy`: a catalog with its whole history into a new store — every revision,
version, object number and head (drift too), no lock; a non-empty target, an old or damaged
source are refused; a failed or interrupted copy leaves the target as it was."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from copykit import build_history, drift_and_lock, everything, pg_drift, records
from offerspec.store.dump import RevisionRecord
from offerspec.store.url import open_store, resolve_store
from storekit import exists, open_url, query

Run = Callable[..., Result]


@pytest.fixture(scope="module")
def sqlite_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """(url, file, catalog) of a SQLite store with six revisions, drift and a stale lock."""
    base = tmp_path_factory.mktemp("source")
    db = base / "source.db"
    cat = build_history(base, f"sqlite:///{db}")
    drift_and_lock(db)
    return f"sqlite:///{db}", db, cat


@pytest.fixture(scope="module")
def pg_source(tmp_path_factory: pytest.TempPathFactory, pg_cluster: Any) -> tuple[str, Path]:
    """(url, catalog) of the same history in a PostgreSQL store."""
    url: str = pg_cluster.url()
    cat = build_history(tmp_path_factory.mktemp("pgsource"), url)
    pg_drift(url)
    return url, cat


@pytest.fixture
def source(sqlite_source: tuple[str, Path, Path]) -> tuple[str, Path, Path]:
    return sqlite_source


@pytest.fixture
def src(source: tuple[str, Path, Path], tmp_path: Path) -> tuple[str, Path, Path]:
    """A private copy of the source store (for the tests that damage or watch it)."""
    _, db, cat = source
    mine = tmp_path / "src.db"
    shutil.copy(db, mine)
    return f"sqlite:///{mine}", mine, cat


def new_store(request: pytest.FixtureRequest, kind: str, tmp_path: Path, name: str) -> str:
    """A store URL where there is no store yet, of ``kind``."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/{name}.db"
    url: str = request.getfixturevalue("pg_cluster").url()
    return url


PAIRS = [("sqlite", "sqlite"), ("sqlite", "postgresql"), ("postgresql", "sqlite"),
         ("postgresql", "postgresql")]


def pick(request: pytest.FixtureRequest, kind: str) -> tuple[str, Path]:
    if kind == "sqlite":
        url, _, cat = request.getfixturevalue("sqlite_source")
        return url, cat
    found: tuple[str, Path] = request.getfixturevalue("pg_source")
    return found


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_a_copy_reads_exactly_as_its_source(run: Run, request: pytest.FixtureRequest,
                                            tmp_path: Path, pair: tuple[str, str]) -> None:
    url, cat = pick(request, pair[0])
    target = new_store(request, pair[1], tmp_path, "copy")
    result = run("store", "copy", "--from", url, "--to", target)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Copied {url} to {target}: 6 revision(s), 24 object(s), ")
    assert records(target) == records(url)
    shown = tmp_path / "shown"
    shown.mkdir()
    assert everything(target, shown) == everything(url, shown)
    plan_source = run("plan", str(cat), "--store", url)
    plan_copy = run("plan", str(cat), "--store", target)
    # the same plan, the same drift of monthly-digital (only the store line differs)
    assert plan_copy.stdout.split("\n")[1:] == plan_source.stdout.split("\n")[1:]
    assert "monthly-digital  [drift: changed outside offerspec]" in plan_copy.stdout


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_the_copy_is_a_store_of_its_own_that_goes_on_numbering(
        run: Run, request: pytest.FixtureRequest, tmp_path: Path, pair: tuple[str, str]) -> None:
    shared_url, shared = pick(request, pair[0])
    url = new_store(request, pair[0], tmp_path, "src")
    assert run("store", "copy", "--from", shared_url, "--to", url).exit_code == 0
    cat = tmp_path / "catalog"
    shutil.copytree(shared, cat)
    target = new_store(request, pair[1], tmp_path, "copy")
    assert run("store", "copy", "--from", url, "--to", target).exit_code == 0
    identities = []
    for store in (url, target):  # the drift repaired, and a new plan: the same numbers in both
        opened: Any = open_store(resolve_store(store), writable=False)
        identities.append(opened.snapshot().identity)
        opened.close()
        (cat / "extra.yaml").write_text("plans:\n  - id: extra\n    nickname: Extra\n"
                                        "    product: digital-access\n    amount: 100\n"
                                        "    currency: USD\n    interval: month\n")
        assert run("apply", str(cat), "--store", store, "--auto-approve").exit_code == 0
        plan = run("plan", str(cat), "--store", store)
        assert plan.stdout.strip().endswith("No changes."), plan.stdout
    assert identities[0] != identities[1]  # a plan saved for one does not apply to the other

    def untimed(url: str) -> list[Any]:  # the two applies of revision 7 ran a moment apart
        return [dataclasses.replace(r, time="") if isinstance(r, RevisionRecord) else r
                for r in records(url)]

    assert untimed(target) == untimed(url)
    snapshot: Any = open_store(resolve_store(target), writable=False)
    try:
        extra = snapshot.snapshot().get("plans", "extra")
        assert extra is not None and extra.number == 25  # after the 24 copied, as in the source
    finally:
        snapshot.close()


def test_locks_are_not_copied(run: Run, source: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, db, _ = source
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM locks").fetchone() == (1,)
    conn.close()
    assert run("store", "copy", "--from", url, "--to", f"sqlite:///{tmp_path}/c.db"
               ).exit_code == 0
    with sqlite3.connect(tmp_path / "c.db") as conn:
        assert conn.execute("SELECT count(*) FROM locks").fetchone() == (0,)
    conn.close()


def test_an_empty_file_may_be_the_target(run: Run, source: tuple[str, Path, Path],
                                         tmp_path: Path) -> None:
    url, _, _ = source
    (tmp_path / "zero.db").touch()
    result = run("store", "copy", "--from", url, "--to", f"sqlite:///{tmp_path}/zero.db")
    assert result.exit_code == 0, result.output
    assert records(f"sqlite:///{tmp_path}/zero.db") == records(url)


def test_the_same_store_and_a_missing_source_are_refused(run: Run, source: tuple[str, Path, Path],
                                                        tmp_path: Path) -> None:
    url, db, _ = source
    same = run("store", "copy", "--from", url, "--to", str(db))
    assert same.exit_code == 1 and "--from and --to are the same store" in same.stderr
    missing = run("store", "copy", "--from", f"sqlite:///{tmp_path}/none.db", "--to",
                  f"sqlite:///{tmp_path}/new.db")
    assert missing.exit_code == 1 and "no store at" in missing.stderr
    assert "hint: point --from" in missing.stderr
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "new.db").exists()
    nowhere = run("store", "copy", "--from", url, "--to", f"sqlite:///{tmp_path}/no/dir.db")
    assert nowhere.exit_code == 1 and "store directory" in nowhere.stderr


def test_from_defaults_to_the_configured_store(run: Run, source: tuple[str, Path, Path],
                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               ) -> None:
    url, _, _ = source
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OFFERSPEC_STORE", url)
    result = run("store", "copy", "--to", "sqlite:///copy.db")
    assert result.exit_code == 0, result.output
    assert records("sqlite:///copy.db") == records(url)


def test_an_old_source_is_refused_with_the_migrate_hint(run: Run, cat: Path,
                                                       tmp_path: Path) -> None:
    from test_store_migrate import write_v1_store

    old = tmp_path / "old.db"
    write_v1_store(old, cat)
    before = old.read_bytes()
    result = run("store", "copy", "--from", f"sqlite:///{old}", "--to",
                 f"sqlite:///{tmp_path}/new.db")
    assert result.exit_code == 1
    assert "schema version 1, older than this offerspec's" in result.stderr
    assert f"hint: the copy needs a current store: back the source up, then run: offerspec " \
           f"store migrate --store sqlite:///{old}" in result.stderr
    assert old.read_bytes() == before and not (tmp_path / "new.db").exists()


HEAD = "(SELECT number FROM heads WHERE id = 'annual-digital')"
DAMAGE = {
    "non-UTF-8 version": (f"UPDATE versions SET data = CAST(x'7bff7d' AS TEXT) WHERE number = "
                          f"{HEAD}", "data is not UTF-8 text"),
    "invalid JSON version": (f"UPDATE versions SET data = '{{oops' WHERE number = {HEAD}",
                             "data is not valid JSON"),
    "deep JSON version": (f"UPDATE versions SET data = '{{\"a\":' || "
                          f"replace(hex(zeroblob(50000)), '00', '[') || '}}' WHERE number = {HEAD}",
                          "data holds JSON nested too deeply"),
    "invalid JSON changes": ("UPDATE revisions SET changes = '[{' WHERE number = 2",
                             "revisions row 2: changes is not valid JSON"),
    "a change refers to no version": ("UPDATE revisions SET changes = '[{\"version\": 999}]' "
                                      "WHERE number = 3", "revisions row 3: change 1 refers to "
                                                          "version 999"),
    "wrong column type": ("UPDATE objects SET generation = 'x' WHERE number = 3",
                          "objects row number 3: generation is 'x', not an integer"),
    "unknown kind": ("UPDATE objects SET kind = 'widgets' WHERE number = 3",
                     "kind 'widgets' is not products"),
    "version of no object": ("INSERT INTO versions VALUES (9999, 1, '{}', 0)",
                             "object number 9999 is not in the objects table"),
    "version of no revision": ("INSERT INTO versions VALUES (3, 77, '{}', 0)",
                               "revision 77 is not in the revisions table"),
    "deleted version": (f"DELETE FROM versions WHERE number = {HEAD}",
                        "revisions row 1: change 4 refers to version 4, which is not in"),
    "missing head version": ("UPDATE heads SET revision = 5 WHERE id = 'annual-digital'",
                             "heads row plans/annual-digital: the version this refers to is "
                             "missing"),
    "head of no object": ("UPDATE heads SET number = 4242 WHERE id = 'annual-digital'",
                          "heads row plans/annual-digital: its object number 4242 is not"),
    "bad source map": ("UPDATE revisions SET source = '[1]' WHERE number = 1",
                       "revisions row 1: source is a JSON list"),
    "dropped table": ("DROP TABLE heads", "no such table: heads"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_source_is_a_located_error_and_nothing_is_copied(
        run: Run, src: tuple[str, Path, Path], tmp_path: Path, damage: str) -> None:
    url, db, _ = src
    statement, message = DAMAGE[damage]
    with sqlite3.connect(db) as conn:
        conn.execute(statement)
    conn.close()
    target = tmp_path / "new.db"
    result = run("store", "copy", "--from", url, "--to", f"sqlite:///{target}")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
    assert f"{url}: the store is damaged" in result.stderr
    assert "\n  hint: " in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.db"]  # no target, no temp file


KINDS = ["sqlite", "postgresql"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_target_store_holding_a_revision_is_refused_and_left_untouched(
        run: Run, request: pytest.FixtureRequest, source: tuple[str, Path, Path],
        tmp_path: Path, kind: str) -> None:
    url, _, cat = source
    target = new_store(request, kind, tmp_path, "busy")
    assert run("apply", str(cat), "--store", target, "--auto-approve").exit_code == 0
    before = records(target)
    result = run("store", "copy", "--from", url, "--to", target)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {target}: the target store is not empty")
    assert "hint: copy into a new store" in result.stderr
    assert records(target) == before


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_target_store_is_filled(run: Run, request: pytest.FixtureRequest,
                                         source: tuple[str, Path, Path], tmp_path: Path,
                                         kind: str) -> None:
    url, _, _ = source
    target = new_store(request, kind, tmp_path, "empty")
    open_url(target).close()  # created, nothing applied
    result = run("store", "copy", "--from", url, "--to", target)
    assert result.exit_code == 0, result.output
    assert records(target) == records(url)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("existing", [False, True], ids=["new", "empty"])
def test_an_interrupted_copy_leaves_the_target_as_it_was_then_copies(  # noqa: PLR0917
        run: Run, request: pytest.FixtureRequest, source: tuple[str, Path, Path],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, existing: bool) -> None:
    from offerspec.store.sqlite import history_copy

    url, _, _ = source
    target = new_store(request, kind, tmp_path, "new")
    if existing:
        open_url(target).close()
    before = _content(target)
    calls = []
    real = history_copy.stored_form

    def interrupted(*args: Any) -> tuple[str, int]:
        calls.append(1)
        if len(calls) == 20:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(history_copy, "stored_form", interrupted)
    result = run("store", "copy", "--from", url, "--to", target)
    assert result.exit_code == 130, result.output
    assert "nothing was copied: the target is as it was" in result.stderr
    assert _content(target) == before  # nothing (no file, no schema), or the empty store
    assert not [p.name for p in tmp_path.iterdir() if ".copy-" in p.name]  # no temporary file
    monkeypatch.setattr(history_copy, "stored_form", real)
    assert run("store", "copy", "--from", url, "--to", target).exit_code == 0
    assert records(target) == records(url)


def _content(url: str) -> Any:
    """Everything at ``url``: None when nothing is there, else every row of every table."""
    if not exists(url):
        return None
    if url.startswith("sqlite"):
        path = resolve_store(url).path
        assert path is not None
        with sqlite3.connect(path) as conn:
            tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE "
                                                 "type = 'table' ORDER BY name")]
            found = {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
        conn.close()
        return found
    tables = [t for (t,) in query(url, "SELECT tablename FROM pg_tables WHERE schemaname = "
                                       "current_schema() ORDER BY 1")]
    return {t: query(url, f"SELECT * FROM {t}") for t in tables}


def test_a_pg_source_is_copied_with_the_reader_role(run: Run, pg_source: tuple[str, Path],
                                                    pg_cluster: Any, tmp_path: Path) -> None:
    from test_postgres_store import ROLE_SETUP

    url, _ = pg_source
    pg_cluster.sql(ROLE_SETUP.format(schema=url.rsplit("schema=", 1)[1]))
    reader = url.replace("postgres@", "t_reader@")
    target = f"sqlite:///{tmp_path}/local.db"
    result = run("store", "copy", "--from", reader, "--to", target)
    assert result.exit_code == 0, result.output
    assert records(target) == records(url)


PG_DAMAGE = {
    "a change refers to no version": ("UPDATE revisions SET changes = '[{\"version\": 999}]' "
                                      "WHERE number = 3", "revisions row 3: change 1 refers to "
                                                          "version 999"),
    "invalid JSON changes": ("UPDATE revisions SET changes = '[{' WHERE number = 2",
                             "revisions row 2: changes is not valid JSON"),
    "missing head version": ("UPDATE heads SET revision = 5 WHERE id = 'annual-digital'",
                             "heads row plans/annual-digital: the version this refers to is "
                             "missing"),
    "invalid JSON version": ("UPDATE versions SET data = '{oops' WHERE number = 3",
                             "data is not valid JSON"),
}


@pytest.mark.parametrize("damage", sorted(PG_DAMAGE))
def test_a_damaged_pg_source_is_a_located_error(run: Run, request: pytest.FixtureRequest,
                                                tmp_path: Path, damage: str) -> None:
    shared, _ = request.getfixturevalue("pg_source")
    url = new_store(request, "postgresql", tmp_path, "mine")
    assert run("store", "copy", "--from", shared, "--to", url).exit_code == 0
    statement, message = PG_DAMAGE[damage]
    query(url, statement)
    target = new_store(request, "postgresql", tmp_path, "target")
    result = run("store", "copy", "--from", url, "--to", target)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {url}: the store is damaged: ")
    assert message in result.stderr, result.stderr
    assert not exists(target)


def test_every_message_shows_urls_redacted(run: Run, source: tuple[str, Path, Path],
                                           pg_cluster: Any, tmp_path: Path) -> None:
    """A password in --from or --to is never printed: not on success, not in any error."""
    url, _, _ = source
    secret = "s3cret-pw"
    with_password = pg_cluster.url().replace("postgres@", f"postgres:{secret}@")
    shown = with_password.replace(secret, "***")
    copied = run("store", "copy", "--from", url, "--to", with_password)
    assert copied.exit_code == 0 and f"to {shown}: 6 revision(s)" in copied.stdout
    back = f"sqlite:///{tmp_path}/back.db"
    outcomes = [copied, run("store", "copy", "--from", with_password, "--to", with_password),
                run("store", "copy", "--from", url, "--to", with_password),  # not empty
                run("store", "copy", "--from", with_password, "--to", back),
                run("store", "copy", "--from", with_password, "--to", back),  # not empty
                run("store", "copy", "--from", with_password.replace(
                    f":{pg_cluster.port}/", ":1/"), "--to", f"sqlite:///{tmp_path}/x.db"),
                run("store", "copy", "--from", url, "--to", with_password.replace(
                    "schema=", "schema=Bad-"))]
    assert [o.exit_code for o in outcomes] == [0, 1, 1, 0, 1, 1, 1]
    for outcome in outcomes:
        assert secret not in outcome.output
    assert f"--from and --to are the same store ({shown})" in outcomes[1].stderr
    assert f"error: {shown}: the target store is not empty" in outcomes[2].stderr
    assert "cannot connect to the PostgreSQL server" in outcomes[5].stderr


@pytest.fixture(scope="module")
def big_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """3,000 plans: a copy long enough to be killed in the middle."""
    from storekit import write_big_catalog

    base = tmp_path_factory.mktemp("big")
    url = f"sqlite:///{base}/big.db"
    cat = write_big_catalog(base / "catalog", 3000, 100)
    assert invoke_ok("apply", str(cat), "--store", url, "--auto-approve")
    return url


def invoke_ok(*args: str) -> bool:
    from copykit import invoke

    return invoke(*args).exit_code == 0


@pytest.mark.parametrize("kind", KINDS)
def test_a_copy_killed_midway_leaves_no_store_behind(request: pytest.FixtureRequest,
                                                     big_source: str, tmp_path: Path,
                                                     kind: str) -> None:
    """kill -9 once the first rows are written: the target's transaction never commits (a new
    SQLite file is only linked into place once complete), and the next copy is not locked out."""
    import os
    import signal
    import subprocess
    import sys

    target = new_store(request, kind, tmp_path, "killed")
    with subprocess.Popen([sys.executable, "-m", "offerspec", "store", "copy", "--from",
                           big_source, "--to", target], stderr=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, text=True) as process:
        assert process.stderr is not None
        line = process.stderr.readline()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert line.startswith("copying: "), line + process.stderr.read()
    assert not exists(target)  # no file at its path, no tables in the schema
    result = subprocess.run([sys.executable, "-m", "offerspec", "store", "copy", "--from",
                             big_source, "--to", target, "--lock-timeout", "5"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert records(target) == records(big_source)


def test_the_output_in_docs_stores_md_is_what_copy_prints(
        run: Run, source: tuple[str, Path, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from test_doc_samples import fenced

    (documented,) = fenced("docs/stores.md", "Copied sqlite:///").strip().splitlines()
    _, db, _ = source
    (tmp_path / ".offerspec").mkdir()
    shutil.copy(db, tmp_path / ".offerspec" / "store.db")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OFFERSPEC_STORE", raising=False)
    (tmp_path / ".git").mkdir()
    result = run("store", "copy", "--to", "sqlite:///copy.db")
    assert result.exit_code == 0, result.output
    shown = documented.replace("postgresql://offerspec_writer@db.internal:5432/catalog",
                               "sqlite:///copy.db")
    assert re.sub(r"in [0-9.]+s\.$", "", result.stdout.strip()) == re.sub(
        r"in [0-9.]+s\.$", "", shown)
