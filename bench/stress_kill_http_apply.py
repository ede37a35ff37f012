"""Stress: ``kill -9`` of ``offerspec apply --store http://…`` at random points of a 1,000-change
apply to ``offerspec serve``, then ``apply`` again: the platform ends equal to the catalog, with
no duplicate (one active object per offerspec_id) and no offer listing a missing plan.

    python3 bench/stress_kill_http_apply.py              # 1,000 plans, 3 kills per round
    python3 bench/stress_kill_http_apply.py --plans 200 --kills 2

Two rounds: the creates, then a replace of every plan. (tests/test_http_faults.py runs the same
with 80 plans and one kill per round.)
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from bench_http_apply import TOKEN, Serve, write_catalog

from offerspec.store.http.config import load_config
from offerspec.store.http.store import HttpStore
from offerspec.workflow import load_desired, plan


def left(url: str, catalog: Path) -> int:
    desired, _ = load_desired([catalog])
    store = HttpStore(load_config(url))
    try:
        return len(plan(desired, store.snapshot()).changes)
    finally:
        store.close()


def check(url: str) -> None:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as c:
        lists = {k: c.get(f"/{k}", params={"per_page": 500}).json()["data"] for k in ("plans", "offers")}
    active = Counter(p["metadata"]["offerspec_id"] for p in lists["plans"] if p["active"] == "active")
    duplicates = [i for i, n in active.items() if n > 1]
    assert not duplicates, duplicates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.environ["OFFERSPEC_TOKEN"] = TOKEN
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        serve = Serve(root / "platform")
        try:
            for round_, amount in (("creates", 100), ("replaces", 5000)):
                catalog = write_catalog(root / round_, args.plans)
                text = (catalog / "catalog.yaml").read_text()
                if amount != 100:
                    text = text.replace("    amount: ", "    amount: 4")
                    (catalog / "catalog.yaml").write_text(text)
                for kill in range(args.kills):
                    before = left(serve.url, catalog)
                    proc = subprocess.Popen(
                        [sys.executable, "-m", "offerspec", "apply", "--auto-approve", str(catalog),
                         "--store", serve.url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(rng.uniform(0.8, 2.5))
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(60)
                    check(serve.url)
                    print(f"{round_}: kill {kill + 1}: {before} -> {left(serve.url, catalog)} "
                          "changes left, no duplicate")
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "offerspec", "apply", "--auto-approve",
                                       str(catalog), "--store", serve.url], capture_output=True,
                                      text=True, check=False)
                assert done.returncode == 0, done.stderr
                assert left(serve.url, catalog) == 0
                check(serve.url)
                print(f"{round_}: apply again finished in {time.perf_counter() - started:.1f} s: "
                      "the platform equals the catalog, no duplicate")
        finally:
            serve.stop()


if __name__ == "__main__":
    main()
