"""A catalog owner's journey end to end: the rough edges found walking it, pinned."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import EXAMPLES

Run = Callable[..., Result]


@pytest.fixture
def in_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OFFERSPEC_STORE", raising=False)
    return tmp_path


def _applied_store(run: Run, where: Path) -> str:
    url = f"sqlite:///{where / 'store.db'}"
    assert run("apply", "--auto-approve", "--store", url, str(EXAMPLES)).exit_code == 0
    return url


# -- an output path that cannot be written is the user's mistake, not a bug ---------------------


@pytest.mark.parametrize("command", [
    ["plan", str(EXAMPLES), "--out"],
    ["export", "--out"],
    ["pull", "--out"],
])
def test_unwritable_output_path_exits_1_naming_it(run: Run, in_dir: Path, command: list[str]) -> None:
    url = _applied_store(run, in_dir)
    blocker = in_dir / "a-file"
    blocker.write_text("not a directory\n")
    target = blocker / "out"
    result = run(*command, str(target), "--store", url)
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.stderr
    assert f"error: cannot write {blocker}" in result.stderr
    assert "hint: " in result.stderr


def test_junit_xml_to_an_unwritable_path_exits_1(run: Run, in_dir: Path) -> None:
    blocker = in_dir / "a-file"
    blocker.write_text("not a directory\n")
    result = run("test", str(EXAMPLES), "--junit-xml", str(blocker / "junit.xml"))
    assert result.exit_code == 1, result.output
    assert f"error: cannot write {blocker / 'junit.xml'}: " in result.stderr


# -- the documented offerspec.toml works on a fresh clone ----------------------------------------

DOCUMENTED_TOML = '''\
catalog = "catalog"
store = "sqlite:///.offerspec/store.db"

[environments.staging]
store = "sqlite:///.offerspec/staging.db"
'''


@pytest.mark.parametrize("env", [[], ["--env", "staging"]])
def test_a_store_in_offerspec_dir_named_in_offerspec_toml_is_created(
        run: Run, in_dir: Path, env: list[str]) -> None:
    (in_dir / ".git").mkdir()
    (in_dir / "offerspec.toml").write_text(DOCUMENTED_TOML)
    name = "staging.db" if env else "store.db"
    planned = run("plan", str(EXAMPLES), *env)  # a plan reads: it creates nothing
    assert planned.exit_code == 0, planned.output
    assert not (in_dir / ".offerspec").exists()
    result = run("apply", str(EXAMPLES), *env, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert (in_dir / ".offerspec" / name).is_file()


def test_any_other_missing_store_directory_is_still_refused(run: Run, in_dir: Path) -> None:
    result = run("plan", str(EXAMPLES), "--store", "sqlite:///typo/store.db")
    assert result.exit_code == 1
    assert "store directory" in result.stderr and "does not exist" in result.stderr
    assert not (in_dir / "typo").exists()


# -- one broken file does not make every reference to its objects an error elsewhere ------------


def test_a_yaml_syntax_error_does_not_report_references_into_the_broken_file(
        run: Run, write: Callable[..., Path], in_dir: Path) -> None:
    write(products="""
        products:
          - id: digital-access
            name: Digital Access
        """, plans="""
        plans:
          - id: monthly-digital
            nickname: Monthly Digital
            product: digital-access
            amount: 999
            currency: USD
          - id: annual
             nickname: x
        """, offers="""
        offers:
          - id: subscribe
            name: Subscribe
            plans: [monthly-digital]
        """)
    result = run("validate")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "plans.yaml:8:14: error[yaml-syntax]: YAML syntax error: mapping values are not allowed "
        "in this context",
        "  hint: fix the YAML syntax at this position (check indentation and quoting)",
        "1 error, 0 warnings",
    ]


def test_references_are_checked_once_every_file_reads(run: Run, write: Callable[..., Path],
                                                      in_dir: Path) -> None:
    write(offers="""
        offers:
          - id: subscribe
            name: Subscribe
            plans: [monthly-digital]
        """)
    result = run("validate")
    assert "offers.yaml:4:13: error[unknown-reference]: unknown plan 'monthly-digital'" in result.stdout


def test_an_unknown_reference_not_written_in_the_broken_file_is_still_reported(
        run: Run, write: Callable[..., Path], in_dir: Path) -> None:
    write(plans="plans:\n  - id: monthly-digital\n     nickname: x\n", offers="""
        offers:
          - {id: subscribe, name: Subscribe, plans: [monthly-digital, annual-digital]}
        """)
    result = run("validate")
    assert "unknown plan 'annual-digital'" in result.stdout
    assert "'monthly-digital'" not in result.stdout


def test_ids_written_in_reads_block_and_flow_style(tmp_path: Path) -> None:
    from offerspec.load.files import ids_written_in

    broken = tmp_path / "broken.yaml"
    broken.write_text("plans:\n  - id: a-1\n    nickname: x\n  - {id: 'b2', product: c}\n"
                      "  -   id: \"d\"  # note\n  - product: e\n   bad: [\n")
    assert ids_written_in([str(broken), str(tmp_path / "missing.yaml")]) == {"a-1", "b2", "d"}


# -- a tab in the indentation says so ----------------------------------------------------------


def test_a_tab_in_the_indentation_is_named_with_a_hint(run: Run, in_dir: Path) -> None:
    (in_dir / "plans.yaml").write_text("plans:\n\t- id: x\n")
    result = run("validate")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [
        "plans.yaml:2:1: error[yaml-syntax]: YAML syntax error: a tab character here: YAML "
        "indents with spaces only",
        "  hint: replace the tab with spaces (and set your editor to indent YAML with spaces)",
    ]


# -- plan --format markdown: values shown exactly, and a comment GitHub accepts -----------------


def test_markdown_shows_backticks_and_pipes_in_values_exactly(
        run: Run, write: Callable[..., Path], in_dir: Path) -> None:
    write(catalog="""
        products:
          - {id: digital, name: "Digital ```` | `y`"}
        """)
    assert run("apply", "--auto-approve", "--store", "sqlite:///s.db").exit_code == 0
    write(catalog="""
        products:
          - {id: digital, name: "Digital ``` | `x`"}
        """)
    md = run("plan", "--format", "markdown", "--store", "sqlite:///s.db").stdout
    assert ('\n`````diff\n! product digital\n'
            '    name: "Digital ```` | `y`" → "Digital ``` | `x`"\n`````\n') in md


def test_markdown_code_span_of_a_store_url_with_a_backtick() -> None:
    from offerspec.render.plan_markdown import _code

    assert _code("sqlite:///a.db") == "`sqlite:///a.db`"
    assert _code("sqlite:///a`b.db") == "``sqlite:///a`b.db``"
    assert _code("`x") == "`` `x ``"


def test_a_huge_plan_is_cut_to_fit_a_github_comment(tmp_path: Path) -> None:
    from offerspec.render.plan_markdown import MAX_CHARS, render_markdown
    from offerspec.store.sqlite import SQLiteStore
    from offerspec.workflow import load_desired, plan

    store = SQLiteStore(tmp_path / "s.db", "sqlite:///s.db")
    try:
        changeset = plan(load_desired([EXAMPLES])[0], store.snapshot())
    finally:
        store.close()
    whole = render_markdown(changeset)
    assert "not shown" not in whole and len(whole) < MAX_CHARS
    cut = render_markdown(changeset, max_chars=3000)
    assert len(cut) <= 3000
    assert cut.endswith(" more line(s) not shown: the comment would be too long; run offerspec "
                        "plan for the whole plan\n```\n\n</details>\n")
    assert "<details><summary>Every change in full (20)</summary>" in cut
    shortest = render_markdown(changeset, max_chars=900)  # one line a change, no details
    assert len(shortest) <= 900 and "<details>" not in shortest
    assert shortest.endswith("The changes in full are not shown: the comment would be too long; "
                             "run offerspec plan for the whole plan.\n")


# -- the pre-commit hook ---------------------------------------------------------------------


def test_pre_commit_hook_runs_on_catalog_changes_and_checks_the_whole_catalog() -> None:
    import re

    import yaml

    from conftest import ROOT

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [(h["id"], h["entry"]) for h in hooks] == [
        ("offerspec-validate", "offerspec validate --strict"), ("offerspec-test", "offerspec test")]
    for hook in hooks:
        assert hook["pass_filenames"] is False  # checking only changed files breaks references
        files = re.compile(hook["files"])  # pre-commit matches with re.search
        for path in ("catalog/plans.yaml", "offers.yml", "catalog/checkout.scenarios.yaml",
                     "offerspec.toml", "sub/offerspec.toml"):
            assert files.search(path), path
        for path in ("README.md", "my-offerspec.toml", "plans.yaml.bak", "pyproject.toml"):
            assert not files.search(path), path


# -- offerspec test --junit-xml: CI gets a report even when nothing could run -------------------


@pytest.mark.parametrize("broken", ["scenario", "catalog"])
def test_junit_xml_reports_invalid_files_as_errors(run: Run, tmp_path: Path, broken: str) -> None:
    import shutil
    import xml.etree.ElementTree as ET

    catalog = tmp_path / "catalog"
    shutil.copytree(EXAMPLES, catalog)
    if broken == "scenario":
        target = catalog / "checkout.scenarios.yaml"
        target.write_text("scenarios:\n  - name: x\n    checkout: {offer: nope}\n    expect: {}\n")
    else:
        target = catalog / "products.yaml"
        target.write_text(target.read_text() + "oops: [\n")
    report = tmp_path / "junit.xml"
    result = run("test", str(catalog), "--junit-xml", str(report))
    assert result.exit_code == 1
    assert "error[" in result.stderr
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "1" and suite.get("tests") == "1"
    case = suite.find("testcase")
    assert case is not None and case.get("file") == str(target)
    error = case.find("error")
    assert error is not None and "nothing was run" in (error.get("message") or "")
    assert f"{target}:" in (error.text or "")


# -- the apply prompt ------------------------------------------------------------------------


@pytest.fixture
def tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("offerspec.cli.apply.stdin_is_tty", lambda: True)


@pytest.mark.parametrize(("answer", "applied"), [
    ("yes\n", True), ("Y\n", True), ("\n", False), ("no\n", False), ("", False),
    ("maybe\ny\n", True)])
def test_apply_prompt_answers(run: Run, in_dir: Path, tty: None, answer: str, applied: bool) -> None:
    result = run("apply", str(EXAMPLES), "--store", "sqlite:///s.db", input=answer)
    assert "Apply these changes? [y/N]: " in result.stderr
    if applied:
        assert result.exit_code == 0 and "Applied revision 1" in result.stdout
    else:
        assert result.exit_code == 1
        assert "error: apply cancelled, nothing was changed" in result.stderr
    assert ("Please answer y or n." in result.stderr) == answer.startswith("maybe")


def test_ctrl_c_at_the_apply_prompt_is_an_interrupt(run: Run, in_dir: Path, tty: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("builtins.input", interrupted)
    result = run("apply", str(EXAMPLES), "--store", "sqlite:///s.db")
    assert result.exit_code == 130
    assert result.stderr.endswith("Apply these changes? [y/N]: \ninterrupted; nothing was applied\n")
    assert "Aborted" not in result.output
    assert run("history", "--store", "sqlite:///s.db").stdout == "No revisions yet.\n"


# -- every command's --help shows how to call it -----------------------------------------------


@pytest.mark.parametrize("command", ["validate", "compile", "plan", "apply", "history", "show",
                                     "pull", "export", "simulate", "test"])
def test_help_shows_examples(run: Run, command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    examples = [line for line in result.stdout.splitlines()
                if line.startswith(f"  offerspec {command}")]
    assert examples, result.stdout
    assert all(len(line) <= 100 for line in examples)


# -- apply --plan applies the plan as reviewed: plan-shaping options are refused, not ignored ---


@pytest.mark.parametrize("option", [["--allow-destroy"], ["--max-archive-share", "0.9"],
                                    ["--delete-removed"], ["--strict"]])
def test_apply_saved_plan_refuses_plan_time_options(run: Run, in_dir: Path, option: list[str]) -> None:
    made = run("plan", str(EXAMPLES), "--store", "sqlite:///s.db", "--out", "plan.json")
    assert made.exit_code == 0, made.output
    result = run("apply", "--plan", "plan.json", "--store", "sqlite:///s.db", *option)
    assert result.exit_code == 2
    assert f"{option[0]} cannot be used with --plan" in result.stderr
    assert not (in_dir / "s.db").exists()  # nothing applied: the store was not even created
    assert run("apply", "--plan", "plan.json", "--store", "sqlite:///s.db").exit_code == 0
