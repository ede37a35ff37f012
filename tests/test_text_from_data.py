"""Text from data never controls the reader's spreadsheet, comment or line numbers (issue 12).

CSV (export, batch output) goes through one cell writer (``render.safe.csv_cell``): a cell a
spreadsheet would run as a formula is neutralised, a CR inside a value is quoted. Markdown
values go through ``safe.md_code``/``md_fence`` (the new-store heading too). YAML positions
count only YAML 1.2 line breaks; pull writes U+0085/U+2028/U+2029 escaped.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from offerspec.diagnostics import OfferspecError
from offerspec.render.safe import csv_cell, csv_row
from storekit import edit, edit_live, heads

CELLS = [  # value, the cell written
    ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "\"'\rx\""),
    ("a\rb", "\"a\rb\""),
    ("a\nb", "\"a\nb\""),
    ("a,b", "\"a,b\""),
    ("-5", "-5"), ("+7", "+7"), ("-1.5", "-1.5"), ("", ""), ("plain", "plain"),
    ("a=b", "a=b"),
]
CONTROLS = [
    ("M\x1b[2K\rFAKE", "\"M\\x1b[2K\rFAKE\""),  # ESC escaped, never raw; the CR quoted
    ("\x07bell\u202e", "\\x07bell\\u202e"),
]


@pytest.mark.parametrize(("value", "cell"), CONTROLS)
def test_a_control_character_in_a_cell_is_escaped(value: str, cell: str) -> None:
    assert csv_cell(value) == cell


@pytest.mark.parametrize(("value", "cell"), CELLS)
def test_a_cell_is_neutralised_and_quoted(value: str, cell: str) -> None:
    assert csv_cell(value) == cell


def test_rows_read_back_one_row_each() -> None:
    text = "".join(csv_row([value, "next"]) for value, _ in CELLS)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(CELLS)
    for (value, _), row in zip(CELLS, rows, strict=True):
        assert row[1] == "next" and row[0].removeprefix("'") == value.removeprefix("'")


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_export_neutralises_a_hostile_nickname(run, cat, url, tmp_path) -> None:
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    live = json.loads(heads(tmp_path / "store.db")[("plans", "monthly-digital")])
    live["nickname"] = "=HYPERLINK(\"http://evil\")\rfake,row"
    edit_live(tmp_path / "store.db", "monthly-digital", json.dumps(live))
    result = run("export", "--store", url)
    assert result.exit_code == 0, result.output
    rows = _csv_rows(result.stdout)
    plans = json.loads(run("compile", str(cat)).stdout)["plans"]
    assert len(rows) == 1 + len(plans)  # the CR did not start a row
    nickname = rows[0].index("nickname")
    cell = next(r[nickname] for r in rows if r[0] == "monthly-digital")
    assert cell == "'" + live["nickname"]


def test_batch_csv_output_neutralises_its_cells() -> None:
    from offerspec.simulate.batch import RowResult, write_csv

    out = io.StringIO()
    error = OfferspecError("=1+1\rinjected,row")
    list(write_csv([RowResult(2, error=error), RowResult(3, error=error)], out))
    rows = _csv_rows(out.getvalue())
    assert len(rows) == 3 and rows[1][-1] == "'=1+1\rinjected,row"


def test_cli_batch_csv_output_is_one_row_a_line(run, cat, tmp_path) -> None:
    batch = tmp_path / "b.csv"
    batch.write_text('offer,plan,date\nsubscribe,"=cmd\rx",2026-11-22\n'
                     "subscribe,monthly-digital,2026-11-22\n", encoding="utf-8")
    result = run("simulate", str(cat), "--batch", str(batch), "--output-format", "csv")
    rows = _csv_rows(result.stdout)
    assert len(rows) == 3  # the CR inside the quoted cell is no row of its own
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows
                   for cell in row if not re.fullmatch(r"-?\d+", cell))


def test_markdown_first_plan_heading_keeps_the_url_in_a_code_span() -> None:
    from offerspec.diff.changes import Create
    from offerspec.diff.changeset import ChangeSet
    from offerspec.render.plan_markdown import render_markdown
    from offerspec.store.base import NEW_STORE

    url = "sqlite:///x<!--"
    md = render_markdown(ChangeSet((Create("products", "p", {"id": "p", "name": "P"}),),
                                   NEW_STORE + url, url, 0, "sha256:abc"))
    heading = md.splitlines()[0]
    assert heading == f"### offerspec plan: the store `{url}` does not exist yet: every object is new"
    assert md.count("<!--") == 2  # both inside code spans, the plan is all there
    assert "+ product p" in md


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85"])
def test_yaml_line_numbers_count_only_yaml_line_breaks(run, write, char: str) -> None:
    cat = write(products=f'products:\n  - id: p\n    name: "a{char}b{char}c"\n'
                         f"    description: 'x{char}y'\n"
                         "  - id: q\n    name: Q\n    status: bogus\n")
    result = run("validate", str(cat))
    assert result.exit_code == 1
    assert "products.yaml:7:13" in result.stdout + result.stderr  # `bogus`, where an editor shows it


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85"])
def test_pull_writes_legacy_line_breaks_escaped_and_plans_no_changes(run, cat, url, tmp_path,
                                                                     char: str) -> None:
    escape = {"\u2028": "\\L", "\u2029": "\\P", "\x85": "\\N"}[char]
    edit(cat / "subscribe.yaml", "nickname: Annual Digital\n", f'nickname: "Annual{escape}Digital"\n')
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    stored = json.loads(heads(tmp_path / "store.db")[("plans", "annual-digital")])
    assert stored["nickname"] == f"Annual{char}Digital"
    out = tmp_path / "pulled"
    assert run("pull", "--out", str(out), "--store", url).exit_code == 0
    pulled = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.yaml"))
    assert char not in pulled and f'"Annual{escape}Digital"' in pulled
    assert "No changes." in run("plan", str(out), "--store", url).stdout
