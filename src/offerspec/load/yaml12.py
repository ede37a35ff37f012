"""Safe, exact YAML loading: libyaml events -> plain Python values + a source map.

Building values straight from the event stream (instead of PyYAML's composer
and constructor) is what lets us be strict and fast at once:

* only YAML 1.2 core scalars (``NO`` stays a string, ``0750`` and ``1:30``
  stay strings: a leading zero or a colon is not a number);
* duplicate keys, aliases, merge keys and non-core tags are reported where
  they stand, never resolved silently;
* nesting depth is checked as we go with an explicit stack, so a deeply
  nested file is a clear error, never a crash in a recursive composer;
* every mapping key and value gets its 1-based line/column in ``SourceMap``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from offerspec.diagnostics import Diagnostic

try:  # libyaml's parser; the pure-Python one is the same API, only slower.
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - wheels ship libyaml
    from yaml.parser import Parser as _Parser  # type: ignore[assignment]

Path = tuple[str | int, ...]
Position = tuple[int, int]

MAX_DEPTH = 32
YAML_TAG = "tag:yaml.org,2002:"
_SAFE_TAGS = {f"{YAML_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


@dataclass(slots=True)
class SourceMap:
    """1-based positions of every value and mapping key, by path from the root."""

    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)
    # The text of plain scalars read as something other than text (numbers, booleans, null):
    # messages quote a value as written (`39.00`, `1e3`), not as parsed (`39.0`, `1000.0`).
    written: dict[Path, str] = field(default_factory=dict)

    def value(self, path: Path) -> Position:
        """Position of the value at ``path``, or of its nearest located ancestor."""
        while True:
            pos = self.values.get(path)
            if pos is not None or not path:
                return pos or (1, 1)
            path = path[:-1]

    def text(self, path: Path) -> str | None:
        """The plain scalar at ``path`` as written, when it was not read as text."""
        return self.written.get(path)

    def key(self, path: Path) -> Position:
        """Position of the key that names ``path`` (falls back to the value)."""
        pos = self.keys.get(path)
        return pos if pos is not None else self.value(path)


def resolve_plain(value: str) -> Any:
    """A plain scalar under the YAML 1.2 core schema, minus octal/hex/leading zeros."""
    if value in _NULLS:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    first = value[0]
    if first.isdigit() or first in "+-.":
        if _INT.match(value):
            return int(value)
        if _FLOAT.match(value):
            return float(value)
        lowered = value.lower()
        if lowered in (".inf", "+.inf"):
            return float("inf")
        if lowered == "-.inf":
            return float("-inf")
        if lowered == ".nan":
            return float("nan")
    return value


def _explicit_scalar(tag: str, value: str) -> Any:
    if tag == f"{YAML_TAG}str":
        return value
    resolved = resolve_plain(value)
    expected = {
        f"{YAML_TAG}int": int, f"{YAML_TAG}float": float,
        f"{YAML_TAG}bool": bool, f"{YAML_TAG}null": type(None),
    }[tag]
    if expected is float and type(resolved) is int:
        return float(resolved)
    if type(resolved) is not expected:
        raise ValueError(f"{value!r} is not a valid {tag.removeprefix(YAML_TAG)}")
    return resolved


# The line breaks of libyaml's marks (YAML 1.1): its lines, to tell a mark past the text's end.
_MARK_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _inside(text: str, line: int, column: int) -> tuple[int, int]:
    """A 0-based mark moved back inside ``text``: libyaml reports an error at the end of a file
    that does not end with a line break on the line after the last (line 7 of 6 lines)."""
    breaks = _MARK_BREAK.findall(text)
    if line <= len(breaks):
        return line, column
    last = _MARK_BREAK.split(text)[-1]
    return len(breaks), len(last)


def _char_at(text: str, line: int, column: int) -> str:
    """The character at a 0-based (line, column) of ``text``, or '' past its end."""
    lines = text.split("\n")
    return lines[line][column:column + 1] if line < len(lines) else ""


class _Frame:
    __slots__ = ("container", "duplicates", "is_map", "key", "key_pos", "path")

    def __init__(self, container: Any, path: Path, is_map: bool) -> None:
        self.container = container
        self.path = path
        self.key: Any = _NO_KEY
        self.key_pos: Position = (0, 0)
        self.is_map = is_map
        self.duplicates: list[tuple[str, Position, Position]] = []


_NO_KEY = object()


class YamlBuilder:
    """Turns one file's text into (value, source map, diagnostics)."""

    def __init__(self, filename: str, max_depth: int = MAX_DEPTH) -> None:
        self.filename = filename
        self.max_depth = max_depth
        self.diagnostics: list[Diagnostic] = []
        self.source_map = SourceMap()
        self.root: Any = None

    def error(self, pos: Position, code: str, message: str, hint: str | None = None,
              related: tuple[tuple[str, int, int], ...] = ()) -> None:
        self.diagnostics.append(
            Diagnostic(self.filename, pos[0], pos[1], code, message, hint=hint, related=related)
        )

    def build(self, text: str) -> Any:
        try:
            return self._build(text, _Parser(text))
        except _NestingLimit:
            # libyaml >= 0.2.6 (PyYAML 6.0.4 wheels) stops flow nesting at depth 1000 itself,
            # scanning up to 1024 characters ahead of the events it has delivered. offerspec's
            # own limit must hold whatever the parser's: read that file again with PyYAML's
            # pure-Python parser (no limit of its own), which the builder's limit then stops.
            self.diagnostics.clear()
            self.source_map = SourceMap()
            self.root = None
            return self._build(text, yaml.BaseLoader(text))

    def _build(self, text: str, parser: Any) -> Any:
        try:
            return self._run(parser)
        except yaml.MarkedYAMLError as exc:
            if exc.problem and "maximum nesting depth" in exc.problem \
                    and not isinstance(parser, yaml.BaseLoader):
                raise _NestingLimit from exc
            mark = exc.problem_mark or exc.context_mark
            line, column = _inside(text, mark.line, mark.column) if mark else (0, 0)
            pos = (line + 1, column + 1)
            problem = exc.problem or exc.context or "invalid YAML"
            hint = "fix the YAML syntax at this position (check indentation and quoting)"
            if _char_at(text, line, column) == "\t":
                problem = "a tab character here: YAML indents with spaces only"
                hint = "replace the tab with spaces (and set your editor to indent YAML with spaces)"
            self.error(pos, "yaml-syntax", f"YAML syntax error: {problem}", hint=hint)
            return None
        except yaml.reader.ReaderError as exc:
            # A character YAML forbids (NUL, other control characters). libyaml reports
            # a byte offset into the UTF-8 text; the pure-Python reader a character index.
            if _Parser.__module__ == "yaml._yaml" and not isinstance(parser, yaml.BaseLoader):
                before = text.encode("utf-8")[: exc.position].decode("utf-8", "replace")
            else:  # pragma: no cover - wheels ship libyaml
                before = text[: exc.position]
            line = before.count("\n") + 1
            col = len(before) - (before.rfind("\n") + 1) + 1
            self.error((line, col), "yaml-syntax",
                       f"character U+{exc.character:04X} is not allowed in YAML ({exc.reason})",
                       hint="remove the control character")
            return None
        except _Abort:
            return None
        finally:
            dispose = getattr(parser, "dispose", None)
            if dispose is not None:
                dispose()

    def _run(self, parser: Any) -> Any:
        values = self.source_map.values
        keys = self.source_map.keys
        written = self.source_map.written
        stack: list[_Frame] = []
        documents = 0
        get_event = parser.get_event
        check_event = parser.check_event
        while check_event():
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent or kind is yaml.MappingStartEvent \
                    or kind is yaml.SequenceStartEvent:
                mark = event.start_mark
                pos = (mark.line + 1, mark.column + 1)
                if event.anchor is not None:
                    self.error(pos, "yaml-anchor", f"anchor '&{event.anchor}' is not supported",
                               hint="write the value out in full; anchors and aliases are "
                                    "refused so every value has one location")
                    raise _Abort
                top = stack[-1] if stack else None
                if top is not None and top.is_map and top.key is _NO_KEY:
                    # This node is a mapping key.
                    if kind is not yaml.ScalarEvent:
                        self.error(pos, "yaml-complex-key", "mapping keys must be plain strings")
                        raise _Abort
                    key = self._scalar(event, pos)
                    if key == "<<" and event.implicit[0]:
                        self.error(pos, "yaml-merge-key", "merge keys ('<<') are not supported",
                                   hint="write the merged fields out in full")
                        raise _Abort
                    if not isinstance(key, str):
                        key = event.value  # keys are names: `1:` or `no:` mean the text
                    if key in top.container:
                        # Reported when the mapping ends: many repeated keys are one mistake.
                        top.duplicates.append((key, keys[(*top.path, key)], pos))
                        top.key = _DUPLICATE
                    else:
                        top.key = key
                        top.key_pos = pos
                        keys[(*top.path, key)] = pos
                    continue
                if top is None:
                    path: Path = ()
                elif top.is_map:
                    path = (*top.path, top.key)
                else:
                    path = (*top.path, len(top.container))
                if kind is yaml.ScalarEvent:
                    value = self._scalar(event, pos)
                    if top is None or top.key is not _DUPLICATE:
                        values[path] = pos
                        if value is not None and not isinstance(value, str):
                            written[path] = event.value
                    self._attach(stack, value)
                    continue
                if len(stack) >= self.max_depth:
                    self.error(pos, "yaml-too-deep",
                               f"nesting deeper than {self.max_depth} levels",
                               hint="catalog and scenario files need only a few levels; "
                                    "flatten the structure")
                    raise _Abort
                self._check_tag(event, pos, "map" if kind is yaml.MappingStartEvent else "seq")
                container: Any = {} if kind is yaml.MappingStartEvent else []
                if top is None or top.key is not _DUPLICATE:
                    values[path] = pos
                stack.append(_Frame(container, path, kind is yaml.MappingStartEvent))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = stack.pop()
                if done.duplicates:
                    self._duplicates(done)
                self._attach(stack, done.container)
            elif kind is yaml.AliasEvent:
                mark = event.start_mark
                self.error((mark.line + 1, mark.column + 1), "yaml-alias",
                           f"alias '*{event.anchor}' is not supported",
                           hint="write the value out in full; anchors and aliases are refused "
                                "so every value has one location (and alias bombs cannot load)")
                raise _Abort
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    mark = event.start_mark
                    self.error((mark.line + 1, mark.column + 1), "multiple-documents",
                               "an offerspec file (catalog or scenarios) holds exactly one YAML document",
                               hint="split the documents into separate files")
                    raise _Abort
        if documents == 0:
            self.error((1, 1), "empty-file", "the file is empty",
                       hint="add `products:`, `plans:` or `offers:`, or delete the file")
        return self.root

    def _duplicates(self, frame: _Frame) -> None:
        """Repeated keys: a missing `-` (two list entries run together) or single slips."""
        if len(frame.duplicates) >= 2 and frame.path and isinstance(frame.path[-1], int):
            # The keys of a second object repeated in one list entry: it lost its dash.
            # Each time the first repeated key comes back, another entry starts there.
            first_key = frame.duplicates[0][0]
            owner = frame.path[-2] if len(frame.path) >= 2 else None
            plural = isinstance(owner, str) and owner.endswith("s")
            noun, one = (owner, owner[:-1]) if plural and isinstance(owner, str) else ("entries", "entry")
            for key, _first, pos in frame.duplicates:
                if key != first_key:
                    continue
                self.error(pos, "missing-dash",
                           f"two {noun} merged into one: a `-` is missing at line {pos[0]}",
                           hint=f"start the next {one} with `- ` before `{key}:` (each list entry "
                                "begins with a dash, indented like the others)")
            return
        for key, first, pos in frame.duplicates:
            self.error(pos, "duplicate-key",
                       f"duplicate key '{key}' (first defined at line {first[0]})",
                       hint="remove one of the two; YAML does not merge them",
                       related=((self.filename, first[0], first[1]),))
            # Report the first occurrence too, so both places are listed.
            self.error(first, "duplicate-key",
                       f"duplicate key '{key}' (defined again at line {pos[0]})",
                       hint="remove one of the two; YAML does not merge them",
                       related=((self.filename, pos[0], pos[1]),))

    def _attach(self, stack: list[_Frame], value: Any) -> None:
        if not stack:
            # A scalar document: keep it so the caller can say what it is.
            self.root = value
            return
        top = stack[-1]
        if top.is_map:
            if top.key is not _DUPLICATE:
                top.container[top.key] = value
            top.key = _NO_KEY
        else:
            top.container.append(value)

    def _check_tag(self, event: Any, pos: Position, kind: str) -> None:
        tag = event.tag
        if tag is None or tag == "!" or event.implicit:
            return
        if tag != f"{YAML_TAG}{kind}":
            self._bad_tag(tag, pos)

    def _bad_tag(self, tag: str, pos: Position) -> None:
        if "python/" in tag:
            self.error(pos, "yaml-unsafe-tag", f"unsafe tag '{tag}' is refused",
                       hint="catalog and scenario files hold plain data; remove the tag")
        else:
            self.error(pos, "yaml-unknown-tag", f"unsupported tag '{tag}'",
                       hint="remove the tag; only YAML 1.2 core types are allowed")
        raise _Abort

    def _scalar(self, event: Any, pos: Position) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            # Only an untagged plain scalar is resolved; quoted ones are text.
            if not event.implicit[0] or event.style:
                return event.value
            try:
                return resolve_plain(event.value)
            except ValueError:  # an integer longer than Python converts (4300 digits)
                self.error(pos, "yaml-bad-scalar",
                           f"number with {len(event.value)} characters is too long")
                raise _Abort from None
        if tag not in _SAFE_TAGS or tag in (f"{YAML_TAG}map", f"{YAML_TAG}seq"):
            self._bad_tag(tag, pos)
        try:
            return _explicit_scalar(tag, event.value)
        except ValueError as exc:
            self.error(pos, "yaml-bad-scalar", str(exc))
            raise _Abort from None


class _NestingLimit(Exception):
    """The C parser's own nesting limit was hit (see ``YamlBuilder.build``)."""


class _Abort(Exception):
    """Stop building: the file cannot be read further (already diagnosed)."""


_DUPLICATE = object()
