"""Finding catalog files and reading each into a ``Document`` (data + source map)."""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offerspec.diagnostics import Diagnostic, OfferspecError
from offerspec.load.yaml12 import MAX_DEPTH, SourceMap, YamlBuilder

MAX_FILE_BYTES = 8 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")
BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class Document:
    """One catalog file: its display path, its top-level mapping and where things are."""

    path: str
    data: dict[str, Any]
    source_map: SourceMap


def _display(path: Path) -> str:
    """Paths are shown relative to the working directory when they are under it."""
    try:
        return os.path.relpath(path) if not path.is_absolute() or \
            path.resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


def discover(paths: Iterable[str | os.PathLike[str]], *,
             exclude_suffixes: tuple[str, ...] = (".scenarios.yaml", ".scenarios.yml")) -> list[Path]:
    """Every catalog file named or found (recursively, sorted) under the given paths."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inner = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix in YAML_SUFFIXES
                and not p.name.endswith(exclude_suffixes)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            found.extend(inner)
        elif path.is_file():
            found.append(path)
        else:
            raise OfferspecError(f"{raw}: no such file or directory",
                                 hint="pass a catalog directory or YAML files")
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def decode_utf8(raw: bytes, name: str) -> tuple[str | None, Diagnostic | None]:
    """Strict UTF-8 (a leading BOM is dropped); a bad byte is located exactly."""
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        return None, Diagnostic(
            name, line, col, "encoding",
            f"invalid UTF-8 byte 0x{raw[exc.start]:02x}",
            hint="save the file as UTF-8",
        )


def load_document(path: Path, *, max_bytes: int = MAX_FILE_BYTES,
                  max_depth: int = MAX_DEPTH) -> tuple[Document | None, list[Diagnostic]]:
    """Read and build one file. Returns no document when it cannot be used at all."""
    name = _display(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, [Diagnostic(
                name, 1, 1, "file-too-large",
                f"file is {size} bytes, over the {max_bytes}-byte limit",
                hint="split the catalog into several files",
            )]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic(name, 1, 1, "unreadable", f"cannot read file: {exc.strerror}")]
    text, problem = decode_utf8(raw, name)
    if text is None:
        return None, [problem] if problem else []
    builder = YamlBuilder(name, max_depth=max_depth)
    data = builder.build(text)
    if builder.diagnostics:
        return None, builder.diagnostics
    if data is None:  # a document with no content (`---`, or only `~`)
        return None, [Diagnostic(
            name, 1, 1, "empty-file", "the file holds an empty document",
            hint="add `products:`, `plans:` or `offers:`, or delete the file")]
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__ if not isinstance(data, list) \
            else "a list"
        return None, [Diagnostic(
            name, 1, 1, "top-level-not-mapping",
            f"the top level must be a mapping, found {kind}",
            hint="start the file with `products:`, `plans:` or `offers:`",
        )]
    return Document(name, data, builder.source_map), []


@contextmanager
def gc_paused() -> Iterator[None]:
    """Loading allocates many small objects and frees none; the cyclic GC only slows it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_documents(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Document], list[Diagnostic]]:
    """Every catalog file under ``paths`` as documents, and the problems found reading them."""
    files = discover(paths)
    if not files:
        raise OfferspecError(
            "no catalog files found (looked for *.yaml and *.yml)",
            hint="pass the catalog directory, e.g. `offerspec validate examples/offers`",
        )
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    with gc_paused():
        for path in files:
            doc, problems = load_document(path)
            diagnostics.extend(problems)
            if doc is not None:
                documents.append(doc)
    return documents, diagnostics


_ID_LINE = re.compile(r"""(?:^|[{,\s])id\s*:\s*["']?([a-z0-9][a-z0-9-]*)["']?\s*(?:[,}#]|$)""", re.MULTILINE)


def ids_written_in(files: Iterable[str], *, max_bytes: int = MAX_FILE_BYTES) -> frozenset[str]:
    """The ids an unreadable file seems to define (``id: x`` lines), read as plain text.

    A file that failed to load (a YAML syntax error, a bad byte) may still define objects that
    other files refer to; a reference to one of these ids is not reported as unknown.
    """
    found: set[str] = set()
    for name in files:
        path = Path(name)
        try:
            if path.stat().st_size > max_bytes:
                continue
            text = path.read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        found.update(_ID_LINE.findall(text))
    return frozenset(found)
