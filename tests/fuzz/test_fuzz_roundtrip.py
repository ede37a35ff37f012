"""Generated valid catalogs applied to a SQLite store: planning the catalog again, and pulling
the store and planning what was pulled, are always "No changes." — also after a second catalog
(sharing ids: updates, replacements, archives) was applied over the first."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import event, note
from hypothesis import strategies as st

from fuzz.budget import fuzz
from fuzz.catalogs import catalogs, split_into_files
from fuzz.oracle import check, invoke, write_files


def assert_no_changes(catalog: Path, store: str) -> None:
    outcome = check(invoke("plan", str(catalog), "--store", store, "--detailed-exitcode"), codes=(0,))
    assert "No changes." in outcome.stdout, outcome.why()


def round_trip(tmp: Path, store: str, catalog: Path, name: str) -> None:
    applied = check(invoke("apply", str(catalog), "--store", store, "--auto-approve",
                           "--allow-destroy"), codes=(0,))
    for action in ("update", "replace", "archive"):
        if f" 0 to {action}" not in applied.stdout:
            event(f"{name}: {action}")
    assert_no_changes(catalog, store)
    pulled = tmp / f"pulled-{name}"
    check(invoke("pull", "--out", str(pulled), "--store", store), codes=(0,))
    check(invoke("validate", str(pulled)), codes=(0,))
    assert_no_changes(pulled, store)


POOL = ("a", "b", "c", "d", "e", "f", "g", "h", "monthly", "annual")


@fuzz(150, st.data())
def test_apply_then_pull_then_plan_is_no_changes(data: st.DataObject) -> None:
    pool = data.draw(st.sampled_from([(), POOL]))
    first = data.draw(split_into_files(data.draw(catalogs(pool=pool))), label="first catalog")
    second = data.draw(st.none() | split_into_files(data.draw(catalogs(pool=POOL))),
                       label="second catalog")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        store = f"sqlite:///{tmp}/store.db"
        round_trip(tmp, store, write_files(tmp / "first", first), "first")
        if second is not None:
            note("the second catalog, applied over the first")
            round_trip(tmp, store, write_files(tmp / "second", second), "second")
