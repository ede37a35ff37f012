from __future__ import annotations

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
