"""Nothing is applied that was not reviewed or that validate would refuse (issue 12).

A saved plan is untrusted input: a strict, versioned schema (every key ``plan --out`` writes,
typed, in range, finite, bounded in depth and size) refuses anything else with a located error;
what it would leave in the store must pass every rule of ``validate``; the revision records the
hash of what was written. No number option accepts a non-finite number.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest

from offerspec.cli.main import cli
from offerspec.cli.options import FiniteFloat
from storekit import edit, heads
from test_saved_plan_tampering import resummarised

OPEN_DOOR = {"id": "open-door", "nickname": "Everyone", "name_internal": None,
             "description": None, "product": "digital-access", "grants": ["digital-access"],
             "amount": 0, "currency": "USD", "interval": "month", "interval_count": 1,
             "auto_renew": True, "trial_period_days": 0, "revenue_recognition": "time",
             "renewal_strategy": "regular", "shipments_per_interval": None,
             "available_online": True, "is_hidden": False, "refundable": False,
             "type": "regular", "member_seat_capacity": None, "group_owner_plan": None,
             "countries": [], "ip_addresses": ["0.0.0.0/0"], "domains": [],
             "is_donation": False, "allow_send_invoice": False, "auto_uncollectible_days": None,
             "invoice_upcoming_notification": None, "apple_product_id": None,
             "gift_description": None, "image": None, "agency_id": None,
             "agency_remit_rate": None, "expires_at": None, "segment": None,
             "status": "active", "metadata": {}}


def _saved(run, cat: Path, url: str, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    edit(cat / "subscribe.yaml", "nickname: Annual Digital\n", "nickname: Yearly\n")
    out = tmp_path / "plan.json"
    assert run("plan", str(cat), "--store", url, "--out", str(out)).exit_code == 0
    return out, json.loads(out.read_text())


def _refused(run, out: Path, url: str, tmp_path: Path, message: str) -> None:
    before = heads(tmp_path / "store.db")
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 1, result.output
    assert message in result.stderr, result.stderr
    assert "hint:" in result.stderr and "Traceback" not in result.output
    assert heads(tmp_path / "store.db") == before


def test_a_plan_whose_result_validate_refuses_is_not_applied(run, cat, url, tmp_path) -> None:
    # Canonical data, a well-formed create: only the semantic rules can see what is wrong.
    out, doc = _saved(run, cat, url, tmp_path)
    doc["changes"].append({"action": "create", "kind": "plans", "id": "open-door",
                           "live_hash": None, "data": OPEN_DOOR})
    out.write_text(resummarised(doc))
    _refused(run, out, url, tmp_path,
             "the saved plan would leave a catalog in the store that validate refuses, nothing "
             "was applied: plan open-door (create): ip_addresses[0]: '0.0.0.0/0' ")
    stderr = run("apply", "--plan", str(out), "--store", url).stderr
    assert "ip_addresses[0]: '0.0.0.0/0' is a /0: wider than" in stderr
    assert "[ip-range-too-broad]" in stderr
    # another object named in a message is told by id and field, not a made-up position
    assert "overlaps '192.0.2.0/24' of plan 'campus-site-licence' (at plan " \
           "campus-site-licence: ip_addresses)" in stderr


def test_the_revision_records_the_hash_of_what_was_written(run, cat, url, tmp_path) -> None:
    from offerspec.catalog import canonical_json
    from offerspec.diff.changeset import content_hash
    from storekit import open_sqlite

    out, doc = _saved(run, cat, url, tmp_path)
    doc["catalog_hash"] = "sha256:" + "0" * 64  # what the file says is not what is recorded
    out.write_text(json.dumps(doc))
    assert run("apply", "--plan", str(out), "--store", url).exit_code == 0
    store = open_sqlite(url)
    try:
        snapshot = store.snapshot()
        written = content_hash({kind: {i: canonical_json(o.data) for i, o in table.items()}
                                for kind, table in snapshot.objects.items()})
        recorded = store.revision(snapshot.revision).catalog_hash
    finally:
        store.close()
    assert recorded == written
    # A catalog apply records the same: the hash of the catalog the store then holds.
    edit(cat / "subscribe.yaml", "nickname: Yearly\n", "nickname: Annual\n")
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    history = json.loads(run("history", "--store", url, "--format", "json").stdout)
    compiled = json.loads(run("compile", str(cat)).stdout)["catalog_hash"]
    assert history[-1]["catalog_hash"] == compiled  # no archived objects here: the same catalog


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _nested(depth: int) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["changes"][0]["fields"][0]["old"] = "__DEEP__"
        doc["__text__"] = json.dumps(doc).replace('"__DEEP__"', "[" * depth + "]" * depth)
    return change


SCHEMA_CASES = {
    "allow_destroy as text": (_set(("options", "allow_destroy"), "false"),
                              "options.allow_destroy: input should be a valid boolean "
                              "(got 'false')"),
    "share as text": (_set(("options", "max_archive_share"), "nan"),
                      "options.max_archive_share: input should be a valid number"),
    "share out of range": (_set(("options", "max_archive_share"), 5),
                           "options.max_archive_share: input should be less than or equal to 1"),
    "share NaN literal": (_set(("options", "max_archive_share"), math.nan),
                          "options.max_archive_share: nan is not a finite number"),
    "revision 1e999": (_set(("store", "revision"), math.inf),
                       "store.revision: inf is not a finite number"),
    "revision as float": (_set(("store", "revision"), 1.0),
                          "store.revision: input should be a valid integer (got 1.0)"),
    "revision negative": (_set(("store", "revision"), -1),
                          "store.revision: input should be greater than or equal to 0"),
    "generation as text": (_set(("changes", 0, "generation"), "1"),
                           "changes[0].generation: input should be a valid integer"),
    "drifted as number": (_set(("changes", 0, "drifted"), 0),
                          "changes[0].drifted: input should be a valid boolean"),
    "unknown key": (_set(("options", "yolo"), True),
                    "options.yolo: not a key of a plan file (format_version 1 or 2)"),
    "unknown action": (_set(("changes", 0, "action"), "explode"),
                       "changes[0]: input tag 'explode' found using 'action' does not match"),
    "bad hash": (_set(("changes", 0, "live_hash"), "x"),
                 "changes[0].live_hash: string should match pattern"),
    "bad id": (_set(("changes", 0, "id"), "../x"),
               "changes[0].id: string should match pattern"),
    "summary lies": (_set(("summary", "update"), 0),
                     "summary.update: it says 0, the changes make 1 (edited by hand?)"),
    "deep array": (_nested(100_000), "its JSON is nested too deeply"),
    "deep but parsable": (_nested(200), "changes[0].fields[0].old"),
    "notice not text": (_set(("notice",), 5), "notice: input should be a valid string"),
}


@pytest.mark.parametrize("name", list(SCHEMA_CASES))
def test_the_plan_file_schema_refuses_with_a_location(run, cat, url, tmp_path,
                                                      name: str) -> None:
    tamper, message = SCHEMA_CASES[name]
    out, doc = _saved(run, cat, url, tmp_path)
    tamper(doc)
    text = doc.pop("__text__", None) or json.dumps(doc)  # json writes NaN/Infinity literals
    out.write_text(text)
    _refused(run, out, url, tmp_path, f"not a usable offerspec plan file: {message}")


def test_the_notice_of_a_first_plan_is_part_of_the_schema(run, cat, tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/first.db"
    out = tmp_path / "first.json"
    assert run("plan", str(cat), "--store", url, "--out", str(out)).exit_code == 0
    assert "notice" in json.loads(out.read_text())
    result = run("apply", "--plan", str(out), "--store", url)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("special", ["fifo", "dev-zero", "too-large"])
def test_a_plan_file_that_is_not_a_bounded_regular_file_is_refused(
        run, url, tmp_path, monkeypatch, special: str) -> None:
    import os

    path = tmp_path / "plan.json"
    expected = "it is not a regular file"
    if special == "fifo":
        os.mkfifo(path)  # no writer: reading it would block for ever
    elif special == "dev-zero":
        path = Path("/dev/zero")
    else:
        monkeypatch.setattr("offerspec.render.plan_schema.MAX_PLAN_BYTES", 10)
        path.write_text('{"format": "offerspec-plan"}')
        expected = "over the 10-byte limit"
    result = run("apply", "--plan", str(path), "--store", url)
    assert result.exit_code == 1, result.output
    assert expected in result.stderr and "hint:" in result.stderr


def _number_options() -> list[tuple[str, click.Parameter]]:
    found = []
    ctx = click.Context(cli)
    todo: list[tuple[str, click.Command]] = [("offerspec", cli)]
    while todo:
        name, command = todo.pop()
        found += [(name, p) for p in command.params
                  if isinstance(p.type, click.types.FloatParamType)]
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                inner = command.get_command(ctx, sub)
                assert inner is not None
                todo.append((f"{name} {sub}", inner))
    return found


def test_every_number_option_is_finite() -> None:
    options = _number_options()
    assert len(options) >= 5  # apply/plan --max-archive-share, --lock-timeout of three commands
    assert [(n, p.name) for n, p in options if not isinstance(p.type, FiniteFloat)] == []


@pytest.mark.parametrize("value", ["nan", "-nan", "inf", "-inf", "1e999", "NaN"])
@pytest.mark.parametrize("args", [("apply", "--max-archive-share"), ("apply", "--lock-timeout"),
                                  ("plan", "--max-archive-share"),
                                  ("store", "migrate", "--lock-timeout"),
                                  ("serve", "--lock-timeout")])
def test_no_option_accepts_a_non_finite_number(run, args: tuple[str, ...], value: str) -> None:
    result = run(*args, value)
    assert result.exit_code == 2
    assert f"{value!r} is not a finite number" in result.stderr
