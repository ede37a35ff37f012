"""Renames (``renamed_from``) through plan, apply, saved plans, history, show and pull, end to end
against real SQLite files. The catalog rules have their cases in tests/cases/*rename*."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storekit import open_url

BEFORE = """\
products:
  - id: digital
    name: Digital
plans:
  - id: monthly
    nickname: Monthly
    product: digital
    amount: 999
    currency: USD
    interval: month
  - id: yearly
    nickname: Yearly
    product: digital
    amount: 9900
    currency: USD
    interval: year
offers:
  - id: choose
    name: Choose
    plans: [monthly, yearly]
"""

RENAMED_PLAN = BEFORE.replace("  - id: monthly\n", "  - id: digital-monthly\n"
                              "    renamed_from: [monthly]\n").replace(
    "plans: [monthly, yearly]", "plans: [digital-monthly, yearly]")


@pytest.fixture
def url(store_url: str) -> str:
    """Renames are part of the store contract: SQLite and PostgreSQL."""
    return store_url


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    directory = tmp_path / "cat"
    directory.mkdir()
    (directory / "c.yaml").write_text(BEFORE)
    return directory


def write(catalog: Path, text: str) -> None:
    (catalog / "c.yaml").write_text(text)


def applied(run, catalog: Path, url: str) -> str:
    result = run("apply", str(catalog), "--store", url, "--auto-approve")
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def numbers(url: str, kind: str) -> dict[tuple[str, int], int]:
    store = open_url(url)
    try:
        return {(o.id, o.generation): o.number for o in store.objects(kind)}
    finally:
        store.close()


def test_a_declared_rename_is_one_change_keeping_number_versions_and_history(
        run, catalog, url) -> None:
    applied(run, catalog, url)
    before = numbers(url, "plans")
    write(catalog, RENAMED_PLAN.replace("nickname: Monthly\n", "nickname: Monthly plan\n"))
    result = run("plan", str(catalog), "--store", url)
    assert result.exit_code == 0, result.output
    assert "  ~> plan digital-monthly  (renamed from monthly)\n" \
           '      nickname: "Monthly" → "Monthly plan"\n' in result.stdout
    assert "+ plan" not in result.stdout and "- plan" not in result.stdout
    assert result.stdout.rstrip().endswith(
        "0 to create, 1 to update, 0 to replace, 0 to archive, 1 to rename")
    applied(run, catalog, url)
    after = numbers(url, "plans")
    assert after[("digital-monthly", 1)] == before[("monthly", 1)]
    assert ("monthly", 1) not in after
    history = run("history", "--object", "plan/digital-monthly", "--store", url)
    assert history.exit_code == 0, history.output
    assert '         id: "monthly" → "digital-monthly"' in history.stdout
    assert history.stdout.startswith("    1  v1  active\n")  # the version written as monthly
    shown = run("show", "2", "--store", url)
    assert "  ~> plan digital-monthly  (renamed from monthly)" in shown.stdout
    assert "1 to rename" in run("history", "--store", url).stdout
    again = run("plan", str(catalog), "--store", url, "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "\nNo changes.\nnote[rename-applied]: " in again.stdout
    assert "cat/c.yaml:6:19: plan digital-monthly: renamed_from monthly: done" in again.stdout


def test_a_renamed_product_moves_its_plans_in_place_not_by_replace(run, catalog, url) -> None:
    applied(run, catalog, url)
    write(catalog, BEFORE.replace("  - id: digital\n", "  - id: digital-access\n"
                                  "    renamed_from: [digital]\n")
          .replace("product: digital\n", "product: digital-access\n"))
    result = run("plan", str(catalog), "--store", url)
    assert "  ~> product digital-access  (renamed from digital)" in result.stdout
    assert '  ~ plan monthly\n      product: "digital" → "digital-access"' in result.stdout
    assert result.stdout.rstrip().endswith(
        "0 to create, 2 to update, 0 to replace, 0 to archive, 1 to rename")
    applied(run, catalog, url)
    assert "No changes." in run("plan", str(catalog), "--store", url).stdout


def test_a_rename_with_a_new_price_is_a_rename_and_a_replace(run, catalog, url) -> None:
    applied(run, catalog, url)
    old = numbers(url, "plans")[("yearly", 1)]
    write(catalog, BEFORE.replace("  - id: yearly\n", "  - id: digital-yearly\n"
                                  "    renamed_from: [yearly]\n")
          .replace("amount: 9900", "amount: 10900")
          .replace("plans: [monthly, yearly]", "plans: [monthly, digital-yearly]"))
    result = run("plan", str(catalog), "--store", url)
    assert ("  -/+> plan digital-yearly  (renamed from yearly; replace: amount forces a new "
            "version)\n      amount: 99.00 USD → 109.00 USD (9900 → 10900)\n"
            "      1. rename yearly to digital-yearly") in result.stdout
    assert "      4. archive digital-yearly v1 (its subscribers keep it)" in result.stdout
    assert "1 to rename (1 with a replace)" in result.stdout
    applied(run, catalog, url)
    after = numbers(url, "plans")
    assert after[("digital-yearly", 1)] == old  # the subscribers' generation, renamed
    assert after[("digital-yearly", 2)] > old
    assert "No changes." in run("plan", str(catalog), "--store", url).stdout


def test_a_saved_plan_applies_a_rename_and_goes_stale_when_the_old_object_changes(
        run, catalog, url, tmp_path) -> None:
    applied(run, catalog, url)
    write(catalog, RENAMED_PLAN)
    saved = tmp_path / "plan.json"
    assert run("plan", str(catalog), "--store", url, "--out", str(saved)).exit_code == 0
    document = json.loads(saved.read_text())
    assert document["format_version"] == 2 and document["summary"]["rename"] == 1
    rename = next(c for c in document["changes"] if c["action"] == "rename")
    assert (rename["id"], rename["old_id"], rename["fields"]) == ("digital-monthly", "monthly", [])
    result = run("apply", "--plan", str(saved), "--store", url, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "No changes." in run("plan", str(catalog), "--store", url).stdout
    # Planned again from the old catalog: the saved rename is stale once monthly moved.
    write(catalog, BEFORE)
    back = run("plan", str(catalog), "--store", url)
    assert "+ plan monthly" in back.stdout and "- plan digital-monthly" in back.stdout
    assert "note[looks-like-rename]" in back.stdout
    stale = run("apply", "--plan", str(saved), "--store", url, "--auto-approve")
    assert stale.exit_code == 1 and "stale" in stale.stderr


def test_a_saved_rename_edited_to_carry_a_new_price_is_refused(run, catalog, url,
                                                                tmp_path) -> None:
    applied(run, catalog, url)
    write(catalog, RENAMED_PLAN)
    saved = tmp_path / "plan.json"
    run("plan", str(catalog), "--store", url, "--out", str(saved))
    document = json.loads(saved.read_text())
    rename = next(c for c in document["changes"] if c["action"] == "rename")
    rename["data"]["amount"] = 1
    saved.write_text(json.dumps(document))
    result = run("apply", "--plan", str(saved), "--store", url, "--auto-approve")
    assert result.exit_code == 1
    assert "the plan shows rename but its data means rename (amount)" in result.stderr
    document["format_version"] = 1
    saved.write_text(json.dumps(document))
    old = run("apply", "--plan", str(saved), "--store", url, "--auto-approve")
    assert old.exit_code == 1 and "a rename in a format_version 1 plan" in old.stderr


def test_a_plan_without_renames_or_notes_stays_format_version_1(run, catalog, url,
                                                               tmp_path) -> None:
    saved = tmp_path / "plan.json"
    run("plan", str(catalog), "--store", url, "--out", str(saved))
    document = json.loads(saved.read_text())
    assert document["format_version"] == 1
    assert "notes" not in document and "rename" not in document["summary"]


def test_a_new_store_creates_the_renamed_object_with_a_note(run, catalog, url) -> None:
    write(catalog, RENAMED_PLAN)
    result = run("plan", str(catalog), "--store", url, "--format", "json")
    document = json.loads(result.stdout)
    assert [n["code"] for n in document["notes"]] == ["rename-source-absent"]
    assert document["notes"][0]["line"] == 6
    assert document["summary"]["create"] == 4
    markdown = run("plan", str(catalog), "--store", url, "--format", "markdown").stdout
    assert "**Notes (1)**" in markdown
    assert "note[rename-source-absent]: " in markdown


def test_a_changed_id_without_renamed_from_gets_the_hint(run, catalog, url) -> None:
    applied(run, catalog, url)
    write(catalog, BEFORE.replace("id: monthly", "id: digital-monthly").replace(
        "plans: [monthly, yearly]", "plans: [digital-monthly, yearly]"))
    result = run("plan", str(catalog), "--store", url)
    assert ("  hint: this looks like a rename: add renamed_from: [monthly] to plan "
            "digital-monthly") in result.stdout


def test_a_store_holding_both_ids_is_an_error(run, catalog, url) -> None:
    write(catalog, BEFORE + "  - id: choose-2\n    name: Two\n    plans: [monthly]\n")
    applied(run, catalog, url)
    write(catalog, BEFORE.replace("  - id: choose\n", "  - id: choose-2\n"
                                  "    renamed_from: [choose]\n"))
    result = run("plan", str(catalog), "--store", url)
    assert result.exit_code == 1
    assert "offer choose-2: renamed_from choose, but the store holds both" in result.stderr
    assert "hint: one object in the store becomes one object" in result.stderr


def test_pull_after_a_rename_plans_no_changes(run, catalog, url, tmp_path) -> None:
    applied(run, catalog, url)
    write(catalog, RENAMED_PLAN)
    applied(run, catalog, url)
    pulled = tmp_path / "pulled"
    assert run("pull", "--out", str(pulled), "--store", url).exit_code == 0
    assert "renamed_from" not in "".join(p.read_text() for p in pulled.iterdir())
    result = run("plan", str(pulled), "--store", url)
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("No changes.")


def test_a_renamed_product_is_followed_by_old_generations_and_archived_plans(
        run, catalog, url) -> None:
    """A replaced plan's old generation and a plan left out of the catalog name the product by
    its new id too: the platform view (offerspec serve) resolves every reference."""
    applied(run, catalog, url)
    write(catalog, BEFORE.replace("amount: 999\n", "amount: 1099\n"))  # monthly v1 kept, archived
    applied(run, catalog, url)
    renamed = (BEFORE.replace("amount: 999\n", "amount: 1099\n")
               .replace("  - id: digital\n", "  - id: digital-access\n    renamed_from: [digital]\n")
               .replace("product: digital\n", "product: digital-access\n"))
    without_yearly = renamed[:renamed.index("  - id: yearly")] + renamed[renamed.index("offers:"):]
    write(catalog, without_yearly.replace("plans: [monthly, yearly]", "plans: [monthly]"))
    result = run("plan", str(catalog), "--store", url, "--allow-destroy")
    assert "  - plan yearly  (archive" in result.stdout
    assert '      product: "digital" → "digital-access"' in result.stdout.split("- plan yearly")[1]
    assert run("apply", str(catalog), "--store", url, "--auto-approve",
               "--allow-destroy").exit_code == 0
    store = open_url(url)
    try:
        plans = store.objects("plans")
        assert {(o.id, o.generation, o.data["product"]) for o in plans} == {
            ("monthly", 1, "digital-access"), ("monthly", 2, "digital-access"),
            ("yearly", 1, "digital-access")}
        from offerspec.model import KINDS
        from offerspec.serve.view import View

        view = View.build(store.snapshot(), {kind: store.objects(kind) for kind in KINDS})
        product = view.head_number("products", "digital-access")
        assert {view.rendered("plans", o.number).data["product_id"] for o in plans} == {product}
    finally:
        store.close()
    assert "No changes." in run("plan", str(catalog), "--store", url).stdout
