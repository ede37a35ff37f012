"""``offerspec validate``: formats, exit codes, ordering, and the line between user errors and bugs."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from conftest import EXAMPLES
from offerspec.diagnostics import Diagnostic, Severity
from offerspec.render.diagnostics import render_github, render_json, render_text

Run = Callable[..., Result]
Write = Callable[..., Path]

BROKEN_PLAN = """
plans:
  - id: monthly
    nickname: Monthly
    product: digital
    amount: 9.99
    currency: USD
    interval: month
"""
PRODUCTS = """
products:
  - id: digital
    name: Digital Access
"""
HIDDEN_IN_OFFER = PRODUCTS + """plans:
  - id: monthly
    nickname: Monthly
    product: digital
    amount: 999
    currency: USD
    interval: month
    is_hidden: true
offers:
  - id: subscribe
    name: Subscribe
    plans: [monthly]
"""


@pytest.fixture
def in_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- exit codes ---------------------------------------------------------------------------------


def test_valid_catalog_exits_0(run: Run) -> None:
    result = run("validate", str(EXAMPLES))
    assert result.exit_code == 0
    assert result.stdout == "valid: 3 products, 12 plans, 5 offers\n"
    assert result.stderr == ""


def test_invalid_catalog_exits_1(run: Run, write: Write, in_dir: Path) -> None:
    write(products=PRODUCTS, plans=BROKEN_PLAN)
    result = run("validate")
    assert result.exit_code == 1
    assert result.stdout == (
        "plans.yaml:5:13: error[schema]: amount must be an integer number of minor units, got 9.99\n"
        "  hint: did you mean 999? (amounts are integer USD minor units)\n"
        "1 error, 0 warnings\n")


def test_default_path_is_the_current_directory(run: Run, write: Write, in_dir: Path) -> None:
    write(products=PRODUCTS)
    assert run("validate").stdout == "valid: 1 product, 0 plans, 0 offers\n"
    assert run("validate", ".").stdout == "valid: 1 product, 0 plans, 0 offers\n"


def test_files_can_be_named_one_by_one(run: Run, write: Write, in_dir: Path) -> None:
    write(products=PRODUCTS, plans=BROKEN_PLAN)
    assert run("validate", "products.yaml").exit_code == 0
    assert run("validate", "products.yaml", "plans.yaml").exit_code == 1


@pytest.mark.parametrize("args", [["--bogus"], ["--format", "xml"], ["--strict=yes"]])
def test_usage_error_exits_2(run: Run, args: list[str]) -> None:
    result = run("validate", *args, str(EXAMPLES))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("Error: ")
    assert result.stdout == ""


def test_unknown_command_exits_2(run: Run) -> None:
    result = run("frobnicate")
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.stderr


def test_missing_path_exits_1_with_a_clear_message(run: Run, in_dir: Path) -> None:
    result = run("validate", "no-such-dir")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == ("error: no-such-dir: no such file or directory\n"
                             "  hint: pass a catalog directory or YAML files\n")
    assert "Traceback" not in result.output


def test_directory_without_catalog_files_exits_1(run: Run, in_dir: Path) -> None:
    (in_dir / "notes.txt").write_text("not yaml\n")
    result = run("validate", ".")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no catalog files found (looked for *.yaml and *.yml)\n")


def test_internal_bug_exits_3_with_a_short_report(run: Run, in_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import offerspec.api

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(offerspec.api, "check_catalog", explode)
    monkeypatch.setattr(tempfile, "tempdir", str(in_dir))
    result = run("validate", str(EXAMPLES))
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    first, second = result.stderr.splitlines()
    assert first == "offerspec: internal error (this is a bug): RuntimeError: kaboom"
    (report,) = in_dir.glob("offerspec-crash-*.log")
    assert second == f"  the full report is in {report}; please attach it to an issue."
    text = report.read_text()
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: kaboom" in text


def test_interrupt_exits_130(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    import offerspec.api

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(offerspec.api, "check_catalog", interrupted)
    result = run("validate", str(EXAMPLES))
    assert result.exit_code == 130
    assert result.stderr == "interrupted\n"


def test_help(run: Run) -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("compile", "schema", "validate"):
        assert command in result.stdout
    sub = run("validate", "--help")
    assert sub.exit_code == 0
    assert "--format [text|json|github]" in sub.stdout
    assert "--strict" in sub.stdout


def test_version(run: Run) -> None:
    assert run("--version").stdout == "offerspec, version 0.1.0\n"


# -- strict -------------------------------------------------------------------------------------


def test_warnings_pass_without_strict_and_fail_with_it(run: Run, write: Write, in_dir: Path) -> None:
    write(catalog=HIDDEN_IN_OFFER)
    relaxed = run("validate")
    assert relaxed.exit_code == 0
    assert relaxed.stdout.splitlines()[0] == (
        "catalog.yaml:15:13: warning[offer-hidden-plan]: plan 'monthly' is hidden: members see it "
        "only by direct link")
    assert relaxed.stdout.splitlines()[-2:] == ["0 errors, 1 warning", "valid: 1 product, 1 plan, 1 offer"]
    strict = run("validate", "--strict")
    assert strict.exit_code == 1
    assert strict.stdout.splitlines()[0].startswith("catalog.yaml:15:13: error[offer-hidden-plan]: ")
    assert strict.stdout.splitlines()[-1] == "1 error, 0 warnings"


# -- all problems, sorted -----------------------------------------------------------------------


def test_every_problem_in_one_run_sorted_by_file_and_line(run: Run, write: Write, in_dir: Path) -> None:
    write(
        b_plans="""
        plans:
          - id: annual
            nickname: Annual
            product: digitl
            amount: 9900
            currency: USD
            interval: year
            countries: [US, XX]
          - id: monthly
            nickname: Monthly
            product: digital
            amount: "999"
            currency: usd
            interval: month
        """,
        a_offers="""
        offers:
          - id: subscribe
            name: Subscribe
            plans: [monthly, anual, monthly]
            colour: blue
        """,
        c_products="""
        products:
          - id: digital
            name: Digital Access
            status: archivd
        """,
    )
    (in_dir / "d_broken.yaml").write_text("products: [\n")
    (in_dir / "e_empty.yaml").write_text("")
    result = run("validate", "--format", "json")
    assert result.exit_code == 1
    found = [(d["file"], d["line"], d["col"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]]
    assert found == [
        ("a_offers.yaml", 4, 22, "unknown-reference"),
        ("a_offers.yaml", 4, 29, "offer-repeated-plan"),
        ("a_offers.yaml", 5, 5, "unknown-field"),
        ("b_plans.yaml", 4, 14, "unknown-reference"),
        ("b_plans.yaml", 8, 21, "unknown-country"),
        ("b_plans.yaml", 12, 13, "schema"),
        ("b_plans.yaml", 13, 15, "schema"),
        ("c_products.yaml", 4, 13, "schema"),
        ("d_broken.yaml", 2, 1, "yaml-syntax"),
        ("e_empty.yaml", 1, 1, "empty-file"),
    ]


def test_lines_sort_numerically_not_as_text(run: Run, write: Write, in_dir: Path) -> None:
    body = "".join(f"  - id: p{i}\n    name: P{i}\n" for i in range(5)) + "  - id: x\n    colour: X\n"
    write(catalog="products:\n" + body.replace("p0", "P0") + "plans: 7\n")
    result = run("validate", "--format", "json")
    lines = [d["line"] for d in json.loads(result.stdout)["diagnostics"]]
    assert lines == [2, 12, 13, 14]


# -- formats ------------------------------------------------------------------------------------


def test_json_format(run: Run, write: Write, in_dir: Path) -> None:
    write(catalog=HIDDEN_IN_OFFER.replace("amount: 999", "amount: 9.99"))
    result = run("validate", "--format", "json")
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body == {
        "valid": False, "errors": 1, "warnings": 0,
        "diagnostics": [{
            "file": "catalog.yaml", "line": 8, "col": 13, "severity": "error", "code": "schema",
            "message": "amount must be an integer number of minor units, got 9.99",
            "hint": "did you mean 999? (amounts are integer USD minor units)", "related": [],
        }],
    }


def test_json_format_of_a_valid_catalog_with_a_warning(run: Run, write: Write, in_dir: Path) -> None:
    write(catalog=HIDDEN_IN_OFFER)
    result = run("validate", "--format", "json")
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert (body["valid"], body["errors"], body["warnings"]) == (True, 0, 1)
    assert body["diagnostics"][0]["severity"] == "warning"
    assert body["diagnostics"][0]["hint"] == "set `is_hidden: false`, or keep it out of public offers"


def test_json_related_locations(run: Run, write: Write, in_dir: Path) -> None:
    write(a=PRODUCTS, b=PRODUCTS)
    body = json.loads(run("validate", "--format", "json").stdout)
    assert [(d["file"], d["line"], d["related"]) for d in body["diagnostics"]] == [
        ("a.yaml", 2, [{"file": "b.yaml", "line": 2, "col": 9}]),
        ("b.yaml", 2, [{"file": "a.yaml", "line": 2, "col": 9}]),
    ]


def test_github_format(run: Run, write: Write, in_dir: Path) -> None:
    write(catalog=HIDDEN_IN_OFFER.replace("currency: USD", "currency: usd"))
    result = run("validate", "--format", "github")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::error file=catalog.yaml,line=9,col=15,title=schema::invalid currency 'usd' "
        "(hint: currency codes are uppercase: did you mean 'USD'?)",
    ]


def test_github_format_warning_and_summary(run: Run, write: Write, in_dir: Path) -> None:
    write(catalog=HIDDEN_IN_OFFER)
    result = run("validate", "--format", "github")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "::warning file=catalog.yaml,line=15,col=13,title=offer-hidden-plan::plan 'monthly' is hidden: "
        "members see it only by direct link (hint: set `is_hidden: false`, or keep it out of public offers)",
        "valid: 1 product, 1 plan, 1 offer",
    ]


def test_github_escaping() -> None:
    diagnostic = Diagnostic("dir,x/a:b%.yaml", 3, 4, "some:code", "50% off\nsecond line\r",
                            Severity.WARNING, hint="a, b: c")
    assert render_github([diagnostic]) == (
        "::warning file=dir%2Cx/a%3Ab%25.yaml,line=3,col=4,title=some%3Acode::"
        "50%25 off%0Asecond line%0D (hint: a, b: c)\n")


def test_text_format_keeps_one_line_per_problem(run: Run, write: Write, in_dir: Path) -> None:
    write(catalog='products:\n  - id: "digital\\n"\n    name: "Digital\\u2028Access\\t"\n')
    result = run("validate")
    assert result.exit_code == 1
    assert result.output == (
        "catalog.yaml:2:9: error[schema]: invalid id 'digital\\n'\n"
        "  hint: ids are lowercase ASCII slugs matching ^[a-z0-9][a-z0-9-]*$, e.g. 'annual-digital'\n"
        "1 error, 0 warnings\n")
    diagnostic = Diagnostic("f.yaml", 1, 2, "c", "a\u2028b\x85c\x00d\re", hint="x\ny")
    assert render_text([diagnostic]).splitlines() == [
        "f.yaml:1:2: error[c]: a\\u2028b\\x85c\\x00d\\re", "  hint: x\\ny", "1 error, 0 warnings"]


def test_renderers_on_nothing() -> None:
    assert render_text([]) == ""
    assert render_github([]) == ""
    assert json.loads(render_json([])) == {"valid": True, "errors": 0, "warnings": 0, "diagnostics": []}


def test_text_format_counts() -> None:
    diagnostics = [Diagnostic("f.yaml", 1, 2, "c", "m"),
                   Diagnostic("f.yaml", 2, 1, "w", "n", Severity.WARNING),
                   Diagnostic("f.yaml", 3, 1, "w", "o", Severity.WARNING)]
    assert render_text(diagnostics, "done") == (
        "f.yaml:1:2: error[c]: m\nf.yaml:2:1: warning[w]: n\nf.yaml:3:1: warning[w]: o\n"
        "1 error, 2 warnings\ndone\n")


# -- schema command -----------------------------------------------------------------------------


def test_schema_command_prints_the_json_schema(run: Run) -> None:
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == {"products", "plans", "offers"}
    assert schema["additionalProperties"] is False


def test_schema_accepts_the_examples_and_rejects_an_unknown_field(run: Run) -> None:
    import jsonschema

    from offerspec.load import load_document

    validator = jsonschema.Draft202012Validator(json.loads(run("schema").stdout))
    for path in sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".scenarios.yaml")):
        doc, problems = load_document(path)
        assert doc is not None, problems
        assert list(validator.iter_errors(doc.data)) == [], path
    good = {"plans": [{"id": "x", "nickname": "X", "product": "p", "amount": 1, "currency": "USD"}]}
    bad = {"plans": [{**good["plans"][0], "nicknam": "X"}]}
    assert list(validator.iter_errors(good)) == []
    assert [e.validator for e in validator.iter_errors(bad)] == ["additionalProperties"]


def test_help_in_a_fresh_process_imports_nothing_heavy() -> None:
    import os
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import sys\nfrom offerspec.cli.main import main\nsys.argv = ['offerspec', '--help']\n"
            "try:\n    main()\nexcept SystemExit as exit:\n"
            "    heavy = sorted(m for m in ('pydantic', 'pycountry', 'yaml', 'jsonschema')\n"
            "                   if m in sys.modules)\n"
            "    print('heavy:', heavy, 'exit:', exit.code)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert "Usage: offerspec [OPTIONS] COMMAND [ARGS]..." in done.stdout
    assert done.stdout.splitlines()[-1] == "heavy: [] exit: 0"


def test_ctrl_c_while_the_cli_is_still_importing_exits_130_without_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.abc
    import sys

    from offerspec.cli import entry

    class InterruptImport(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, *args: object) -> None:
            if name == "offerspec.cli.main":
                raise KeyboardInterrupt
    monkeypatch.delitem(sys.modules, "offerspec.cli.main")
    monkeypatch.setattr(sys, "meta_path", [InterruptImport(), *sys.meta_path])
    with pytest.raises(SystemExit) as exited:
        entry.main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"
