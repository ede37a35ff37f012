"""What the rules see: validated objects, each with where it was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from offerspec.diagnostics import Diagnostic, Severity
from offerspec.load.files import Document
from offerspec.load.yaml12 import Path, Position
from offerspec.model import Offer, Plan, Product

T = TypeVar("T", Product, Plan, Offer)


@dataclass(slots=True)
class Located(Generic[T]):
    """A validated object and its place: the document and its path there."""

    obj: T
    doc: Document
    path: Path
    # Fields that failed validation and were stood in for, so that the other
    # fields of a broken object can still be checked (see check.schema.salvage).
    placeholders: frozenset[str] = frozenset()
    # Fields that failed validation and were left out (their defaults stand in silently).
    dropped: frozenset[str] = frozenset()

    def placeholder_positions(self) -> set[tuple[str, int, int]]:
        positions: set[tuple[str, int, int]] = set()
        for field_name in self.placeholders:
            positions.add(self.where(field_name))
            line, col = self.key_pos(field_name)
            positions.add((self.doc.path, line, col))
        return positions

    def value_pos(self, *sub: str | int) -> Position:
        return self.doc.source_map.value((*self.path, *sub))

    def key_pos(self, *sub: str | int) -> Position:
        return self.doc.source_map.key((*self.path, *sub))

    def where(self, *sub: str | int) -> tuple[str, int, int]:
        line, col = self.value_pos(*sub)
        return (self.doc.path, line, col)

    def diagnostic(self, sub: tuple[str | int, ...], code: str, message: str, *,
                   hint: str | None = None, severity: Severity = Severity.ERROR,
                   on_key: bool = False,
                   related: tuple[tuple[str, int, int], ...] = ()) -> Diagnostic:
        line, col = self.key_pos(*sub) if on_key else self.value_pos(*sub)
        return Diagnostic(self.doc.path, line, col, code, message, severity, hint, related)


@dataclass(slots=True)
class CheckContext:
    """Validated objects by id (first definition wins) plus every id seen, valid or not."""

    products: dict[str, Located[Product]] = field(default_factory=dict)
    plans: dict[str, Located[Plan]] = field(default_factory=dict)
    offers: dict[str, Located[Offer]] = field(default_factory=dict)
    # Every id written, valid or not: a reference to a broken object is not reported again.
    all_ids: dict[str, set[str]] = field(
        default_factory=lambda: {"products": set(), "plans": set(), "offers": set()})
    # kind -> old id -> the id of the object whose `renamed_from` names it (the first, when two
    # do), from every object written, valid or not: a reference to an old id says "renamed".
    renamed: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"products": {}, "plans": {}, "offers": {}})
    # Ids written in files that could not be read at all (a YAML syntax error): a reference to
    # one of them is not reported, the object may well be defined there.
    unread_ids: frozenset[str] = frozenset()

    def known(self, kind: str, ident: str) -> bool:
        return ident in self.all_ids[kind]

    def located(self) -> list[Located[Any]]:
        return [*self.products.values(), *self.plans.values(), *self.offers.values()]
