"""Saved plans (stale ones refused), the apply lock, concurrent and killed applies: on every
store (the ``url`` fixture runs each test on SQLite and PostgreSQL) but for what only the SQLite
store does (``sqlite_url``)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from offerspec.diagnostics import OfferspecError
from offerspec.store.base import StoreLocked
from storekit import (
    copy_examples,
    edit,
    edit_live,
    exists,
    heads,
    live_text,
    open_sqlite,
    open_url,
    query,
    scheme,
    write_big_catalog,
)


@pytest.fixture
def url(store_url: str) -> str:
    return store_url


def test_saved_plan_applies_exactly_without_asking(run, cat, url, tmp_path) -> None:
    out = tmp_path / "plan.json"
    made = run("plan", str(cat), "--store", url, "--out", str(out))
    assert made.exit_code == 0 and out.is_file()
    # The catalog changing after the plan was saved doesn't matter: the plan is what's applied.
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Other\n")
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 0, result.output
    assert "Applied revision 1" in result.stdout
    assert json.loads(heads(url)[("plans", "monthly-digital")])["nickname"] == (
        "Monthly Digital")


def test_stale_saved_plan_is_refused_naming_what_changed(run, cat, url, tmp_path) -> None:
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    out = tmp_path / "plan.json"
    assert run("plan", str(cat), "--store", url, "--out", str(out)).exit_code == 0
    # Someone applies another change to the same plan first.
    other = copy_examples(tmp_path / "other")
    edit(other / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly!\n")
    assert run("apply", str(other), "--store", url, "--auto-approve").exit_code == 0
    before = heads(url)
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 1
    assert "the saved plan is stale" in result.stderr
    assert "the store moved from revision 1 to 2" in result.stderr
    assert "plan monthly-digital changed" in result.stderr
    assert heads(url) == before


def test_out_of_band_edit_makes_a_saved_plan_stale(run, cat, url, tmp_path) -> None:
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    out = tmp_path / "plan.json"
    run("plan", str(cat), "--store", url, "--out", str(out))
    db = url
    edit_live(db, "monthly-digital", live_text(db, "monthly-digital").replace("999", "998"))
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 1 and "plan monthly-digital changed" in result.stderr


def test_saved_plan_for_another_store_is_refused(run, cat, url, tmp_path) -> None:
    out = tmp_path / "plan.json"
    open_url(url).close()  # an empty store
    run("plan", str(cat), "--store", url, "--out", str(out))
    result = run("apply", "--plan", str(out), "--store", f"sqlite:///{tmp_path}/other.db")
    assert result.exit_code == 1
    assert f"the plan was made for store {scheme(url)}:" in result.stderr


@pytest.mark.parametrize("content, message", [
    ("{not json", "not a usable offerspec plan file"),
    ('{"format": "something-else"}', "it is not an offerspec plan"),
    ('{"format": "offerspec-plan", "format_version": 99}', "format_version 99"),
    ('{"format": "offerspec-plan", "format_version": 1, "store": {}}',
     "offerspec_version: field required (and 7 more)"),
    ('{"format": "offerspec-plan", "format_version": 1, "catalog_hash": "x", "options": '
     '{"delete_removed": false, "allow_destroy": false, "max_archive_share": 0.5}, '
     '"store": {"identity": "i", "url": "u", "revision": 0}, "changes": [{"action": "explode"}]}',
     "offerspec_version: field required"),  # test_saved_plan_schema: each key, located
])
def test_corrupt_plan_file(run, url, tmp_path, content, message) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run("apply", "--plan", str(bad), "--store", url)
    assert result.exit_code == 1
    assert message in result.stderr and "hint:" in result.stderr


def test_plan_file_with_invalid_object_data_is_refused(run, cat, url, tmp_path) -> None:
    out = tmp_path / "plan.json"
    open_url(url).close()  # an empty store
    run("plan", str(cat), "--store", url, "--out", str(out))
    doc = json.loads(out.read_text())
    plan = next(c for c in doc["changes"] if c["id"] == "monthly-digital")
    plan["data"]["amount"] = 9.99
    out.write_text(json.dumps(doc))
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 1
    assert "plan monthly-digital: amount: Input should be a valid integer" in result.stderr
    assert not heads(url)


def test_missing_plan_file_and_paths_with_plan(run, url, tmp_path, cat) -> None:
    result = run("apply", "--plan", str(tmp_path / "nope.json"), "--store", url)
    assert result.exit_code == 1 and "no such plan file" in result.stderr
    both = run("apply", str(cat), "--plan", "x.json", "--store", url)
    assert both.exit_code == 2


def test_lock_times_out_naming_the_holder_and_force_unlock(run, cat, sqlite_url) -> None:
    url = sqlite_url
    store = open_sqlite(url)
    with store.lock(1.0) as held:
        result = run("apply", str(cat), "--store", url, "--auto-approve", "--lock-timeout", "0.3")
        assert result.exit_code == 1
        assert f"the store is locked: lock {held.id} held by" in result.stderr
        assert f"offerspec force-unlock {held.id}" in result.stderr
        wrong = run("force-unlock", "nope", "--store", url)
        assert wrong.exit_code == 1 and f"the lock id is {held.id}" in wrong.stderr
        freed = run("force-unlock", held.id, "--store", url)
        assert freed.exit_code == 0 and "removed lock" in freed.stdout
        assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    store.close()
    again = run("force-unlock", "x", "--store", url)
    assert again.exit_code == 1 and "is not locked" in again.stderr


def test_lock_of_a_dead_process_on_this_host_is_taken_over(sqlite_url) -> None:
    url = sqlite_url
    store = open_sqlite(url)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    with store.lock(1.0) as held:
        store.conn.execute("UPDATE locks SET pid = ?", (int(dead.stdout),))
        other = open_sqlite(url)
        with other.lock(0.5) as mine:
            assert mine.id != held.id
        other.close()
    store.close()


def test_locked_error_type(url) -> None:
    first, second = open_url(url), open_url(url)
    with first.lock(1.0), pytest.raises(StoreLocked), second.lock(0.1):
        pass
    first.close()
    second.close()


def _cli(*args: str, cwd: Path, quiet: bool = False) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("OFFERSPEC_STORE", None)
    # quiet: a long plan on a pipe nobody reads would block the child before it applies.
    stdout = subprocess.DEVNULL if quiet else subprocess.PIPE
    return subprocess.Popen([sys.executable, "-m", "offerspec", *args], cwd=cwd, env=env,
                            stdout=stdout, stderr=subprocess.PIPE, text=True)


def test_two_concurrent_applies_are_serialized(cat, tmp_path, url) -> None:
    procs = [_cli("apply", str(cat), "--store", url, "--auto-approve", "--lock-timeout", "60",
                  cwd=tmp_path) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    stdouts = sorted(o[0] for o in outputs)
    # Exactly one of them created everything; the other, once it had the lock, found nothing to do.
    assert sum("Applied revision 1" in s for s in stdouts) == 1
    assert sum("No changes." in s for s in stdouts) == 1
    store = open_url(url)
    assert [r.number for r in store.history()] == [1]
    store.close()


def _state(db: str) -> tuple[int, dict[tuple[str, str], str]]:
    if db.startswith("sqlite:"):
        assert query(db, "PRAGMA integrity_check") == [("ok",)]
    revision = query(db, "SELECT coalesce(max(number), 0) FROM revisions")[0][0]
    return revision, heads(db)


def test_killed_apply_leaves_the_store_before_or_after(tmp_path, url) -> None:
    db = url
    before_dir, after_dir = tmp_path / "a", tmp_path / "b"
    write_big_catalog(before_dir, 3000, 100)
    write_big_catalog(after_dir, 3000, 200)  # every plan replaced: 6,000 version rows
    first = _cli("apply", str(before_dir), "--store", url, "--auto-approve", cwd=tmp_path,
                 quiet=True)
    first.communicate(timeout=120)
    assert first.returncode == 0
    before = _state(db)
    args = ("apply", str(after_dir), "--store", url, "--auto-approve", "--max-archive-share", "1")

    def whole(state: tuple[int, dict[tuple[str, str], str]]) -> str:
        if state[0] == before[0]:
            assert state == before
            return "before"
        assert state[0] == before[0] + 1
        plans = [json.loads(d) for (k, _), d in state[1].items() if k == "plans"]
        assert len(plans) == 3000 and all(p["amount"] >= 200 for p in plans)
        return "after"

    # Killed inside the transaction: right after the first progress line (2,000 of 3,000
    #    written, not committed). Only a very slow parent could let it commit first.
    proc = _cli(*args, cwd=tmp_path, quiet=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.startswith("applying: 2000/3000"), line
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    whole(_state(db))
    # Kills at random points inside the transaction: test_apply_interrupts.py. (Timed from the
    # process start, as they once were here, few kills landed inside the ~0.3 s transaction:
    # most came before it began or after the process had ended.)


def test_store_errors(run, cat, tmp_path) -> None:
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    cases = {
        f"sqlite:///{corrupt}": "cannot open the store",
        "sqlite://host/x.db": "malformed store URL",
        "postgresql://nobody@127.0.0.1:1/offers": "cannot connect to the PostgreSQL server",
        "postgresql://127.0.0.1/offers?schema=Bad-Name": "is not a plain PostgreSQL name",
        "https://example.invalid/api": "https stores are not supported yet",
        "ftp://x/y": "unknown store URL scheme",
        f"sqlite:///{tmp_path}/missing/dir/x.db": "does not exist",
    }
    for store, message in cases.items():
        result = run("plan", str(cat), "--store", store)
        assert result.exit_code == 1, store
        assert message in result.stderr and "hint:" in result.stderr, result.stderr
        assert "Traceback" not in result.output


def test_detailed_exitcode_never_two_on_error(run, cat, tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.yaml").write_text("plans:\n  - id: x\n    amount: 9.99\n")
    for args in (["plan", str(bad), "--store", url, "--detailed-exitcode"],
                 ["plan", str(cat), "--store", "sqlite:/x", "--detailed-exitcode"],
                 ["plan", str(cat), "--detailed-exitcode", "--format", "yaml"],
                 ["plan", str(cat), "--detailed-exitcode", "--no-such-flag"],
                 ["plan", str(tmp_path / "nowhere"), "--store", url, "--detailed-exitcode"]):
        assert run(*args).exit_code == 1, args


def test_apply_refused_store_is_library_error(tmp_path) -> None:
    from offerspec.store.url import url_to_path

    with pytest.raises(OfferspecError):
        url_to_path("", tmp_path)


def test_database_held_by_another_tool_is_a_user_error(run, cat, sqlite_url, tmp_path) -> None:
    url = sqlite_url
    open_sqlite(url).close()  # an empty store
    other = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. a DB browser with unsaved changes
    try:
        result = run("apply", str(cat), "--store", url, "--auto-approve", "--lock-timeout", "0")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 1
    assert "the database refused the write" in result.stderr and "hint:" in result.stderr


_OPEN_NEW_STORE = """
import sys
from pathlib import Path
from offerspec.store.sqlite import SQLiteStore
for i in range(int(sys.argv[2])):
    path = Path(sys.argv[1]) / f"{i}.db"
    SQLiteStore(path, f"sqlite:///{path}", busy_timeout=10).close()
