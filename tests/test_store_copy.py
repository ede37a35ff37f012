"""`offerspec store copy`: a catalog with its whole history into a new store — every revision,
version, object number and head (drift too), no lock; a non-empty target, an old or damaged
source are refused; a failed or interrupted copy leaves the target as it was."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from copykit import build_history, drift_and_lock, everything, records
from offerspec.store.url import open_store, resolve_store

Run = Callable[..., Result]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """(url, file, catalog) of a store with six revisions, drift and a stale lock row."""
    base = tmp_path_factory.mktemp("source")
    db = base / "source.db"
    cat = build_history(base, f"sqlite:///{db}")
    drift_and_lock(db)
    return f"sqlite:///{db}", db, cat


@pytest.fixture
def src(source: tuple[str, Path, Path], tmp_path: Path) -> tuple[str, Path, Path]:
    """A private copy of the source store (for the tests that damage or watch it)."""
    _, db, cat = source
    mine = tmp_path / "src.db"
    shutil.copy(db, mine)
    return f"sqlite:///{mine}", mine, cat


def test_a_copy_reads_exactly_as_its_source(run: Run, source: tuple[str, Path, Path],
                                            tmp_path: Path) -> None:
    url, _, cat = source
    target = f"sqlite:///{tmp_path}/copy.db"
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
    assert "monthly-digital" in plan_copy.stdout


def test_the_copy_is_a_store_of_its_own_that_goes_on_numbering(
        run: Run, src: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, db, shared = src
    cat = tmp_path / "catalog"
    shutil.copytree(shared, cat)
    target = f"sqlite:///{tmp_path}/copy.db"
    assert run("store", "copy", "--from", url, "--to", target).exit_code == 0
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("SELECT count(*) FROM locks").fetchone() == (0,)
        identity = conn.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
    conn.close()
    with sqlite3.connect(db) as conn:
        assert identity != conn.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
    conn.close()
    for store in (url, target):  # the drift repaired, and a new plan: the same numbers in both
        (cat / "extra.yaml").write_text("plans:\n  - id: extra\n    nickname: Extra\n"
                                        "    product: digital-access\n    amount: 100\n"
                                        "    currency: USD\n    interval: month\n")
        assert run("apply", str(cat), "--store", store, "--auto-approve").exit_code == 0
        plan = run("plan", str(cat), "--store", store)
        assert plan.stdout.strip().endswith("No changes."), plan.stdout
    assert records(target) == records(url)
    snapshot: Any = open_store(resolve_store(target), writable=False)
    try:
        extra = snapshot.snapshot().get("plans", "extra")
        assert extra is not None and extra.number == 25  # after the 24 copied, as in the source
    finally:
        snapshot.close()


def test_a_target_that_holds_a_revision_is_refused_and_left_untouched(
        run: Run, source: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, _, cat = source
    target = tmp_path / "busy.db"
    assert run("apply", str(cat), "--store", f"sqlite:///{target}", "--auto-approve"
               ).exit_code == 0
    before = target.read_bytes()
    result = run("store", "copy", "--from", url, "--to", f"sqlite:///{target}")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: sqlite:///{target}: the target store is not empty")
    assert "hint: copy into a new store" in result.stderr
    assert target.read_bytes() == before


def test_an_empty_store_may_be_the_target(run: Run, source: tuple[str, Path, Path],
                                          tmp_path: Path) -> None:
    url, _, _ = source
    target = f"sqlite:///{tmp_path}/empty.db"
    open_store(resolve_store(target)).close()  # created, nothing applied
    (tmp_path / "zero.db").touch()
    for each in (target, f"sqlite:///{tmp_path}/zero.db"):
        result = run("store", "copy", "--from", url, "--to", each)
        assert result.exit_code == 0, result.output
        assert records(each) == records(url)


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


@pytest.mark.parametrize("existing", [False, True], ids=["new file", "empty store"])
def test_an_interrupted_copy_leaves_the_target_as_it_was(
        run: Run, src: tuple[str, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        existing: bool) -> None:
    from offerspec.store.sqlite import history_copy

    url, _, _ = src
    target = tmp_path / "new.db"
    if existing:
        open_store(resolve_store(f"sqlite:///{target}")).close()
    before = _tables(target) if existing else None
    calls = []
    real = history_copy.stored_form

    def interrupted(*args: Any) -> tuple[str, int]:
        calls.append(1)
        if len(calls) == 20:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(history_copy, "stored_form", interrupted)
    result = run("store", "copy", "--from", url, "--to", f"sqlite:///{target}")
    assert result.exit_code == 130, result.output
    assert "nothing was copied" in result.stderr
    if existing:
        assert _tables(target) == before  # the empty store, no lock row left
    else:
        assert not target.exists()
    assert not [p.name for p in tmp_path.iterdir() if ".copy-" in p.name]  # no temporary file
    monkeypatch.setattr(history_copy, "stored_form", real)
    assert run("store", "copy", "--from", url, "--to", f"sqlite:///{target}").exit_code == 0


def _tables(db: Path) -> dict[str, list[Any]]:
    with sqlite3.connect(db) as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        found = {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    conn.close()
    return found
