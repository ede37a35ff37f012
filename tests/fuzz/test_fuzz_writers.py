"""What offerspec writes from a catalog keeps its meaning: fmt (in place) compiles to the same
catalog and is a fixed point; the commands that show a generated catalog's data (offer view,
checkout, history, show, plan in every format) keep the common properties — hostile text in
names and descriptions is shown escaped."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import note
from hypothesis import strategies as st

from fuzz.budget import fuzz
from fuzz.catalogs import catalogs, split_into_files
from fuzz.mutations import mutated_catalogs
from fuzz.oracle import check, invoke, write_files


def compiled(catalog: Path) -> dict[str, object]:
    outcome = check(invoke("compile", str(catalog)), codes=(0,))
    result: dict[str, object] = json.loads(outcome.stdout)
    return result


@fuzz(120, st.data())
def test_fmt_keeps_the_meaning_and_is_a_fixed_point(data: st.DataObject) -> None:
    files = data.draw(split_into_files(data.draw(catalogs()), exact=data.draw(st.booleans())))
    with tempfile.TemporaryDirectory() as name:
        catalog = write_files(Path(name) / "catalog", files)
        if check(invoke("validate", str(catalog)), codes=(0, 1)).exit_code != 0:
            return  # PyYAML wrote a value YAML 1.2 reads otherwise: not fmt's business
        before = compiled(catalog)
        check(invoke("fmt", str(catalog)), codes=(0,))
        note({p.name: p.read_text(encoding="utf-8") for p in sorted(catalog.iterdir())})
        assert compiled(catalog) == before, "fmt changed what the catalog means"
        check(invoke("fmt", "--check", str(catalog)), codes=(0,))


@fuzz(150, mutated_catalogs())
def test_fmt_of_a_mutated_catalog_never_crashes(files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as name:
        catalog = write_files(Path(name) / "catalog", files)
        first = check(invoke("fmt", "--check", str(catalog)), codes=(0, 1))
        fixed = check(invoke("fmt", str(catalog)), codes=(0, 1))
        if fixed.exit_code == 0 and first.exit_code == 0:
            check(invoke("fmt", "--check", str(catalog)), codes=(0,))


@fuzz(60, st.data())
def test_showing_a_generated_catalog(data: st.DataObject) -> None:
    doc = data.draw(catalogs())
    files = data.draw(split_into_files(doc))
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        catalog = write_files(tmp / "catalog", files)
        store = f"sqlite:///{tmp}/store.db"
        for fmt in ("text", "json", "markdown"):
            check(invoke("plan", str(catalog), "--store", store, "--format", fmt), codes=(0,))
        check(invoke("apply", str(catalog), "--store", store, "--auto-approve"), codes=(0,))
        check(invoke("history", "--store", store), codes=(0,))
        check(invoke("show", "1", "--store", store), codes=(0,))
        check(invoke("show", "1", "--store", store, "--format", "json"), codes=(0,))
        for offer in doc["offers"]:
            check(invoke("simulate", str(catalog), "--offer", offer["id"], "--date", "2026-11-22"),
                  codes=(0, 4))
            check(invoke("simulate", "--from-store", "--store", store, "--offer", offer["id"],
                         "--format", "json"), codes=(0, 4))
            plan = data.draw(st.sampled_from(offer["plans"]))
            country = data.draw(st.sampled_from(["US", "NO", "JP"]))
            check(invoke("simulate", str(catalog), "--offer", offer["id"], "--plan", plan,
                         "--date", "2026-11-22", "--country", country, "--renewals", "3"),
                  codes=(0, 4))
        check(invoke("simulate", str(catalog), "--signup", "--email", "x@p0.example.org",
                     "--ip", "10.0.0.1", "--date", "2026-11-22"), codes=(0, 4))
