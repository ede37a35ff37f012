from __future__ import annotations

from pathlib import Path

from conftest import ROOT
from offerspec.check.context import CheckContext
from offerspec.check.rules import RULES, run_rules


def test_every_rule_code_is_documented() -> None:
    run_rules(CheckContext())  # registers the rule modules
    documented = (ROOT / "docs" / "catalog.md").read_text()
    codes = {code for registered in RULES for code in registered.codes}
    assert codes, "no rules registered"
    missing = sorted(code for code in codes if f"`{code}`" not in documented)
    assert not missing, f"document these codes in docs/catalog.md: {missing}"


def test_every_refusal_code_is_in_the_readme_and_the_simulator_doc() -> None:
    from offerspec.simulate import REFUSAL_CODES

    for doc in (ROOT / "README.md", ROOT / "docs" / "simulator.md"):
        text = doc.read_text()
        missing = [code for code in REFUSAL_CODES if f"`{code}`" not in text]
        assert not missing, f"document these refusal codes in {doc.name}: {missing}"


def _section(doc: str, title: str) -> str:
    text = (ROOT / "docs" / doc).read_text()
    start = text.index(title)
    end = text.find("\n#", start + len(title))
    return text[start:end if end != -1 else None]


def test_every_plan_field_has_its_meaning_explained() -> None:
    from offerspec.model import Plan

    meanings = _section("catalog.md", "### What each plan field means")
    missing = [f for f in Plan.model_fields if f"`{f}`" not in meanings]
    assert not missing, f"explain these plan fields in docs/catalog.md: {missing}"
    for value in ("regular", "digital", "agency", "single_shipment"):  # renewal_strategy's values
        assert f"`{value}`" in meanings


def test_the_gift_and_donation_examples_of_the_docs_validate(run, tmp_path) -> None:
    import re

    text = (ROOT / "docs" / "catalog.md").read_text()
    gift = re.search(r"### A gift plan.*?```yaml\n(.*?)```", text, re.DOTALL)
    donation = re.search(r"### A donation.*?```yaml\n(.*?)```", text, re.DOTALL)
    assert gift is not None and donation is not None
    (tmp_path / "gift.yaml").write_text(
        "products:\n  - id: digital-access\n    name: Digital Access\n" + gift.group(1))
    (tmp_path / "donation.yaml").write_text("plans:\n" + donation.group(1))
    result = run("validate", "--strict", str(tmp_path))
    assert result.exit_code == 0, result.output


def test_documented_shell_completion_works() -> None:
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    assert "_OFFERSPEC_COMPLETE=bash_source offerspec" in (ROOT / "docs" / "catalog.md").read_text()
    beside = Path(sys.executable).parent / "offerspec"
    exe = str(beside) if beside.is_file() else shutil.which("offerspec")
    assert exe is not None
    out = subprocess.run([exe], env={**os.environ, "_OFFERSPEC_COMPLETE": "bash_source"},
                         capture_output=True, text=True, check=True)
    assert "_offerspec_completion()" in out.stdout


def _test_functions(path: Path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")}


def test_every_test_named_in_the_reliability_page_exists() -> None:
    """A `tests/x.py::name` (or a following `::name`, of the same file) names a real test."""
    import re

    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    references = re.findall(r"`(tests/[\w/.-]+)?(?:::(\w+))?`", text)
    assert len(references) > 20
    current: Path | None = None
    missing = []
    for file, name in references:
        if file:
            current = ROOT / file
            if not current.exists():
                missing.append(file)
                continue
        if name:
            assert current is not None and current.suffix == ".py", name
            if name not in _test_functions(current):
                missing.append(f"{current.relative_to(ROOT)}::{name}")
    assert not missing, f"docs/reliability.md names tests that do not exist: {missing}"


def test_every_link_between_the_docs_resolves() -> None:
    """Relative links of README.md and docs/*.md lead to a file, and an #anchor to a heading."""
    import re

    def anchors(doc: Path) -> set[str]:
        headings = re.findall(r"^#+ (.+)$", doc.read_text(encoding="utf-8"), re.MULTILINE)
        return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}

    broken = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.DOTALL)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto: not checked here
            path, _, anchor = target.partition("#")
            linked = (doc.parent / path).resolve() if path else doc
            if not linked.exists():
                broken.append(f"{doc.name}: {target}")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{doc.name}: {target} (no such heading)")
    assert not broken, f"broken links: {broken}"
