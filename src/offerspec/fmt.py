"""The canonical layout of a catalog file, comments kept (``offerspec fmt``).

Key order as in the models (``id`` first, then the fields in the order the catalog language
defines them), top-level lists as products, plans, offers; two-space indentation with list
dashes indented under their key; quotes only where a value needs them. ruamel.yaml does the
round trip (it keeps comments); it is imported here only, so other commands never load it.

The result is checked, not trusted: offerspec's own loader must read the same values from
the formatted text as from the original, else the file is left alone with an error.
"""

from __future__ import annotations

import io
from typing import Any

from offerspec.diagnostics import OfferspecError
from offerspec.load.yaml12 import YamlBuilder
from offerspec.model import KINDS, MODEL_BY_KIND


def _yaml() -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import RoundTripConstructor
    from ruamel.yaml.nodes import ScalarNode

    class TextWhenUnreadable(RoundTripConstructor):
        """ruamel reads plain scalars as YAML 1.1 types that offerspec reads as text, and fails on
        one it cannot build (``2024-02-30``, ``2024-01-01 25:00``): such a value stays its text
        (written quoted, which offerspec reads the same), so fmt never crashes on a value."""

        def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
            try:
                return super().construct_non_recursive_object(node, tag)
            except (ValueError, OverflowError):
                if isinstance(node, ScalarNode):
                    return str(node.value)
                raise

    yaml = YAML(typ="rt")
    yaml.Constructor = TextWhenUnreadable
    yaml.version = None
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold a long description onto several lines
    yaml.preserve_quotes = False
    return yaml


def _reorder(mapping: Any, order: list[str]) -> None:
    """Move the keys of a ruamel mapping into ``order`` (others after, as they were);
    comments are keyed by the key, so they move with it."""
    rank = {key: n for n, key in enumerate(order)}
    keys = sorted(mapping, key=lambda k: (rank.get(k, len(rank)), 0))
    for key in keys:
        mapping.move_to_end(key)


def _canonical(data: Any) -> None:
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(data, CommentedMap):
        return
    _reorder(data, list(KINDS))
    for kind in KINDS:
        items = data.get(kind)
        if not isinstance(items, list):
            continue
        order = list(MODEL_BY_KIND[kind].model_fields)
        for item in items:
            if isinstance(item, CommentedMap):
                _reorder(item, order)


def _values(text: str, name: str) -> Any:
    builder = YamlBuilder(name)
    data = builder.build(text)
    if builder.diagnostics:
        first = builder.diagnostics[0]
        raise OfferspecError(f"{first.location()}: {first.message}",
                             hint="fix the file first (offerspec validate): fmt formats valid YAML")
    return data


def format_text(text: str, name: str) -> str:
    """``text`` in the canonical layout; an error when that would change what offerspec reads."""
    before = _values(text, name)
    yaml = _yaml()
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = yaml.load(text)
    except YAMLError as exc:  # YAML offerspec's reader takes but ruamel does not (a tab in a key)
        mark = exc.problem_mark if isinstance(exc, MarkedYAMLError) else None
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark is not None else name
        problem = exc.problem if isinstance(exc, MarkedYAMLError) else None
        raise OfferspecError(f"{where}: fmt cannot lay this file out: {problem or exc}",
                             hint="write it in plainer YAML (no tab inside a key, no unusual "
                                  "indentation), then run fmt again") from None
    _canonical(data)
    out = io.StringIO()
    yaml.dump(data, out)
    formatted = out.getvalue().rstrip("\n") + "\n"  # one newline at the end, no blank lines
    if _values(formatted, name) != before:
        raise OfferspecError(
            f"{name}: formatting would change a value as offerspec reads it; the file is left as is",
            hint="quote values that are text but look like something else (e.g. '0750'), "
                 "then run fmt again")
    return formatted
