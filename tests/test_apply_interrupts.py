"""An apply interrupted (SIGINT, SIGTERM, SIGKILL) or failing late leaves the store exactly as it
was and the lock released; progress on a terminal; readers are never blocked by an apply."""

from __future__ import annotations

import os
import pty
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from offerspec.diagnostics import OfferspecError
from offerspec.diff.safety import PlanOptions
from offerspec.store.base import ApplyMeta
from offerspec.store.sqlite import SQLiteStore
from offerspec.workflow import load_desired, plan
from storekit import edit, open_sqlite, write_big_catalog

PLANS = 3000
TABLES = {"meta": "key", "objects": "number", "heads": "kind, id", "versions": "number, revision",
          "revisions": "number", "locks": "name"}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A store holding 3,000 plans (revision 1) and a catalog replacing every one of them
    (6,000 version rows in 2 batches)."""
    root = tmp_path_factory.mktemp("big")
    before = write_big_catalog(root / "before", PLANS, 100)
    after = write_big_catalog(root / "after", PLANS, 200)
    db = root / "base.db"
    store = SQLiteStore(db, f"sqlite:///{db}")
    catalog, _ = load_desired([before])
    with store.lock(5):
        changes = plan(catalog, store.snapshot()).changes
        store.apply(list(changes), 0, ApplyMeta("h", "s", "u", "h"))
    store.close()
    return {"db": db, "before": before, "after": after}


def fresh_store(big: dict[str, Path], tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "store.db"
    shutil.copy(big["db"], db)
    return db, f"sqlite:///{db}"


def dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the file is sound)."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = {t: conn.execute(f"SELECT * FROM {t} ORDER BY {order}").fetchall()
                  for t, order in TABLES.items()}
    conn.close()
    return tables


def cli(*args: str, cwd: Path, **popen: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("OFFERSPEC_STORE", None)
    popen.setdefault("stdout", subprocess.DEVNULL)  # a long plan on an unread pipe would block
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-m", "offerspec", *args], cwd=cwd, env=env,
                            text=True, **popen)


def read_until(fd: int, marker: bytes, proc: subprocess.Popen[str], timeout: float = 60) -> bytes:
    """Read a pty until ``marker`` shows (or the child ends, or the deadline passes)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    return seen


NOTHING = {signal.SIGINT: "interrupted; nothing was applied",
           signal.SIGTERM: "terminated (SIGTERM); nothing was applied",
           signal.SIGHUP: "hung up (SIGHUP); nothing was applied"}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_inside_the_apply_transaction_rolls_back_and_releases_the_lock(
        run, big, tmp_path, signum: int) -> None:
    db, url = fresh_store(big, tmp_path)
    before = dump(db)
    proc = cli("apply", str(big["after"]), "--store", url, "--auto-approve",
               "--max-archive-share", "1", cwd=tmp_path)
    assert proc.stderr is not None
    line = proc.stderr.readline()  # not a terminal: one whole line a batch
    assert line == f"applying: 2000/{PLANS} changes written\n", line
    proc.send_signal(signum)  # 2,000 of 3,000 replacements written, not committed
    _, err = proc.communicate(timeout=120)
    last = err.strip().splitlines()[-1]
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err
    if "committed as revision 2" in last:  # only a very slow parent lets it commit first
        assert dump(db)["revisions"][-1][0] == 2
        return
    assert last == NOTHING[signum], err
    assert dump(db) == before  # every table, the lock row included: it was released
    # The next apply needs no force-unlock.
    again = run("apply", str(big["after"]), "--store", url, "--auto-approve",
                "--max-archive-share", "1", "--lock-timeout", "0")
    assert again.exit_code == 0 and "Applied revision 2" in again.stdout, again.output


