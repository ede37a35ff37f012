"""A write's desired catalog through the same schema and semantic checks as ``validate``.

The catalog objects become one in-memory document, written as an author would write them
(defaults left out, as ``pull`` does); every path in it gets its own made-up line, so each
diagnostic's line says which object and field it is about, in platform terms
(``entitlements.product_ids[1]``, ``plans/17.plan_ids[0]`` for another object).
"""

from __future__ import annotations

from typing import Any

from offerspec.check.rules import run_rules
from offerspec.check.schema import check_documents
from offerspec.diagnostics import Diagnostic
from offerspec.load.files import Document
from offerspec.load.yaml12 import Path, SourceMap
from offerspec.model import KINDS
from offerspec.platform import Problem, Refs
from offerspec.pull import to_source

PLATFORM_FIELD: dict[str, dict[str, str]] = {
    "products": {"status": "active", "id": "metadata.offerspec_id"},
    "plans": {"status": "active", "id": "metadata.offerspec_id", "product": "product_id",
              "grants": "entitlements.product_ids", "group_owner_plan": "group_owner_plan_id"},
    "offers": {"status": "active", "id": "metadata.offerspec_id", "plans": "plan_ids"},
}
DOCUMENT = "<api>"


class _Positions:
    """Made-up, unique positions: line N is path N."""

    def __init__(self) -> None:
        self.source_map = SourceMap()
        self.paths: list[Path] = [()]

    def add(self, path: Path) -> None:
        position = (len(self.paths), 1)
        self.paths.append(path)
        self.source_map.values[path] = position
        self.source_map.keys[path] = position

    def add_tree(self, path: Path, value: Any) -> None:
        self.add(path)
        if isinstance(value, dict):
            for key, inner in value.items():
                self.add_tree((*path, key), inner)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                self.add_tree((*path, index), inner)


def platform_path(kind: str, rest: tuple[Any, ...]) -> str:
    """``("grants", 1)`` -> ``entitlements.product_ids[1]``; ``("metadata", "k")`` -> ``metadata.k``."""
    if not rest:
        return ""
    name = PLATFORM_FIELD[kind].get(str(rest[0]), str(rest[0]))
    out = name
    for part in rest[1:]:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def check_objects(objects: dict[str, dict[str, dict[str, Any]]], target: tuple[str, str] | None,
                  refs: Refs) -> list[Problem]:
    """The errors ``validate`` would report on this catalog, each at its platform field path.

    ``objects`` holds catalog objects (kind -> id -> dict, canonical or as sent); ``target`` is the
    object the request writes: its problems have bare paths, others are prefixed
    ``<kind>/<platform id>.``.
    """
    positions = _Positions()
    data: dict[str, list[dict[str, Any]]] = {}
    order: dict[str, list[str]] = {}
    for kind in KINDS:
        items = []
        for index, (ident, obj) in enumerate(objects.get(kind, {}).items()):
            source = to_source(kind, obj)
            items.append(source)
            base: Path = (kind, index)
            if (kind, ident) == target:
                positions.add_tree(base, source)
            else:
                positions.add(base)
                for name in source:
                    positions.add((*base, name))
        data[kind] = items
        order[kind] = list(objects.get(kind, {}))
    document = Document(DOCUMENT, data, positions.source_map)
    ctx, salvaged, diagnostics = check_documents([document])
    diagnostics.extend(run_rules(ctx, salvaged))
    problems = [_problem(d, positions, order, target, refs) for d in diagnostics if d.is_error]
    # the request's own object first, then the others; each in the order of its fields
    return sorted(problems, key=lambda p: ("/" in p.path.split(".")[0], p.path, p.code))


def _problem(diagnostic: Diagnostic, positions: _Positions, order: dict[str, list[str]],
             target: tuple[str, str] | None, refs: Refs) -> Problem:
    path = positions.paths[diagnostic.line] if 0 < diagnostic.line < len(positions.paths) else ()
    where = ""
    if len(path) >= 2 and isinstance(path[1], int):
        kind, ident = str(path[0]), order[str(path[0])][path[1]]
        field = platform_path(kind, tuple(path[2:]))
        if (kind, ident) == target:
            where = field
        else:
            number = refs.number(kind, ident)
            where = f"{kind}/{number if number is not None else ident}" + (f".{field}" if field else "")
    return Problem(where, diagnostic.code, diagnostic.message, diagnostic.hint)
