"""Data-driven catalog cases: ``tests/cases/<name>/`` pins the exact ``offerspec validate`` output.

Each case directory holds catalog files (``*.yaml``), ``expected.txt`` (the text output, paths
relative to the case directory), and optionally ``args`` (extra options, e.g. ``--strict``) and
``exit_code`` (default: 1 when the output has an error, else 0).

``fail-<code>[-variant]`` cases must report ``[<code>]``; ``pass-<code>[-variant]`` cases are
the near misses that must not. Every code a rule can report has both.

Regenerate after an intended change with ``OFFERSPEC_REGEN=1 python3 -m pytest tests/test_cases.py``,
then read every changed ``expected.txt``: it must point at the right line:col.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from offerspec.check.context import CheckContext
from offerspec.check.rules import RULES, run_rules

CASES = Path(__file__).parent / "cases"
CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())
REGEN = os.environ.get("OFFERSPEC_REGEN") == "1"

# Codes reported by the schema check rather than by a registered rule.
SCHEMA_CODES = ("schema", "unknown-field", "duplicate-id")


def rule_codes() -> list[str]:
    run_rules(CheckContext())  # importing the rule modules registers them
    return sorted({code for registered in RULES for code in registered.codes})


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_case(case: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    args_file = case / "args"
    args = args_file.read_text().split() if args_file.exists() else []
    result = run("validate", *args)
    expected_file = case / "expected.txt"
    if REGEN:
        expected_file.write_text(result.stdout)
    expected = expected_file.read_text()
    assert result.stdout == expected
    code_file = case / "exit_code"
    exit_code = int(code_file.read_text()) if code_file.exists() else int(
        re.search(r"^\S+: error\[", expected, re.MULTILINE) is not None)
    assert result.exit_code == exit_code
    if case.name.startswith("pass-"):
        assert exit_code == 0
        assert expected.startswith("valid: ")


@pytest.mark.parametrize("code", [*rule_codes(), *SCHEMA_CODES])
def test_every_code_has_a_failing_and_a_passing_case(code: str) -> None:
    failing = [p for p in CASE_DIRS if p.name == f"fail-{code}" or p.name.startswith(f"fail-{code}-")]
    passing = [p for p in CASE_DIRS if p.name == f"pass-{code}" or p.name.startswith(f"pass-{code}-")]
    assert failing, f"add tests/cases/fail-{code}"
    assert passing, f"add tests/cases/pass-{code}"
    for case in failing:
        assert f"[{code}]" in (case / "expected.txt").read_text(), case.name
    for case in passing:
        assert f"[{code}]" not in (case / "expected.txt").read_text(), case.name
