from __future__ import annotations

from pathlib import Path

from conftest import EXAMPLES, ROOT
from offerspec import load_catalog


def test_examples_validate_cleanly(run) -> None:
    result = run("validate", "--strict", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert "valid: 3 products" in result.output


def test_example_files_point_editors_at_the_schema() -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        if path.name.endswith(".scenarios.yaml"):
            continue
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../schemas/offerspec.schema.json", path


def test_library_api_without_click() -> None:
    catalog, diagnostics = load_catalog([EXAMPLES])
    assert catalog is not None and diagnostics == []
    adp = catalog.plans["annual-digital-print"]
    assert adp.grants == ["digital-access", "print-edition"]
    assert adp.amount == 14900 and adp.currency == "USD"
    assert catalog.offers["subscribe"].plans == [
        "monthly-digital", "annual-digital", "annual-digital-print"]


def test_committed_schema_is_current(run) -> None:
    committed = (ROOT / "schemas" / "offerspec.schema.json").read_text()
    result = run("schema")
    assert result.output == committed, "run: offerspec schema > schemas/offerspec.schema.json"


def test_readme_exists() -> None:
    assert Path(ROOT / "README.md").is_file()
