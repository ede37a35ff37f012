"""`offerspec simulate --from-store` reads the live catalog from a real store."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import EXAMPLES


def test_simulate_reads_the_applied_catalog_from_the_store(run, store_url: str) -> None:
    url = store_url  # SQLite and PostgreSQL
    assert run("apply", "--auto-approve", "--store", url, str(EXAMPLES)).exit_code == 0
    result = run("simulate", "--from-store", "--store", url, "--offer", "subscribe",
                 "--plan", "annual-digital-print", "--date", "2026-11-22", "--format", "json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert [(e["product"], e["start"], e["end"]) for e in outcome["entitlements"]] == [
        ("digital-access", "2026-11-22", "2027-11-22"), ("print-edition", "2026-11-22", "2027-11-22")]
    assert [(c["date"], c["amount"], c["currency"]) for c in outcome["charges"]] == [
        ("2026-11-22", 14900, "USD")]


def test_a_plan_archived_in_the_store_is_refused(run, write, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert run("apply", "--auto-approve", "--store", url, str(EXAMPLES)).exit_code == 0
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    for path in EXAMPLES.glob("*.yaml"):
        text = path.read_text()
        if path.name == "subscribe.yaml":  # drop monthly-digital from the catalog: it is archived
            text = text.replace("[monthly-digital, annual-digital,", "[annual-digital,")
            text = text.replace("plans: [monthly-digital-trial, monthly-digital]",
                                "plans: [monthly-digital-trial]")
            start = text.index("  - id: monthly-digital\n")
            end = text.index("  - id: annual-digital\n")
            text = text[:start] + text[end:]
        (catalog / path.name).write_text(text)
    assert run("apply", "--auto-approve", "--store", url, str(catalog)).exit_code == 0
    result = run("simulate", "--from-store", "--store", url, "--offer", "subscribe",
                 "--plan", "monthly-digital", "--date", "2026-11-22", "--format", "json")
    assert result.exit_code == 4, result.output
    reasons = json.loads(result.stdout)["reasons"]
    assert any("archived" in reason for reason in reasons), reasons


def test_an_empty_store_is_a_clear_error(run, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    (tmp_path / "empty.db").touch()
    result = run("simulate", "--from-store", "--store", url,
                 "--offer", "subscribe", "--plan", "annual-digital")
    assert result.exit_code == 1
    assert "holds no catalog yet" in result.stderr


def test_a_missing_store_is_refused_and_not_created(run, tmp_path: Path) -> None:
    # Reading the live catalog must not leave an empty store behind (e.g. after a --store typo).
    missing = tmp_path / "typo.db"
    result = run("simulate", "--from-store", "--store", f"sqlite:///{missing}",
                 "--offer", "subscribe", "--plan", "annual-digital")
    assert result.exit_code == 1
    assert "no store at" in result.stderr
    assert not missing.exists()


def test_validate_without_paths_uses_the_catalog_named_in_offerspec_toml(
        run, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "offerspec.toml").write_text(f'catalog = "{EXAMPLES}"\n')
    (tmp_path / "not-a-catalog.yaml").write_text("unrelated: true\n")
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "valid: 3 products, 12 plans, 5 offers" in result.output
