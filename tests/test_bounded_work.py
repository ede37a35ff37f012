"""Bounded work on large input (issue 12): a change is described in time linear in its size
(bench/bench_large_change.py measures it), and repeated diagnostics are capped per code and
file (``diagnostics.cap_repeats``) with one more that counts the rest."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT
from offerspec.diagnostics import MAX_REPEATS, Diagnostic, Severity, cap_repeats
from offerspec.diff.changes import FieldChange
from offerspec.diff.describe import describe


def _plan(countries: list[str]) -> str:
    return ("products: [{id: p, name: P}]\nplans:\n  - id: a\n    nickname: A\n    product: p\n"
            "    amount: 5\n    currency: USD\n    interval: month\n"
            f"    countries: [{', '.join(countries)}]\n")


def test_a_set_like_list_change_reads_as_added_and_removed() -> None:
    old = [f"d{i}.example.com" for i in range(3)] + [1, True, {"a": 1}]
    new = [f"d{i}.example.com" for i in range(1, 4)] + [True, {"a": 1}, 2]
    assert describe(FieldChange("domains", old, new)) == [
        "domains: + d3.example.com, 2; - d0.example.com, 1"]


@pytest.mark.parametrize("repeats", [5, MAX_REPEATS + 1, 5_000])
def test_a_repeated_mistake_is_shown_ten_times_and_counted(run, write, repeats: int) -> None:
    cat = write(c=_plan(["US"] * (repeats + 1)))
    result = run("validate", str(cat), "--format", "json")
    document = json.loads(result.stdout)
    shown = [d for d in document["diagnostics"] if d["code"] == "duplicate-entry"]
    assert document["warnings"] == repeats  # every one counted
    assert len(shown) == min(repeats, MAX_REPEATS + 1)
    if repeats > MAX_REPEATS + 1:
        assert shown[-1]["message"] == (
            "'US' is listed twice in countries (first at 9:17) (and "
            f"{repeats - MAX_REPEATS - 1:,} more duplicate-entry warnings like it in this file)")
    text = run("validate", str(cat)).stdout + run("validate", str(cat)).stderr
    assert f"0 errors, {repeats} warnings" in text


def test_the_cap_holds_for_any_rule_and_strict_keeps_the_count(run, write) -> None:
    cat = write(c=_plan(["XX"] * 30))  # an unknown country, 30 times: errors of another rule
    result = run("validate", str(cat), "--strict", "--format", "json")
    document = json.loads(result.stdout)
    codes = [d["code"] for d in document["diagnostics"]]
    assert codes.count("unknown-country") == MAX_REPEATS + 1
    assert "(and 19 more unknown-country errors like it in this file)" in result.stdout
    assert document["errors"] == 30 + 29  # 30 unknown countries, 29 repeats (--strict)


def test_cap_repeats_merges_counts_from_an_earlier_pass() -> None:
    def diag(col: int, omitted: int = 0) -> Diagnostic:
        return Diagnostic("f", 1, col, "c", "m", Severity.WARNING, omitted=omitted)

    once = cap_repeats(diag(i) for i in range(1, 16))
    assert [d.omitted for d in once] == [0] * MAX_REPEATS + [5]
    assert once[-1].message == "m (and 4 more c warnings like it in this file)"
    again = cap_repeats([*once, diag(99, omitted=3)])
    assert [d.omitted for d in again] == [0] * MAX_REPEATS + [8]
    assert again[-1].col == MAX_REPEATS + 1  # where the first one left out is
    assert again[-1].message == "m (and 7 more c warnings like it in this file)"
    assert cap_repeats(diag(i) for i in range(3)) == [diag(0), diag(1), diag(2)]
    # different mistakes of one code are not repeats: each shown
    different = [Diagnostic("f", i, 1, "schema", f"field{'x' * i} must be set") for i in range(20)]
    assert cap_repeats(different) == different


def test_bench_large_change_quick() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_large_change.py"),
                             "--quick", "--repeat", "1"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert "plan/validate at 8,000 vs 2,000" in result.stdout
