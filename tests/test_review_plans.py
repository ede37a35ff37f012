"""Plans a reviewer can judge: every field of a created object, money as money, colour only on
a terminal, the new-store notice first in every format."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from offerspec.diff.changes import Create, FieldChange, Replace, Update
from offerspec.diff.changeset import ChangeSet
from offerspec.render.plan_text import render_text
from storekit import copy_examples, edit

Run = Callable[..., Result]
NEW_STORE = " does not exist yet: every object is new"


def _plan(*changes: object) -> ChangeSet:
    return ChangeSet(tuple(changes), "sqlite:x", "sqlite:///s.db", 1, "sha256:x")  # type: ignore[arg-type]


def test_a_created_plan_shows_every_field_that_is_set(run: Run, tmp_path: Path) -> None:
    cat = copy_examples(tmp_path)
    url = f"sqlite:///{tmp_path / 's.db'}"
    out = run("plan", str(cat), "--store", url).stdout
    doc = json.loads(run("plan", str(cat), "--store", url, "--format", "json").stdout)
    (change,) = [c for c in doc["changes"] if c["id"] == "annual-digital-eur"]
    after = out.split("  + plan annual-digital-eur\n", 1)[1].splitlines()
    block = "\n".join(line for line in after[:next(i for i, line in enumerate(after)
                                                    if not line.startswith("      "))])
    shown = {line.split(":", 1)[0].strip() for line in block.splitlines()}
    assert shown == {k for k, v in change["data"].items() if v is not None and k != "id"}
    assert "      amount: 89.00 EUR (8900)" in block.splitlines()
    assert '      countries: ["DE", "FR", "IE", "NL", "NO"]' in block.splitlines()
    md = run("plan", str(cat), "--store", url, "--format", "markdown").stdout
    assert "+ plan annual-digital-eur\n    nickname: " in md and "    amount: 89.00 EUR (8900)" in md


@pytest.mark.parametrize(("old", "new", "currency", "line"), [
    (499, 599, "USD", "amount: 4.99 USD → 5.99 USD (499 → 599)"),
    (1500, 1800, "JPY", "amount: 1500 JPY → 1800 JPY"),  # no minor unit: nothing to repeat
    (1000, 1250, "KWD", "amount: 1.000 KWD → 1.250 KWD (1000 → 1250)"),
    (5, 0, "EUR", "amount: 0.05 EUR → 0.00 EUR (5 → 0)"),
])
def test_money_reads_as_money_beside_its_minor_units(old: int, new: int, currency: str,
                                                     line: str) -> None:
    change = Replace("plans", "p", (FieldChange("amount", old, new),), ("amount",),
                     {"id": "p", "amount": new, "currency": currency}, "h", 1)
    assert f"      {line}\n" in render_text(_plan(change))


def test_money_in_a_currency_change_uses_each_sides_currency() -> None:
    change = Replace("plans", "p", (FieldChange("amount", 999, 1500),
                                    FieldChange("currency", "USD", "JPY")), ("amount", "currency"),
                     {"id": "p", "amount": 1500, "currency": "JPY"}, "h", 1)
    assert "      amount: 9.99 USD → 1500 JPY (999 → 1500)\n" in render_text(_plan(change))
    created = Create("plans", "q", {"id": "q", "amount": 1500, "currency": "JPY"})
    assert "      amount: 1500 JPY\n" in render_text(_plan(created))


def test_a_plan_before_the_first_apply_says_so_first_in_every_format(run: Run,
                                                                    tmp_path: Path) -> None:
    cat = copy_examples(tmp_path)
    url = f"sqlite:///{tmp_path / 'new.db'}"
    notice = f"the store {url}{NEW_STORE}"
    text = run("plan", str(cat), "--store", url).stdout
    assert text.splitlines()[0] == notice
    as_json = run("plan", str(cat), "--store", url, "--format", "json").stdout
    assert as_json.splitlines()[0] == '{"notice": ' + json.dumps(notice) + ","
    assert json.loads(as_json)["notice"] == notice
    md = run("plan", str(cat), "--store", url, "--format", "markdown").stdout
    assert md.splitlines()[0] == f"### offerspec plan: the store `{url}`{NEW_STORE}"  # a code span
    saved = tmp_path / "plan.json"
    assert run("plan", str(cat), "--store", url, "--out", str(saved)).exit_code == 0
    applied = run("apply", "--plan", str(saved), "--store", url)
    assert applied.exit_code == 0, applied.output  # the saved plan still applies
    assert applied.stdout.splitlines()[0] == notice
    for fmt in ("text", "json", "markdown"):  # once the store exists: no notice
        assert NEW_STORE not in run("plan", str(cat), "--store", url, "--format", fmt).stdout


def _on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run offerspec with stdout on a pseudo-terminal (a real TTY), return what it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "offerspec", *args], stdout=follower,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, cwd=cwd, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_only_and_never_with_no_color(run: Run, tmp_path: Path) -> None:
    cat = copy_examples(tmp_path)
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n", "nickname: Monthly\n")
    edit(cat / "subscribe.yaml", "amount: 9900\n", "amount: 9999\n")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    args = ["plan", str(cat), "--store", url]
    tty = _on_a_terminal(args, env, tmp_path)
    assert "\x1b[33m  ~ plan monthly-digital\x1b[0m" in tty  # update: yellow
    assert "\x1b[31m  -/+ plan annual-digital  (replace: amount forces" in tty  # replace: red
    assert "\x1b[" not in _on_a_terminal([*args, "--no-color"], env, tmp_path)
    assert "\x1b[" not in _on_a_terminal(args, env | {"NO_COLOR": "1"}, tmp_path)
    assert "\x1b[" not in _on_a_terminal(args, env | {"TERM": "dumb"}, tmp_path)
    piped = subprocess.run([sys.executable, "-m", "offerspec", *args], capture_output=True,
                           text=True, env=env, check=False, timeout=60)
    assert piped.returncode == 0 and "\x1b[" not in piped.stdout
    assert "~ plan monthly-digital" in piped.stdout


def test_create_is_green_and_archive_red() -> None:
    from offerspec.diff.changes import Archive

    out = render_text(_plan(Create("products", "n", {"id": "n", "name": "N"}),
                            Archive("plans", "a", {"id": "a"}, "h", 1),
                            Update("plans", "u", (FieldChange("nickname", "a", "b"),), {}, "h", 1)),
                      colour=True)
    assert "\x1b[32m  + product n\x1b[0m\n" in out
    assert "\x1b[31m  - plan a  (archive:" in out
    assert "\x1b[33m  ~ plan u\x1b[0m\n" in out
    assert "\x1b[" not in render_text(_plan(Create("products", "n", {"id": "n"})))
