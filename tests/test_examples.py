from __future__ import annotations

from pathlib import Path

import pytest

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


def test_committed_scenarios_schema_is_current(run, tmp_path) -> None:
    committed = (ROOT / "schemas" / "scenarios.schema.json").read_text()
    out = tmp_path / "scenarios.schema.json"
    result = run("schema", "--scenarios", "--out", str(out))
    assert result.exit_code == 0
    assert out.read_text() == committed, \
        "run: offerspec schema --scenarios --out schemas/scenarios.schema.json"


def test_bundled_scenario_files_match_the_scenarios_schema() -> None:
    import json

    import jsonschema

    from offerspec.load.files import load_document

    schema = json.loads((ROOT / "schemas" / "scenarios.schema.json").read_text())
    files = sorted(EXAMPLES.glob("*.scenarios.yaml"))
    assert files
    for path in files:
        doc, problems = load_document(path)
        assert doc is not None and not problems
        jsonschema.validate(doc.data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"scenarios": [{"name": "a", "checkout": {"offer": "o"}}]}, schema)


def test_readme_exists() -> None:
    assert Path(ROOT / "README.md").is_file()
