"""The most important output samples in README.md and docs/, read from the documents and
compared with what the CLI prints, so a change of output cannot leave them stale."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import EXAMPLES, ROOT
from storekit import edit_live, live_text

Run = Callable[..., Result]
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def fenced(doc: str, containing: str) -> str:
    """The one fenced block of ``doc`` (a path under the repository) holding ``containing``."""
    blocks = [b for b in FENCE.findall((ROOT / doc).read_text(encoding="utf-8")) if containing in b]
    assert len(blocks) == 1, f"{doc}: expected one fenced block holding {containing!r}"
    return blocks[0]


@pytest.fixture
def in_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # no offerspec.toml above this directory is found
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OFFERSPEC_STORE", raising=False)
    return tmp_path


def test_readme_quick_start_applies_the_examples_then_plans_no_changes(run: Run, in_dir: Path) -> None:
    block = fenced("README.md", "apply --auto-approve examples/offers")
    install, *commands = (shlex.split(c) for c in block.split("&&"))
    assert install[:2] == ["pip", "install"]
    assert [argv[:2] for argv in commands] == [["offerspec", "validate"], ["offerspec", "apply"],
                                               ["offerspec", "plan"]]
    shutil.copytree(EXAMPLES, in_dir / "examples" / "offers")
    for argv in commands:
        result = run(*argv[1:])
        assert result.exit_code == 0, (argv, result.output)
    assert result.stdout == "Store: sqlite:///.offerspec/store.db (revision 1)\n\nNo changes.\n"
    assert (in_dir / ".offerspec" / "store.db").is_file()  # the embedded store the README names


def test_plan_and_apply_samples_replace_drift_and_plan_json(run: Run, tmp_path: Path) -> None:
    replace = fenced("docs/plan-and-apply.md", "-/+ plan monthly-digital")
    drift = fenced("docs/plan-and-apply.md", "[drift: changed outside offerspec]\n")
    plan_json = json.loads(fenced("docs/plan-and-apply.md", '"format": "offerspec-plan"'))
    old, new = re.findall(r"amount: \S+ USD → \S+ USD \((\d+) → (\d+)\)", replace)[0]
    live_nickname = re.findall(r'nickname: "(.*)" \(live\)', drift)[0]

    catalog = shutil.copytree(EXAMPLES, tmp_path / "offers")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert run("apply", "--auto-approve", "--store", url, str(catalog)).exit_code == 0
    plans = catalog / "subscribe.yaml"
    text, n = re.subn(rf"(- id: monthly-digital\n(?:\s+.*\n)*?\s+amount: ){old}\b", rf"\g<1>{new}",
                      plans.read_text(encoding="utf-8"), count=1)
    assert n == 1
    plans.write_text(text, encoding="utf-8")

    result = run("plan", "--store", url, str(catalog))
    assert result.exit_code == 0, result.output
    assert replace in result.stdout

    actual = json.loads(run("plan", "--store", url, "--format", "json", str(catalog)).stdout)
    for key in (None, "store", "options", "summary"):
        documented, real = (plan_json, actual) if key is None else (plan_json[key], actual[key])
        assert sorted(documented) == sorted(real), key
    assert plan_json["options"] == actual["options"]
    assert plan_json["summary"] == actual["summary"]
    (documented_change,) = plan_json["changes"]
    (real_change,) = actual["changes"]
    assert sorted(documented_change) == sorted(real_change)
    for key in ("action", "kind", "id", "generation", "new_generation", "forcing", "offers",
                "group_plans", "fields", "drifted"):
        assert documented_change[key] == real_change[key], key

    data = live_text(tmp_path / "store.db", "annual-digital")  # an edit outside offerspec
    edit_live(tmp_path / "store.db", "annual-digital",
              json.dumps(json.loads(data) | {"nickname": live_nickname}, sort_keys=True))
    result = run("plan", "--store", url, str(catalog))
    assert result.exit_code == 0, result.output
    assert drift in result.stdout


def test_plan_doc_sample_of_a_first_plan(run: Run, in_dir: Path) -> None:
    """Before the first apply: the notice on the first line, a created object's every field."""
    expected = fenced("docs/plan-and-apply.md", "does not exist yet: every object is new")
    shutil.copytree(EXAMPLES, in_dir / "examples")
    result = run("plan", "examples")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(expected)


def test_simulator_doc_checkout_sample(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    command, *expected = fenced("docs/simulator.md", "$ offerspec simulate").splitlines()
    argv = shlex.split(command.removeprefix("$ "))
    assert argv[0] == "offerspec"
    monkeypatch.chdir(ROOT)  # the sample's examples/offers
    result = run(*argv[1:])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == expected


def test_catalog_doc_diagnostic_sample(run: Run, in_dir: Path) -> None:
    expected = fenced("docs/catalog.md", "error[schema]: amount must be")
    assert expected.startswith("plans.yaml:12:13: ")
    (in_dir / "plans.yaml").write_text(
        "products:\n"
        "  - id: digital-access\n"
        "    name: Digital Access\n"
        "offers:\n"
        "  - id: subscribe\n"
        "    name: Subscribe\n"
        "    plans: [monthly-digital]\n"
        "plans:\n"
        "  - id: monthly-digital\n"
        "    nickname: Monthly Digital\n"
        "    product: digital-access\n"
        "    amount: 9.99\n"  # line 12, the value at column 13
        "    currency: USD\n"
        "    interval: month\n", encoding="utf-8")
    result = run("validate", ".")
    assert result.exit_code == 1
    assert result.stdout == expected
