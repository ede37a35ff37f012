"""bench/fuzz_long.py runs (quick mode), so it cannot rot."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_fuzz_long_run_quick() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "fuzz_long.py"), "--quick", "--seed", "7",
                           "--only", "toml"], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_offerspec_toml" in done.stdout
    assert "total: " in done.stdout and "0 distinct failures" in done.stdout
