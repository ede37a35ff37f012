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
