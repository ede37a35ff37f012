"""Fuzzed catalogs through validate and plan: generated valid ones pass, mutated ones are refused
with located diagnostics, never with exit 3 or a traceback."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import event, note
from hypothesis import strategies as st

from fuzz.budget import fuzz
from fuzz.catalogs import catalogs, split_into_files
from fuzz.mutations import mutated_catalogs
from fuzz.oracle import Outcome, assert_inside, check, invoke, run_process, write_files


def assert_json_diagnostics_located(outcome: Outcome) -> None:
    report = json.loads(outcome.stdout)
    assert report["valid"] is (outcome.exit_code == 0), outcome.why()
    for diag in report["diagnostics"]:
        where = f"{diag['file']}:{diag['line']}:{diag['col']}"
        import re

        located = re.match(r"^(?P<file>.*):(?P<line>\d+):(?P<col>\d+)$", where)
        assert located, where
        assert_inside(located, outcome)


def validate_both_ways(directory: Path) -> Outcome:
    text = check(invoke("validate", str(directory)), codes=(0, 1))
    as_json = check(invoke("validate", str(directory), "--format", "json"), codes=(0, 1))
    assert text.exit_code == as_json.exit_code, text.why() + as_json.why()
    assert_json_diagnostics_located(as_json)
    return text


@fuzz(200, st.data())
def test_generated_catalogs_are_valid(data: st.DataObject) -> None:
    doc = data.draw(catalogs())
    files = data.draw(split_into_files(doc))
    with tempfile.TemporaryDirectory() as tmp:
        outcome = validate_both_ways(write_files(Path(tmp) / "catalog", files))
    assert outcome.exit_code == 0, f"a catalog built to be valid was refused\n{outcome.why()}"


@fuzz(120, st.data())
def test_catalogs_written_by_pyyaml_never_crash(data: st.DataObject) -> None:
    files = data.draw(split_into_files(data.draw(catalogs()), exact=False))
    with tempfile.TemporaryDirectory() as tmp:
        outcome = validate_both_ways(write_files(Path(tmp) / "catalog", files))
    event(f"exit {outcome.exit_code}")


@fuzz(800, mutated_catalogs())
def test_mutated_catalogs_are_refused_with_located_diagnostics(files: dict[str, str | bytes]) -> None:
    note(f"files: {files!r}")
    with tempfile.TemporaryDirectory() as tmp:
        outcome = validate_both_ways(write_files(Path(tmp) / "catalog", files))
    event(f"exit {outcome.exit_code}")


@fuzz(300, mutated_catalogs(), st.sampled_from(["text", "json", "markdown"]))
def test_plan_of_a_mutated_catalog_never_crashes(files: dict[str, str | bytes], fmt: str) -> None:
    note(f"files: {files!r}")
    with tempfile.TemporaryDirectory() as tmp:
        catalog = write_files(Path(tmp) / "catalog", files)
        store = f"sqlite:///{tmp}/store.db"  # never created: plan only reads
        check(invoke("plan", str(catalog), "--store", store, "--format", fmt), codes=(0, 1))
        assert not (Path(tmp) / "store.db").exists()


@fuzz(6, mutated_catalogs())
def test_mutated_catalogs_in_a_new_process(files: dict[str, str | bytes]) -> None:
    """The console script as users run it: its own streams, encodings and exit path."""
    with tempfile.TemporaryDirectory() as tmp:
        catalog = write_files(Path(tmp) / "catalog", files)
        check(run_process("validate", str(catalog)), codes=(0, 1))
