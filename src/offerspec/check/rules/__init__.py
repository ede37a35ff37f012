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
    # A local rule looks at one field of one object at a time, so it can also run on
    # the salvaged remains of objects that failed the schema check.
    local: bool


RULES: list[Rule] = []


def rule(*codes: str, local: bool = False) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule that may report the given codes."""

    def register(func: RuleFunc) -> RuleFunc:
        RULES.append(Rule(codes, func, local))
        return func

    return register


def run_rules(ctx: CheckContext, salvaged: CheckContext | None = None) -> list[Diagnostic]:
    """Every rule on the valid objects; the local rules also on salvaged ones."""
    # Importing the modules registers their rules.
    from offerspec.check.rules import (  # noqa: F401
        app_store,
        autosubscribe,
        metadata,
        offers,
        plans,
        references,
    )

    found: list[Diagnostic] = []
    for registered in RULES:
        found.extend(registered.func(ctx))
    if salvaged is not None:
        # Stand-in values must not be reported as the user's mistakes.
        hidden = set().union(*(loc.placeholder_positions() for loc in salvaged.located()))
        for registered in RULES:
            if registered.local:
                found.extend(d for d in registered.func(salvaged)
                             if (d.file, d.line, d.col) not in hidden)
    return found
