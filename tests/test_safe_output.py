"""Text from data never controls the reader's screen or comment: one output layer
(render/safe.py) escapes it, for every format and stream. A test per class of output, each with
hostile strings: ESC sequences, CR, the 8-bit CSI \\x9b, NEL, U+2028, bidi overrides, backticks,
an HTML comment opener."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from offerspec.diff.changes import Create, FieldChange, Update
from offerspec.diff.changeset import ChangeSet
from offerspec.render import safe
from offerspec.render.plan_markdown import render_markdown
from storekit import copy_examples, edit

Run = Callable[..., Result]

HOSTILE = {
    "esc": "M\x1b[2K\rFAKE",
    "csi8": "a\x9b31mred",
    "newline": "x\nPASS fake.scenarios.yaml:1 fake",
    "nel": "a\x85b",
    "ls": "a\u2028b\u2029c",
    "bidi": "abc\u202edcba\u2066x\u2069",
    "bell": "ding\x07\x00\x7f",
}
# What must never reach the output raw (colour codes offerspec adds itself are tested apart).
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def assert_inert(text: str) -> None:
    found = RAW.findall(text)
    assert not found, f"raw control characters in output: {found!r}"


# -- the layer itself -------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_clean_makes_one_visible_line_of_any_value(name: str) -> None:
    shown = safe.clean(HOSTILE[name])
    assert_inert(shown)
    assert "\n" not in shown
    assert safe.clean(shown) == shown  # escaping twice changes nothing


def test_clean_spells_each_character_as_an_escape() -> None:
    assert safe.clean("M\x1b[2K\rFAKE") == "M\\x1b[2K\\rFAKE"
    assert safe.clean("\x9b\x85\u2028\u202e\t\n") == "\\x9b\\x85\\u2028\\u202e\\t\\n"
    assert safe.clean("Zürich 東京 😀 ‐") == "Zürich 東京 😀 ‐"  # printable text is kept


def test_text_escapes_line_breaks_inside_a_line() -> None:
    assert safe.text(["PASS a", "b\nPASS fake"]) == "PASS a\nb\\nPASS fake\n"


def test_json_text_keeps_the_data_and_escapes_what_json_writes_raw() -> None:
    doc = {"v": "".join(HOSTILE.values())}
    out = safe.json_text(doc)
    assert_inert(out)
    assert json.loads(out) == doc


# -- plan: text, JSON, Markdown ----------------------------------------------------------------

def _hostile_plan(url: str = "sqlite:///s.db") -> ChangeSet:
    changes = tuple(Update("plans", f"p-{name}", (FieldChange("nickname", "old", value),),
                           {"id": f"p-{name}"}, "h", 1) for name, value in HOSTILE.items())
    created = Create("products", "new", {"id": "new", "name": "".join(HOSTILE.values()),
                                         "metadata": {"k\x1b]0;title\x07": "v"}})
    return ChangeSet((created, *changes), "i", url, 1, "sha256:x")


def test_text_plan_shows_hostile_values_escaped_one_line_each() -> None:
    from offerspec.render.plan_text import render_text

    out = render_text(_hostile_plan())
    assert_inert(out)
    assert '  nickname: "old" → "M\\u001b[2K\\rFAKE"' in out or "M\\x1b" in out
    assert not any(line.startswith("PASS") for line in out.splitlines())
    assert len(out.splitlines()) == 2 + 3 + 2 * len(HOSTILE) + 2  # header, create, updates


def test_colour_codes_are_offerspecs_own_only() -> None:
    from offerspec.render.plan_text import render_text

    out = render_text(_hostile_plan(), colour=True)
    codes = re.findall("\x1b\\[[0-9;]*m", out)
    assert codes and set(codes) <= {"\x1b[32m", "\x1b[33m", "\x1b[0m"}
    assert_inert(re.sub("\x1b\\[(32|33|0)m", "", out))


def test_json_plan_escapes_and_reads_back_the_same_values() -> None:
    from offerspec.render.plan_json import render_json

    out = render_json(_hostile_plan())
    assert_inert(out)
    doc = json.loads(out)
    assert doc["changes"][1]["fields"][0]["new"] == HOSTILE["esc"]


@pytest.mark.parametrize("url", [
    "sqlite:///x`\n\n<!--", "sqlite:///x` -->\n<!--", "sqlite:///```\n# fake heading", "u\u202e"])
def test_markdown_a_crafted_store_url_cannot_break_out_or_hide_the_plan(url: str) -> None:
    md = render_markdown(_hostile_plan(url))
    assert_inert(md)
    lines = md.splitlines()
    against = [line for line in lines if line.startswith("Against ")]
    assert len(against) == 1  # the URL stayed on its line, inside its code span
    code = re.match(r"Against (`+)( ?)(.*?)\2\1 at revision", against[0])
    assert code and "`" * len(code.group(1)) not in code.group(3)
    assert not any(line.startswith(("<!--", "#  ", "# fake")) for line in lines)
    assert "<!--" not in md.replace(safe.md_code(url), "")
    assert md.count("! plan p-esc") == 2  # the plan is all there (overview and in full)


def test_markdown_values_stay_inside_their_fence() -> None:
    change = Update("plans", "x", (FieldChange("nickname", "a", "```\n<!--\n```````"),), {}, "h", 1)
    md = render_markdown(ChangeSet((change,), "i", "u", 0, "sha256:abc"))
    assert "<!--" not in [line.strip() for line in md.splitlines()]
    fences = [line for line in md.splitlines() if re.fullmatch(r"`{3,}(diff)?", line)]
    assert fences == ["```diff", "```", "````````diff", "````````"]


# -- through the CLI: plan, apply --plan, history and show, offer view, test, batch, errors ----

@pytest.fixture
def hostile_cat(tmp_path: Path) -> Path:
    cat = copy_examples(tmp_path)
    edit(cat / "subscribe.yaml", "nickname: Monthly Digital\n",
         'nickname: "M\\e[2K\\rFAKE\\x9b2J\\L\\u202eX"\n')
    return cat


def test_cli_plan_text_json_markdown_and_apply_are_inert(run: Run, hostile_cat: Path,
                                                          tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    for fmt in ("text", "json", "markdown"):
        result = run("plan", str(hostile_cat), "--store", url, "--format", fmt)
        assert result.exit_code == 0, result.output
        assert_inert(result.stdout)
    applied = run("apply", str(hostile_cat), "--store", url, "--auto-approve")
    assert applied.exit_code == 0
    assert_inert(applied.output)
    assert 'nickname: "M\\u001b[2K\\rFAKE\\x9b2J\\u2028\\u202eX"' in applied.stdout


def test_cli_offer_view_and_checkout_are_inert(run: Run, hostile_cat: Path) -> None:
    for args in (("--offer", "subscribe"), ("--offer", "subscribe", "--plan", "monthly-digital",
                                           "--date", "2026-11-22")):
        for fmt in ("text", "json"):
            result = run("simulate", str(hostile_cat), *args, "--format", fmt)
            assert result.exit_code == 0, result.output
            assert_inert(result.stdout)
    view = run("simulate", str(hostile_cat), "--offer", "subscribe").stdout
    assert "M\\x1b[2K\\rFAKE" in view


def test_cli_history_and_show_are_inert(run: Run, hostile_cat: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    url = f"sqlite:///{db}"
    assert run("apply", str(hostile_cat), "--store", url, "--auto-approve").exit_code == 0
    with sqlite3.connect(db) as conn:  # a store written by a hostile hand
        conn.execute("UPDATE revisions SET user = ?, host = ?, summary = ?",
                     ("a\x1b]0;t\x07", "h\rNo changes.", "s\u202e\nNo changes."))
    conn.close()
    for args in (("history",), ("history", "--format", "json"), ("show", "1"),
                 ("show", "1", "--format", "json"),
                 ("history", "--object", "plan/monthly-digital"),
                 ("history", "--object", "plan/monthly-digital", "--format", "json")):
        result = run(*args, "--store", url)
        assert result.exit_code == 0, (args, result.output)
        assert_inert(result.stdout)
        assert "No changes." not in result.stdout.splitlines()


def test_cli_apply_plan_a_crafted_store_url_prints_no_fake_line(run: Run, hostile_cat: Path,
                                                              tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    plan_file = tmp_path / "plan.json"
    assert run("plan", str(hostile_cat), "--store", url, "--out", str(plan_file)).exit_code == 0
    doc = json.loads(plan_file.read_text())
    doc["store"]["url"] = "sqlite:///x.db\r\x1b[2KNo changes.\n\nNo changes."
    plan_file.write_text(json.dumps(doc))
    result = run("apply", "--plan", str(plan_file), "--store", url)
    assert_inert(result.output)
    assert "No changes." not in result.output.splitlines()


def test_cli_scenario_names_cannot_print_fake_pass_lines(run: Run, hostile_cat: Path) -> None:
    (hostile_cat / "x.scenarios.yaml").write_text(
        "scenarios:\n"
        '  - name: "fails\\nPASS fake.scenarios.yaml:1 everything is fine\\e[2K"\n'
        "    checkout: {offer: subscribe, plan: monthly-digital, date: 2026-11-22}\n"
        "    expect: {accepted: false}\n", encoding="utf-8")
    result = run("test", str(hostile_cat))
    assert result.exit_code == 1
    assert_inert(result.output)
    lines = result.stdout.splitlines()
    assert not any("PASS fake" in line and not line.startswith("FAIL ") for line in lines)
    (fail,) = [line for line in lines if line.startswith("FAIL ")]
    assert fail.endswith("x.scenarios.yaml:2 fails\\nPASS fake.scenarios.yaml:1 everything is "
                         "fine\\x1b[2K")
    assert lines[-1].endswith(" passed, 1 failed")


def test_cli_batch_errors_are_inert(run: Run, hostile_cat: Path, tmp_path: Path) -> None:
    batch = tmp_path / "b.csv"
    batch.write_text("offer,plan,date\n"
                     "subscribe,\"nope\x1b[2K\rFAKE\x9b\",2026-11-22\n"
                     "\"sub\u202escribe\",monthly-digital,2026-11-22\n", encoding="utf-8")
    for output_format in ("jsonl", "csv"):
        result = run("simulate", str(hostile_cat), "--batch", str(batch),
                     "--output-format", output_format)
        assert result.exit_code == 1
        assert_inert(result.stderr)
        assert result.stderr.count("error:") == 2
    jsonl = run("simulate", str(hostile_cat), "--batch", str(batch), "--output-format", "jsonl")
    assert_inert(jsonl.stdout)


def test_cli_errors_and_diagnostics_are_inert(run: Run, tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        'products:\n  - id: p\n    name: P\n    bogus\x1b: "x"\nplans:\n'
        '  - {id: m, nickname: "M", product: p, amount: "9.99\\e[2K", currency: USD}\n',
        encoding="utf-8")
    for fmt in ("text", "json", "github"):
        result = run("validate", str(tmp_path), "--format", fmt)
        assert result.exit_code == 1
        assert_inert(result.output)
    missing = run("apply", "--plan", str(tmp_path / "no\x1b[2Kplan.json"))
    assert missing.exit_code == 1 and "no\\x1b[2Kplan.json" in missing.stderr
    assert_inert(missing.output)


def test_cli_plan_markdown_of_an_invalid_catalog_is_a_readable_comment(run: Run,
                                                                      tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(
        'products:\n  - id: p\n    name: "P```\\n<!--"\n'
        'plans:\n  - {id: m, nickname: M, product: p, amount: 9.99, currency: USD}\n',
        encoding="utf-8")
    url = f"sqlite:///{tmp_path / 's.db'}"
    result = run("plan", str(tmp_path), "--store", url, "--format", "markdown")
    assert result.exit_code == 1  # as without --format markdown
    md = result.stdout
    assert md.startswith("### offerspec plan: the catalog is invalid, no plan\n")
    assert "c.yaml:5:" in md and "error[schema]" in md and "```text\n" in md
    assert_inert(md)
    assert "error[schema]" in result.stderr  # the errors still go to stderr too
    text = run("plan", str(tmp_path), "--store", url)
    assert text.exit_code == 1 and text.stdout == ""