def test_killed_at_random_points_inside_the_apply_transaction(run, big, tmp_path) -> None:
    """SIGKILL from SQLite's progress handler: at a random VM step of the write transaction
    (inside the batches, the revision row or COMMIT), not before or after it."""
    db, url = fresh_store(big, tmp_path)
    pristine = tmp_path / "pristine.db"
    shutil.copy(db, pristine)
    store = SQLiteStore(db, url)
    catalog, _ = load_desired([big["after"]])
    changes = list(plan(catalog, store.snapshot(), PlanOptions(max_archive_share=1.0)).changes)
    store.close()
    before = dump(db)
    meta = ApplyMeta("h", "s", "u", "h")
    step = 1000  # VM instructions between two calls of the handler

    def apply_in_child(kill_at: int | None) -> int:
        """Fork; the child applies and, if ``kill_at``, kills itself at that handler call.
        Returns the child's handler-call count (complete apply) via its exit status."""
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                os.close(read)
                child = SQLiteStore(db, url)
                calls = 0

                def handler() -> int:
                    nonlocal calls
                    calls += 1
                    if calls == kill_at:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return 0

                with child.lock(30):
                    child.conn.set_progress_handler(handler, step)
                    child.apply(changes, 1, meta)
                    child.conn.set_progress_handler(None, 0)
                os.write(write, str(calls).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as pipe:
            calls = pipe.read()
        _, status = os.waitpid(pid, 0)
        if kill_at is None:
            assert os.WIFEXITED(status) and calls, status
            return int(calls)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
        return 0

    total = apply_in_child(None)  # a complete apply, on this copy: how many steps it takes
    assert total > 100, total
    shutil.copy(pristine, db)
    for leftover in (f"{db}-wal", f"{db}-shm"):  # the child's committed, un-checkpointed WAL
        Path(leftover).unlink(missing_ok=True)
    points = sorted(random.Random(2024).sample(range(1, total), 10))
    for kill_at in points:
        apply_in_child(kill_at)
        state = dump(db)
        # The child died holding the lock: its row stays (a dead pid on this host: taken over).
        assert len(state.pop("locks")) == 1
        assert state == {t: rows for t, rows in before.items() if t != "locks"}, kill_at
    result = run("apply", str(big["after"]), "--store", url, "--auto-approve",
                 "--max-archive-share", "1", "--lock-timeout", "0")
    assert result.exit_code == 0 and "Applied revision 2" in result.stdout, result.output
    assert dump(db)["locks"] == []
    again = run("apply", str(big["after"]), "--store", url, "--auto-approve")  # idempotent
    assert again.exit_code == 0 and again.stdout.endswith("No changes.\n"), again.output
    assert dump(db)["revisions"][-1][0] == 2


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_interrupted_while_waiting_for_the_lock(cat, tmp_path, signum: int) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    holder = open_sqlite(url)
    with holder.lock(1.0) as held:
        proc = cli("apply", str(cat), "--store", url, "--auto-approve", "--lock-timeout", "120",
                   cwd=tmp_path)
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert line.startswith(f"waiting up to 120s for the store's lock {held.id} held by"), line
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 128 + signum, err
        assert err.strip().splitlines()[-1] == NOTHING[signum]
        # Our lock is untouched, nothing was written.
        assert dump(tmp_path / "store.db")["locks"] == [
            ("apply", held.id, held.user, held.host, held.pid, held.since)]
    holder.close()
    state = dump(tmp_path / "store.db")
    assert state["locks"] == state["heads"] == state["revisions"] == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_at_the_confirmation_prompt(cat, tmp_path, signum: int) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    master, slave = pty.openpty()
    try:
        proc = cli("apply", str(cat), "--store", url, cwd=tmp_path, stdin=slave, stderr=slave)
        os.close(slave)
        seen = read_until(master, b"Apply these changes?", proc)
        assert b"Apply these changes?" in seen, seen
        proc.send_signal(signum)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            # The signal came after the prompt was written but before the read began: the read
            # then blocks (as it does for Ctrl-C at any prompt); a second one interrupts it.
            proc.send_signal(signum)
            proc.wait(timeout=60)
        seen += read_until(master, b"nothing was applied", proc)
    finally:
        os.close(master)
    text = seen.decode()
    assert proc.returncode == 128 + signum, text
    assert NOTHING[signum] in text and "Aborted" not in text
    state = dump(tmp_path / "store.db")
    assert state["locks"] == state["heads"] == state["revisions"] == []


def test_progress_is_rewritten_in_place_on_a_terminal(big, tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    master, slave = pty.openpty()
    try:
        proc = cli("apply", str(big["after"]), "--store", url, "--auto-approve", cwd=tmp_path,
                   stderr=slave)
        os.close(slave)
        seen = read_until(master, b"3001/3001 changes written\r\n", proc)
        proc.wait(timeout=120)
    finally:
        os.close(master)
    text = seen.decode()
    assert proc.returncode == 0, text
    # One line, rewritten: "\r" before each update, a newline only after the last.
    assert "\rapplying: 2000/3001 changes written\rapplying: 3001/3001 changes written\r\n" in text
    assert text.count("\n") == 1, text


# -- failing late ---------------------------------------------------------------------------


def test_a_constraint_refusing_the_last_change_applies_nothing(run, big, tmp_path) -> None:
    db, url = fresh_store(big, tmp_path)
    with sqlite3.connect(db) as conn:  # e.g. a DBA's trigger
        conn.execute(f"CREATE TRIGGER refuse BEFORE INSERT ON objects WHEN NEW.id = "
                     f"'plan-{PLANS - 1}' BEGIN SELECT RAISE(ABORT, 'no more plans'); END")
    conn.close()
    before = dump(db)
    result = run("apply", str(big["after"]), "--store", url, "--auto-approve",
                 "--max-archive-share", "1")
    assert result.exit_code == 1, result.output
    assert "the database refused the write: no more plans; nothing was changed" in result.stderr
    assert "a constraint or trigger of the store refused it" in result.stderr
    assert dump(db) == before  # lock released too


def test_a_full_disk_late_in_the_apply_applies_nothing(run, big, tmp_path, monkeypatch) -> None:
    from offerspec.store import sqlite as store_module

    class FullDisk(SQLiteStore):
        """The disk fills up a few hundred KB into the apply: SQLite's own SQLITE_FULL."""

        def apply(self, *args: Any, **kwargs: Any) -> int:
            pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
            self.conn.execute(f"PRAGMA max_page_count = {pages + 100}")
            return super().apply(*args, **kwargs)

    monkeypatch.setattr(store_module, "SQLiteStore", FullDisk)
    db, url = fresh_store(big, tmp_path)
    before = dump(db)
    result = run("apply", str(big["after"]), "--store", url, "--auto-approve",
                 "--max-archive-share", "1")
    assert result.exit_code == 1, result.output
    assert "the database refused the write: database or disk is full; nothing was changed" in (
        result.stderr)
    assert "hint: free space on the disk that holds the store" in result.stderr
    assert dump(db) == before


def test_a_lock_that_cannot_be_released_after_the_apply_says_what_is_true(
        run, cat, tmp_path, monkeypatch) -> None:
    from offerspec.store import sqlite as store_module

    class KeptLock(SQLiteStore):
        def apply(self, *args: Any, **kwargs: Any) -> int:
            revision = super().apply(*args, **kwargs)
            with sqlite3.connect(self.path) as other:  # the store now refuses the release
                other.execute("CREATE TRIGGER keep BEFORE DELETE ON locks "
                              "BEGIN SELECT RAISE(ABORT, 'locks are kept'); END")
            other.close()
            return revision

    monkeypatch.setattr(store_module, "SQLiteStore", KeptLock)
    url = f"sqlite:///{tmp_path}/store.db"
    result = run("apply", str(cat), "--store", url, "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "Applied revision 1" in result.stdout
    assert "could not release the store's lock" in result.stderr
    assert "locks are kept" in result.stderr and "nothing was changed" not in result.stderr
    assert "what was done under the lock stays done" in result.stderr


# -- the lock and readers ---------------------------------------------------------------------


def test_a_plan_is_not_blocked_by_an_apply_in_progress_and_sees_the_old_revision(
        run, cat, tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    writer = open_sqlite(url)
    catalog, _ = load_desired([cat])
    seen: list[Any] = []

    def mid_transaction(done: int, total: int) -> None:
        # The writer holds the lock and has written every change, not committed yet.
        seen.append(run("plan", str(cat), "--store", url))
        seen.append(run("history", "--store", url))

    with writer.lock(1.0):
        changeset = plan(catalog, writer.snapshot())
        writer.apply(list(changeset.changes), 1, ApplyMeta("h", "s", "u", "h"), mid_transaction)
    writer.close()
    planned, history = seen
    assert planned.exit_code == 0, planned.output
    assert 'nickname: "Monthly Digital" → "Monthly"' in planned.stdout
    assert history.exit_code == 0 and "\n    2 " not in history.stdout
    assert "No changes." in run("plan", str(cat), "--store", url).stdout


def test_a_lock_taken_on_another_host_is_not_taken_over_and_the_hint_says_so(
        run, cat, tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    store = open_sqlite(url)
    store.conn.execute("INSERT INTO locks VALUES ('apply', 'f00dfeed0001', 'ci', 'build-7', ?, "
                       "'2026-01-02T03:04:05Z')", (int(dead.stdout),))
    store.close()
    result = run("apply", str(cat), "--store", url, "--auto-approve", "--lock-timeout", "0.2")
    assert result.exit_code == 1
    assert (f"the store is locked: lock f00dfeed0001 held by ci@build-7 (pid {int(dead.stdout)}) "
            f"since 2026-01-02T03:04:05Z") in result.stderr
    assert (f"it was taken on another host, build-7, where offerspec cannot see whether pid "
            f"{int(dead.stdout)} still runs") in result.stderr
    assert "offerspec force-unlock f00dfeed0001" in result.stderr
    wrong = run("force-unlock", "wrong", "--store", url)
    assert wrong.exit_code == 1 and "the lock id is f00dfeed0001, not wrong" in wrong.stderr
    assert run("force-unlock", "f00dfeed0001", "--store", url).exit_code == 0
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0


# -- files -------------------------------------------------------------------------------------


def test_store_files_after_applies_and_versions_are_append_only(run, cat, tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    first = dump(tmp_path / "store.db")["versions"]
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    second = dump(tmp_path / "store.db")["versions"]
    assert set(first) < set(second) and len(second) == len(first) + 1  # only the changed plan
    # The last connection checkpoints and removes SQLite's -wal and -shm files.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog", "store.db"]


# -- a store this user may only read ------------------------------------------------------------

NO_WRITE_CAPS = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def _as_reader(directory: Path) -> list[str] | None:
    """A command prefix under which ``directory`` (mode 0555) really is read-only: none for a
    normal user; for root, setpriv dropping the capabilities that bypass file modes."""
    prefix = [] if os.geteuid() != 0 else NO_WRITE_CAPS
    if prefix and shutil.which("setpriv") is None:
        return None
    probe = subprocess.run([*prefix, sys.executable, "-c", PROBE, str(directory / "probe")],
                           capture_output=True, text=True, check=False)
    return prefix if probe.stdout.strip() == "denied" else None


PROBE = """
import sys
try:
    open(sys.argv[1], "w")
except PermissionError:
    print("denied")
"""


def test_commands_that_only_read_work_on_a_store_this_user_may_not_write(run, cat, tmp_path) -> None:
    store_dir = tmp_path / "shared"
    store_dir.mkdir()
    db = store_dir / "store.db"
    url = f"sqlite:///{db}"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    db.chmod(0o444)
    store_dir.chmod(0o555)
    try:
        prefix = _as_reader(store_dir)
        if prefix is None:
            pytest.skip("cannot run a process that file modes apply to (root without setpriv)")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

        def offerspec(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*prefix, sys.executable, "-m", "offerspec", *args, "--store",
                                   url], capture_output=True, text=True, env=env, timeout=120,
                                  check=False)

        planned = offerspec("plan", str(cat))
        assert planned.returncode == 0 and "No changes." in planned.stdout, planned.stderr
        history = offerspec("history")
        assert history.returncode == 0 and "20 to create" in history.stdout, history.stderr
        exported = offerspec("export")
        assert exported.returncode == 0 and "monthly-digital" in exported.stdout
        applied = offerspec("apply", str(cat), "--auto-approve")
        assert applied.returncode == 1
        assert "offerspec needs write access to the store file and its directory" in (
            applied.stderr)
        assert sorted(p.name for p in store_dir.iterdir()) == ["store.db"]
        url = f"sqlite:///{store_dir}/new.db"  # a store that does not exist yet
        planned_new = offerspec("plan", str(cat))  # a plan reads: it needs no store yet
        assert planned_new.returncode == 0 and "20 to create" in planned_new.stdout
        created = offerspec("apply", str(cat), "--auto-approve")
        assert created.returncode == 1
        assert "new.db: cannot create the store: unable to open database file" in created.stderr
        assert f"a new store needs write access to {store_dir}" in created.stderr
        assert sorted(p.name for p in store_dir.iterdir()) == ["store.db"]
    finally:
        store_dir.chmod(0o755)
        db.chmod(0o644)


def test_an_immutable_read_refuses_a_store_written_meanwhile(run, cat, tmp_path) -> None:
    """Without the -shm file (read-only directory, no writer), the store is read as an immutable
    file; a write during the read would make it torn, so it is refused."""
    url = f"sqlite:///{tmp_path}/store.db"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    reader = open_sqlite(url)
    reader.conn.close()  # the last connection: SQLite removes -wal and -shm
    # As _open_read_only leaves it when the -shm file can't be made.
    reader.conn = sqlite3.connect(f"{reader.path.as_uri()}?mode=ro&immutable=1", uri=True,
                                  isolation_level=None)
    reader._immutable_stamp = reader._stamp()
    assert reader.snapshot().revision == 1
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    with pytest.raises(OfferspecError, match="the store was written while it was read"):
        reader.snapshot()
    reader.close()