"""


def test_processes_opening_the_same_new_store_at_once_all_succeed(tmp_path) -> None:
    # Switching a new file to WAL takes an exclusive lock that SQLite refuses at once, without
    # waiting, while another process does the same: opening must retry, not fail.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    procs = [subprocess.Popen([sys.executable, "-c", _OPEN_NEW_STORE, str(tmp_path), "40"],
                              env=env, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors


# -- before the first apply: a plan reads, it creates no store --------------------------------


def test_plan_creates_no_store_and_its_saved_plan_creates_it_on_apply(run, cat, url, tmp_path) -> None:
    db, out = url, tmp_path / "plan.json"
    made = run("plan", str(cat), "--store", url, "--out", str(out))
    assert made.exit_code == 0 and "20 to create" in made.stdout
    assert not exists(url)  # a mistyped --store leaves nothing behind
    assert json.loads(out.read_text())["store"]["identity"] == f"new:{url}"
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 0, result.output
    assert "Applied revision 1" in result.stdout
    assert len(heads(db)) == 20
    assert "No changes." in run("plan", str(cat), "--store", url).stdout


def test_plan_for_a_new_store_is_stale_once_the_store_was_applied_to(run, cat, url, tmp_path) -> None:
    out = tmp_path / "plan.json"
    assert run("plan", str(cat), "--store", url, "--out", str(out)).exit_code == 0
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 1
    assert "the plan was made before the store's first apply; it is now at revision 1" in (
        result.stderr)
    other = run("apply", "--plan", str(out), "--store", f"sqlite:///{tmp_path}/other.db")
    assert other.exit_code == 1
    assert f"the plan was made for a new store at {url}" in other.stderr
    assert not (tmp_path / "other.db").exists()  # refused before opening, so not created


def test_saved_plan_for_an_existing_store_is_refused_where_there_is_none(run, cat, url,
                                                                         tmp_path) -> None:
    out = tmp_path / "plan.json"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    assert run("plan", str(cat), "--store", url, "--out", str(out)).exit_code == 0
    missing = tmp_path / "typo.db"
    result = run("apply", "--plan", str(out), "--store", f"sqlite:///{missing}")
    assert result.exit_code == 1
    assert f"the plan was made for store {scheme(url)}:" in result.stderr
    assert f"there is no store at sqlite:///{missing}" in result.stderr
    assert not missing.exists()
