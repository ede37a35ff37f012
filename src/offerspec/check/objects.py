"""Catalog objects (kind -> id -> dict, not files) through every check ``validate`` runs.

What a saved plan or an API write would leave in the store is checked as a catalog: the
objects become one in-memory document, written as an author would write them (defaults left
out, as ``pull`` does), and go through the same schema check and semantic rules as a catalog
read from files. Every path in that document gets its own made-up line, so each diagnostic
says which object (and, for the ``detailed`` ones, which field) it is about.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from offerspec.check.rules import run_rules
from offerspec.check.schema import check_documents
from offerspec.diagnostics import Diagnostic
from offerspec.load.files import Document
from offerspec.load.yaml12 import Path, SourceMap
from offerspec.model import KINDS

Objects = dict[str, dict[str, dict[str, Any]]]
DOCUMENT = "<objects>"


@dataclass(frozen=True, slots=True)
class ObjectProblem:
    """A diagnostic on one object: ``kind``/``id`` (None: not about one object), ``path`` the
    field path inside it (``("ip_addresses", 0)``; empty: the object, or a field of an object
    that was not ``detailed``)."""

    kind: str | None
    id: str | None
    path: tuple[str | int, ...]
    diagnostic: Diagnostic


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
        stack: list[tuple[Path, Any]] = [(path, value)]
        while stack:  # depth-first, in order, without recursion
            here, inner = stack.pop()
            self.add(here)
            if isinstance(inner, dict):
                stack.extend(((*here, k), v) for k, v in reversed(inner.items()))
            elif isinstance(inner, list):
                stack.extend(((*here, i), v) for i, v in reversed(list(enumerate(inner))))


def check_objects(objects: Objects, detailed: Container[tuple[str, str]] = (), *,
                  document: str = DOCUMENT) -> list[ObjectProblem]:
    """Every diagnostic (errors and warnings) ``validate`` would report on this catalog.

    ``detailed``: the (kind, id) whose problems are located at the field (every value in them
    gets a position); the others' at their top-level field (cheaper for large catalogs).
    """
    from offerspec.pull import to_source

    positions = _Positions()
    data: dict[str, list[dict[str, Any]]] = {}
    order: dict[str, list[str]] = {}
    for kind in KINDS:
        items = []
        for index, (ident, obj) in enumerate(objects.get(kind, {}).items()):
            source = to_source(kind, obj)
            items.append(source)
            base: Path = (kind, index)
            if (kind, ident) in detailed:
                positions.add_tree(base, source)
            else:
                positions.add(base)
                for name in source:
                    positions.add((*base, name))
        data[kind] = items
        order[kind] = list(objects.get(kind, {}))
    ctx, salvaged, diagnostics = check_documents([Document(document, data, positions.source_map)])
    diagnostics.extend(run_rules(ctx, salvaged))
    return [_locate(d, positions, order, document) for d in diagnostics]


def _object_at(line: int, positions: _Positions,
               order: dict[str, list[str]]) -> tuple[str | None, str | None, tuple[str | int, ...]]:
    path = positions.paths[line] if 0 < line < len(positions.paths) else ()
    if len(path) >= 2 and isinstance(path[1], int):
        kind = str(path[0])
        return kind, order[kind][path[1]], tuple(path[2:])
    return None, None, ()


def _locate(diagnostic: Diagnostic, positions: _Positions, order: dict[str, list[str]],
            document: str) -> ObjectProblem:
    kind, ident, path = _object_at(diagnostic.line, positions, order)
    if f"{document}:" in diagnostic.message:  # "(at FILE:LINE:COL)" of another object
        def told(match: re.Match[str]) -> str:
            other_kind, other, field = _object_at(int(match.group(1)), positions, order)
            if other_kind is None:
                return "the catalog"
            return f"{other_kind.removesuffix('s')} {other}" + (
                f": {field_text(field)}" if field else "")

        message = re.sub(re.escape(document) + r":(\d+):\d+", told, diagnostic.message)
        diagnostic = dataclasses.replace(diagnostic, message=message)
    return ObjectProblem(kind, ident, path, diagnostic)


def field_text(path: tuple[str | int, ...]) -> str:
    """``("ip_addresses", 0)`` -> ``ip_addresses[0]``; ``("metadata", "k")`` -> ``metadata.k``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
