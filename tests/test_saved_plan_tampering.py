"""A saved plan edited by hand, cut short or merged badly is refused before anything is written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from storekit import edit, heads


def _saved(run, cat: Path, url: str, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """Apply the examples, rename one plan, save that plan."""
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    edit(cat / "subscribe.yaml", "nickname: Annual Digital\n", "nickname: Yearly\n")
    out = tmp_path / "plan.json"
    assert run("plan", str(cat), "--store", url, "--out", str(out)).exit_code == 0
    return out, json.loads(out.read_text())


def _change(doc: dict[str, Any], ident: str) -> dict[str, Any]:
    change: dict[str, Any] = next(c for c in doc["changes"] if c["id"] == ident)
    return change


def resummarised(doc: dict[str, Any]) -> str:
    """The document, its summary made to match its changes: a careful forger's plan file (a
    summary that does not match is refused on its own, test_saved_plan_schema)."""
    from offerspec.diff.changes import from_dict
    from offerspec.diff.changeset import ChangeSet

    changes = ChangeSet(tuple(from_dict(c) for c in doc["changes"]), "i", "u", 0, "h")
    counts = changes.counts()
    doc["summary"] = {a: counts[a] for a in ("create", "update", "replace", "archive",
                                              "unarchive", "delete")} | {
        "drift": changes.drift_count(), "text": changes.summary()}
    return json.dumps(doc)


def _tamper_price(doc: dict[str, Any]) -> None:
    _change(doc, "annual-digital")["data"]["amount"] = 1  # hidden in an "update" of the nickname


def _tamper_twice(doc: dict[str, Any]) -> None:
    doc["changes"].append(doc["changes"][0])


def _tamper_dangling(doc: dict[str, Any]) -> None:
    offer = {"action": "create", "kind": "offers", "id": "new-offer", "live_hash": None,
             "data": {"id": "new-offer", "name": "New", "description": None,
                      "plans": ["no-such-plan"], "status": "active", "metadata": {}}}
    doc["changes"].append(offer)


@pytest.mark.parametrize("tamper, message", [
    (_tamper_price, "plan annual-digital: the plan shows update (nickname) but its data means "
                    "replace (nickname, amount)"),
    (_tamper_twice, "plan annual-digital: changed twice"),
    (_tamper_dangling, "offer new-offer would refer to plan no-such-plan, which would not exist"),
])
def test_tampered_saved_plan_is_refused(run, cat, url, tmp_path,  # noqa: PLR0917
                                        tamper: Callable[[dict[str, Any]], None],
                                        message: str) -> None:
    out, doc = _saved(run, cat, url, tmp_path)
    tamper(doc)
    out.write_text(resummarised(doc))
    before = heads(tmp_path / "store.db")
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 1, result.output
    assert "the saved plan does not do what it shows" in result.stderr
    assert message in result.stderr and "hint:" in result.stderr
    assert heads(tmp_path / "store.db") == before


def test_delete_slipped_into_a_saved_plan_is_refused(run, cat, url, tmp_path) -> None:
    out, doc = _saved(run, cat, url, tmp_path)
    live = heads(tmp_path / "store.db")[("plans", "monthly-digital")]
    from offerspec.store.base import text_hash

    doc["changes"].append({"action": "delete", "kind": "plans", "id": "monthly-digital",
                           "live_hash": text_hash(live), "generation": 1})
    out.write_text(resummarised(doc))
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 1
    assert "plan monthly-digital: a delete in a plan made without --delete-removed" in result.stderr
    doc["options"]["delete_removed"] = True
    out.write_text(resummarised(doc))
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 1
    assert "plan monthly-digital: only an archived object can be deleted" in result.stderr
    assert "offer subscribe" in result.stderr  # and it is still referenced


def test_non_canonical_data_and_boolean_version_are_refused(run, cat, url, tmp_path) -> None:
    out, doc = _saved(run, cat, url, tmp_path)
    del _change(doc, "annual-digital")["data"]["refundable"]
    out.write_text(resummarised(doc))
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 1 and "its data is not in canonical form" in result.stderr
    doc = json.loads(run("plan", str(cat), "--store", url, "--format", "json").stdout)
    doc["format_version"] = True  # == 1 in Python, but not the integer 1
    out.write_text(resummarised(doc))
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 1 and "format_version True is not 1" in result.stderr


def test_untampered_saved_plan_still_applies(run, cat, url, tmp_path) -> None:
    # Every kind of change an honest plan holds passes the checks.
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    edit(cat / "subscribe.yaml", "nickname: Annual Digital\n", "nickname: Yearly\n")
    edit(cat / "subscribe.yaml", "amount: 999          #", "amount: 1099          #")
    edit(cat / "products.yaml", "name: Print Edition\n", "name: Print\n")
    out = tmp_path / "plan.json"
    assert run("plan", str(cat), "--store", url, "--out", str(out)).exit_code == 0
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 0, result.output
    assert "No changes." in run("plan", str(cat), "--store", url).stdout
