"""Strategies that break valid inputs: the YAML files of examples/offers and tests/cases, as
text (lines dropped, duplicated or swapped, cut short, broken syntax, odd characters and bytes)
and as data (keys dropped, duplicated, renamed or retyped, deep nesting, huge numbers, wrong
dates), then written back."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from fuzz.catalogs import HARDEN_BREAKS, as_block_yaml, as_pyyaml

ROOT = Path(__file__).resolve().parents[2]


def _catalog_files(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.iterdir())
            if p.suffix in (".yaml", ".yml") and not p.name.endswith((".scenarios.yaml", ".scenarios.yml"))}


def seed_catalogs() -> list[dict[str, str]]:
    """Every catalog the repository ships: the examples, then each test case."""
    seeds = [_catalog_files(ROOT / "examples" / "offers")]
    seeds += [_catalog_files(d) for d in sorted((ROOT / "tests" / "cases").iterdir()) if d.is_dir()]
    return [s for s in seeds if s]


SEEDS = seed_catalogs()

# Values that are wrong in a new way: huge and negative numbers, non-finite floats, dates that do
# not exist, YAML features offerspec refuses (tags, anchors, merge keys), empty things.
ODD_VALUES = ["99999999999999999999999999", "-1", "1e999", "-.inf", ".nan", "0x10", "1_000", "0750",
              "2024-02-30", "9999-99-99", "0000-01-01", "2024-13-01", "20240101", '""', "''", "~",
              "[]", "{}", "[a, b", "{a: 1", "!!python/object:os.system", "!!binary aGk=", "&a x",
              "*a", "<<: *a", "? complex", "|", ">-", "'unterminated", '"\\x"', "\t", "true",
              "NO", "- item", "key: value", "@", "`", "%TAG", "---", "...", "\ufeff", "𝟘", "²",
              "١٢٣"]
ODD_CHARS = ["\x00", "\x01", "\x1b", "\x7f", "\x9b", "\t", "\r", "\ufeff", "\ufffe", "\u202e", "\u200b",
             "\U0010ffff", "😀", "ﬁ", "İ", ":", "#", "-", "'", '"', "{", "[", "&", "*", "!", "|", ">", "%",
             "@", "`", "\\", " ", "\n"]
ODD_BYTES = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xfe\xff", b"\x00"]


TEXT_EDITS = ("drop-line", "duplicate-line", "swap-lines", "cut", "insert-char", "insert-text",
              "odd-value", "indent", "dedent", "deep", "bytes", "replace-char", "repeat")


def deep(depth: int, leaf: str = "x", flow: bool = True) -> str:
    if flow:
        return "[" * depth + leaf + "]" * depth
    return "\n".join(" " * i + "- " for i in range(0, 2 * depth, 2)) + leaf


@st.composite
def text_mutation(draw: st.DrawFn, body: str, exclude: frozenset[str] = frozenset()) -> str | bytes:
    """One edit of a file's text (or bytes); ``exclude``: kinds of edit left out."""
    lines = body.split("\n")
    where = draw(st.integers(0, max(0, len(lines) - 1)))
    pos = draw(st.integers(0, len(body)))
    kind = draw(st.sampled_from([k for k in TEXT_EDITS if k not in exclude]))
    if kind == "drop-line":
        del lines[where]
    elif kind == "duplicate-line":
        lines.insert(where, lines[where])
    elif kind == "swap-lines":
        other = draw(st.integers(0, len(lines) - 1))
        lines[where], lines[other] = lines[other], lines[where]
    elif kind == "cut":
        return body[:pos]
    elif kind == "insert-char":
        return body[:pos] + draw(st.sampled_from(ODD_CHARS)) + body[pos:]
    elif kind == "insert-text":
        alphabet = st.characters(codec="utf-8", exclude_characters=HARDEN_BREAKS)
        return body[:pos] + draw(st.text(alphabet, min_size=1, max_size=8)) + body[pos:]
    elif kind == "replace-char" and body:
        at = min(pos, len(body) - 1)
        return body[:at] + draw(st.sampled_from(ODD_CHARS)) + body[at + 1:]
    elif kind == "odd-value":
        line = lines[where]
        if ":" in line:
            key = line.split(":", 1)[0]
            lines[where] = f"{key}: {draw(st.sampled_from(ODD_VALUES))}"
        else:
            lines[where] = line + draw(st.sampled_from(ODD_VALUES))
    elif kind == "indent":
        lines[where] = " " * draw(st.integers(1, 5)) + lines[where]
    elif kind == "dedent":
        lines[where] = lines[where].lstrip()
    elif kind == "deep":
        depth = draw(st.sampled_from([10, 31, 32, 33, 100, 1000]))
        line = lines[where]
        key = line.split(":", 1)[0] if ":" in line else "  - "
        lines[where] = f"{key}: {deep(depth)}"
    elif kind == "repeat":
        lines[where:where + 1] = [lines[where]] * draw(st.integers(2, 50))
    elif kind == "bytes":
        raw = body.encode("utf-8")
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.sampled_from(ODD_BYTES)) + raw[at:]
    return "\n".join(lines)


