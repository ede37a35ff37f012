"""Objects stored without what their defaults imply, and expanded back exactly (any backend).

A version is kept as its *compact* JSON: the object minus every field equal to the catalog
model's default (``interval_count: 1``, ``metadata: {}``, ...) or derived default (a plan's
``grants`` = ``[product]``, ``auto_renew`` = has an interval). ``expand`` puts them back, so the
full canonical JSON — what hashes and drift compare — is byte-identical to the text written.

Compaction is only used when it is reversible: an object missing a field that has a default
(never written by offerspec, which always writes every field) is kept verbatim instead.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from offerspec.catalog import canonical_json

DERIVED = {"plans": ("grants", "auto_renew")}
"""Fields whose default depends on other fields (see ``Plan._fill_derived_defaults``)."""


@cache
def static_defaults(kind: str) -> dict[str, Any]:
    """Field -> default, as JSON values, of every optional field of ``kind``'s model."""
    from pydantic_core import PydanticUndefined

    from offerspec.model import DECLARATIONS, MODEL_BY_KIND

    model = MODEL_BY_KIND[kind]
    defaults: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.is_required() or name in DECLARATIONS:
            continue
        value = info.get_default(call_default_factory=True)
        if value is PydanticUndefined:
            continue
        defaults[name] = json.loads(canonical_json(value))
    return defaults


def _derived(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    if kind != "plans":
        return {}
    return {"grants": [] if data.get("is_donation") else [data.get("product")],
            "auto_renew": data.get("interval") is not None}


_MISSING = object()


@cache
def _plain_defaults(kind: str) -> dict[str, Any]:
    """The static defaults, each None/bool/int/str or an empty list/dict: comparing the type
    and the value is as exact as comparing canonical JSON (1 is not True, nor 1.0)."""
    return {name: value for name, value in static_defaults(kind).items()
            if name not in DERIVED.get(kind, ())}


@cache
def _required_names(kind: str) -> frozenset[str]:
    return frozenset(static_defaults(kind))


def _same_json(value: Any, expected: Any) -> bool:
    """Whether ``value`` encodes exactly as ``expected`` (a derived default: a bool, or a list
    of strings), compared by type and value without encoding either; anything else encoded."""
    if type(expected) is bool:
        return value is expected
    if type(expected) is list and all(type(item) is str for item in expected):
        return type(value) is list and value == expected and all(type(item) is str for item in value)
    return canonical_json(value) == canonical_json(expected)


def compact(kind: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """``data`` without its default-valued fields; None when that would not be reversible."""
    if not data.keys() >= _required_names(kind):
        return None
    defaults = _plain_defaults(kind)  # derived fields are not in it: kept here, judged below
    out = {name: value for name, value in data.items()
           if (default := defaults.get(name, _MISSING)) is _MISSING
           or type(value) is not type(default) or value != default}
    for name, value in _derived(kind, data).items():
        if name in out and _same_json(out[name], value):
            del out[name]
    return out


def expand(kind: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The full object a compact one stands for (the inverse of ``compact``)."""
    derived = DERIVED.get(kind, ())
    full = {name: value for name, value in static_defaults(kind).items() if name not in derived}
    full.update(stored)
    for name, value in _derived(kind, full).items():
        full.setdefault(name, value)
    return full


def pack(kind: str, data: dict[str, Any], text: str | None = None) -> tuple[str, bool]:
    """(what to store, whether it is compact) for an object whose canonical JSON is ``text``."""
    small = compact(kind, data)
    if small is None:
        return (text if text is not None else canonical_json(data)), False
    return canonical_json(small), True


def unpack(kind: str, stored: str, is_compact: bool) -> str:
    """The full canonical JSON text of a stored version (``json.loads`` errors propagate)."""
    if not is_compact:
        return stored
    loaded = json.loads(stored)
    if not isinstance(loaded, dict):
        raise ValueError(f"a JSON {type(loaded).__name__}, not an object")
    return canonical_json(expand(kind, loaded))
