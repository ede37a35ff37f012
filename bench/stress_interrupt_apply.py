"""Interrupt a big apply at random points while it writes, and check the store after each run.

    python3 bench/stress_interrupt_apply.py --signal INT --runs 30     # 20,000 plans replaced
    python3 bench/stress_interrupt_apply.py --signal KILL --runs 10 --plans 5000

Each run restores a store holding ``--plans`` plans, starts ``offerspec apply`` replacing all of
them, waits for its first progress line (inside the write transaction), sleeps a random time up
to ``--window`` seconds (the write + commit phase: ~1.6 s for 20,000 plans on 2 cores) and sends
the signal. Then: ``PRAGMA integrity_check``; either every table is exactly as before (the lock
row of a SIGKILLed process aside) and the message says nothing was applied, or the revision was
committed and the message says so. Slow (seconds a run): not part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog_gen import write_catalog

SRC = Path(__file__).resolve().parent.parent / "src"
TABLES = {"meta": "key", "heads": "kind, id", "versions": "kind, id, generation, revision",
          "revisions": "number", "locks": "name"}


def digest(db: Path) -> tuple[dict[str, str], int, int]:
    """(sha256 of each table's rows, max revision, lock rows)."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        hashes = {}
        for table, order in TABLES.items():
            h = hashlib.sha256()
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY {order}"):
                h.update(repr(row).encode())
            hashes[table] = h.hexdigest()
        revision = conn.execute("SELECT coalesce(max(number), 0) FROM revisions").fetchone()[0]
        locks = conn.execute("SELECT count(*) FROM locks").fetchone()[0]
    finally:
        conn.close()
    return hashes, revision, locks


def offerspec(*args: str, cwd: Path, **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-m", "offerspec", *args], cwd=cwd, env=env,
                            text=True, **popen)  # type: ignore[call-overload]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signal", choices=["INT", "TERM", "KILL"], default="INT")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--plans", type=int, default=20_000)
    parser.add_argument("--window", type=float, default=1.6)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    signum = getattr(signal, f"SIG{args.signal}")
    work = Path(tempfile.mkdtemp(prefix="offerspec-stress-"))
    try:
        write_catalog(work / "before", args.plans)
        write_catalog(work / "after", args.plans, variants=dict.fromkeys(range(args.plans), 1))
        setup = offerspec("apply", "before", "--store", "sqlite:///base.db", "--auto-approve",
                          cwd=work, stdout=subprocess.DEVNULL)
        assert setup.wait() == 0
        base, base_revision, _ = digest(work / "base.db")
        rng = random.Random(args.seed)
        outcomes: dict[str, int] = {}
        for run in range(args.runs):
            for suffix in ("", "-wal", "-shm"):
                (work / f"store.db{suffix}").unlink(missing_ok=True)
            shutil.copy(work / "base.db", work / "store.db")
            proc = offerspec("apply", "after", "--store", "sqlite:///store.db", "--auto-approve",
                             "--max-archive-share", "1", cwd=work, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
            assert proc.stderr is not None
            first = proc.stderr.readline()
            assert first.startswith("applying: 2000/"), first
            delay = rng.uniform(0, args.window)
            time.sleep(delay)
            proc.send_signal(signum)
            rest = proc.stderr.read()
            proc.wait(timeout=120)
            hashes, revision, locks = digest(work / "store.db")
            last = rest.strip().splitlines()[-1] if rest.strip() else ""
            if revision == base_revision:
                if signum == signal.SIGKILL:  # no cleanup: the dead pid's lock row stays
                    hashes.pop("locks")
                    assert hashes == {t: h for t, h in base.items() if t != "locks"}, run
                else:
                    assert hashes == base, run
                    assert last.endswith("nothing was applied"), (run, last)
                outcome = "rolled back"
            else:
                assert revision == base_revision + 1, run
                if signum != signal.SIGKILL and proc.returncode != 0:
                    assert "committed as revision" in last or "was applied" in last, (run, last)
                outcome = "committed"
            outcome += f", exit {proc.returncode}, {locks} lock row(s) left"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            print(f"{run:3d}  +{delay:.2f}s  {outcome}  {last}", flush=True)
        for outcome, count in sorted(outcomes.items()):
            print(f"{count:4d}  {outcome}")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