# -- mutations of the data ------------------------------------------------------------------------

ODD_DATA: list[Any] = [None, True, False, 0, -1, 10**30, -(10**30), 1.5, float("inf"), "", " ", "x" * 300,
                       "2024-02-30", "9999-12-31", "0001-01-01", [], [None], {}, {"a": {"b": {"c": 1}}},
                       ["US", "US"], "USD", "usd", "XAU", "0.0.0.0/0", "::/0", "10.0.0.1/8", "Example.ORG",
                       "a" * 65, "UPPER", "-lead", "😀", "\x1b[2K\rFAKE", 999999999999, 100000000000]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*prefix, i))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@st.composite
def data_mutation(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    """One edit of the parsed document: a value retyped or replaced, a key dropped, renamed or
    added, an entry duplicated, a value nested deeply."""
    doc = copy.deepcopy(doc)
    path = draw(st.sampled_from(_paths(doc)[1:] or [()]))
    if not path:
        return doc
    parent, last = _get(doc, path[:-1]), path[-1]
    kind = draw(st.sampled_from(["replace", "drop", "rename", "add", "duplicate", "nest", "wrap"]))
    if kind == "replace":
        parent[last] = draw(st.sampled_from(ODD_DATA))
    elif kind == "drop":
        del parent[last]
    elif kind == "rename" and isinstance(parent, dict):
        new_key = draw(st.sampled_from(["Id", "nick_name", "amount ", "plans", "", "x" * 100]))
        parent[new_key] = parent.pop(last)
    elif kind == "add" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["extra", "price", "plans", "id", "offerspec_id"]))] = draw(
            st.sampled_from(ODD_DATA))
    elif kind == "duplicate" and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    elif kind == "nest":
        value: Any = parent[last]
        for _ in range(draw(st.sampled_from([5, 31, 40]))):
            value = [value]
        parent[last] = value
    elif kind == "wrap":
        parent[last] = {"value": parent[last]}
    return doc


@st.composite
def mutated_catalogs(draw: st.DrawFn) -> dict[str, str | bytes]:
    """A shipped catalog with one to three edits, of its text or of its data."""
    files: dict[str, str | bytes] = dict(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(files)))
        body = files[name]
        if isinstance(body, bytes) or draw(st.booleans()):
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            files[name] = draw(text_mutation(text))
            continue
        try:
            doc = yaml.safe_load(body)
        except (yaml.YAMLError, ValueError, RecursionError):  # "2024-02-30", 1000-deep: text edits
            files[name] = draw(text_mutation(body))
            continue
        if not isinstance(doc, dict):
            continue
        changed = draw(data_mutation(doc))
        files[name] = as_block_yaml(changed) if draw(st.booleans()) else as_pyyaml(
            changed, flow=draw(st.booleans()), unicode=True)
    return files
