"""Semantic rules: small registered functions, each owning stable diagnostic codes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from offerspec.check.context import CheckContext
from offerspec.diagnostics import Diagnostic

RuleFunc = Callable[[CheckContext], Iterable[Diagnostic]]


@dataclass(frozen=True, slots=True)
class Rule:
    codes: tuple[str, ...]
    func: RuleFunc


RULES: list[Rule] = []


def rule(*codes: str) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule that may report the given codes."""

    def register(func: RuleFunc) -> RuleFunc:
        RULES.append(Rule(codes, func))
        return func

    return register


def run_rules(ctx: CheckContext) -> list[Diagnostic]:
    # Importing the modules registers their rules.
    from offerspec.check.rules import autosubscribe, offers, plans, references  # noqa: F401

    found: list[Diagnostic] = []
    for registered in RULES:
        for diag in registered.func(ctx):
            assert diag.code in registered.codes, (diag.code, registered.codes)
            found.append(diag)
    return found
