"""The benchmark runs (quick mode), so it can't rot."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def test_bench_plan_apply_quick() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_plan_apply.py"), "--quick"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "2,000 plans (20 files): 10 to create, 10 to update, 10 to replace, 10 to archive" in (
        result.stdout)


def test_bench_simulate_quick() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_simulate.py"), "--quick"],
                            capture_output=True, text=True, timeout=300, check=False,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert result.returncode == 0, result.stderr
    for name in ("batch ", "batch-distinct", "plain", "cli ", "cli-empty", "floor: csv.reader ",
                 "floor: csv.reader + json.dumps"):
        assert name in result.stdout
    assert "x target" in result.stdout


def test_bench_serve_quick() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_serve.py"), "--quick"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    for name in ("GET /plans/{id}", "GET /offers/subscribe/view", "POST /simulate/checkout",
                 "list every plan: 1,012 plans in 3 pages", "server exit on SIGTERM: 0"):
        assert name in result.stdout


def test_bench_store_size_quick() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_store_size.py"),
                             "--quick"], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr  # both ratios within 1.5x
    assert "sqlite: store after 2,000 plans:" in result.stdout and "revision of 1,000 changes" in (
        result.stdout)


def test_bench_store_copy_quick() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_store_copy.py"),
                             "--quick"], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("source: 2,000 plans, 3 revisions, ", "store copy (CLI, whole process): ",
                 "floor: dump_history alone ", "peak RSS: copy "):
        assert name in result.stdout
