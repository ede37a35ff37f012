"""Semantic rules: small registered functions, each owning stable diagnostic codes."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from offerspec.check.context import CheckContext
from offerspec.diagnostics import Diagnostic, cap_repeats

RuleFunc = Callable[[CheckContext], Iterable[Diagnostic]]
SharedKeys = Callable[[str, Any], Iterable[Hashable] | None]
"""``shared(kind, obj)``: the keys of an object under a rule that compares objects not linked by
references (None: it can meet every object)."""


@dataclass(frozen=True, slots=True)
class Rule:
    codes: tuple[str, ...]
    func: RuleFunc
    # A local rule looks at one field of one object at a time, so it can also run on
    # the salvaged remains of objects that failed the schema check.
    local: bool
    # For a rule that looks at one plan at a time but combines its fields: the fields each
    # code reads. It then runs on a salvaged plan too, for the codes whose fields all survived
    # (a bad `expires_at` must not hide a trial on a plan that does not renew).
    reads: dict[str, tuple[str, ...]] | None = None
    # For a rule that compares objects that do not refer to each other (two plans claiming one
    # domain): the keys under which two objects can meet. A rule that is neither local nor per
    # object (``reads``) and declares no keys relates only objects linked by references (a plan's
    # product, grants and group owner; an offer's plans). ``check.incremental`` relies on it.
    shared: SharedKeys | None = None


RULES: list[Rule] = []


def rule(*codes: str, local: bool = False, reads: dict[str, tuple[str, ...]] | None = None,
         shared: SharedKeys | None = None) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule that may report the given codes."""
    assert reads is None or set(reads) == set(codes), "reads names every code of the rule"

    def register(func: RuleFunc) -> RuleFunc:
        RULES.append(Rule(codes, func, local, reads, shared))
        return func

    return register


def load_rules() -> list[Rule]:
    """Every registered rule (importing the modules registers them)."""
    from offerspec.check.rules import (  # noqa: F401
        app_store,
        autosubscribe,
        metadata,
        offers,
        plans,
        references,
        renames,
    )

    return RULES


def run_rules(ctx: CheckContext, salvaged: CheckContext | None = None) -> list[Diagnostic]:
    """Every rule on the valid objects; the local rules also on salvaged ones."""
    load_rules()
    found: list[Diagnostic] = []
    for registered in RULES:  # each rule's stream capped as it comes (bounded memory)
        found.extend(cap_repeats(registered.func(ctx)))
    if salvaged is not None:
        # Stand-in values must not be reported as the user's mistakes.
        hidden = set().union(*(loc.placeholder_positions() for loc in salvaged.located()))
        for registered in RULES:
            if registered.local:
                found.extend(d for d in registered.func(salvaged)
                             if (d.file, d.line, d.col) not in hidden)
        found.extend(_cross_field_on_salvaged(salvaged))
    return found


def _cross_field_on_salvaged(salvaged: CheckContext) -> Iterator[Diagnostic]:
    """The per-plan rules that combine fields, on each salvaged plan, for the codes that read
    none of the fields that failed (or were stood in for)."""
    for ident, located in salvaged.plans.items():
        unreliable = located.placeholders | located.dropped
        alone = CheckContext(plans={ident: located}, all_ids=salvaged.all_ids,
                             unread_ids=salvaged.unread_ids)
        for registered in RULES:
            if registered.reads is None:
                continue
            trusted = {code for code, fields in registered.reads.items()
                       if not unreliable.intersection(fields)}
            if trusted:
                yield from (d for d in registered.func(alone) if d.code in trusted)
