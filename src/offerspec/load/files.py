"""Finding catalog files and reading each into a ``Document`` (data + source map)."""

from __future__ import annotations

import gc
import os
import re
import stat
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


SCENARIO_SUFFIXES = (".scenarios.yaml", ".scenarios.yml")
_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
NOT_A_FILE_HINT = "a catalog file must be a regular file: replace it with one, or move it away"


def discover(paths: Iterable[str | os.PathLike[str]], *,
             exclude_suffixes: tuple[str, ...] = SCENARIO_SUFFIXES) -> list[Path]:
    """Every catalog file named or found under the given paths (``find_files``); anything
    that cannot be read is an ``OfferspecError`` (for commands that read files one by one)."""
    files, problems = find_files(paths, exclude_suffixes=exclude_suffixes)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise OfferspecError(f"{first.file}: {first.message}{more}", hint=first.hint)
    return files


def _special(mode: int) -> str | None:
    """What a non-regular, non-directory file is (None for a file or a directory)."""
    return next((name for test, name in _KINDS if test(mode)), None)


def find_files(paths: Iterable[str | os.PathLike[str]], *,
               exclude_suffixes: tuple[str, ...] = SCENARIO_SUFFIXES,
               ) -> tuple[list[Path], list[Diagnostic]]:
    """Every catalog file named or found (recursively, sorted) under the given paths, and
    what could not be read there — never silently left out.

    What the reader follows (docs/catalog.md, "Catalog files"): symbolic links, to files and
    to directories (each directory is read once, so a link loop ends); names starting with
    ``.`` are skipped, as are non-YAML names. A directory it cannot list, a link it cannot
    follow, or a YAML name that is a FIFO, device or socket is an error, located at its path.
    A file named on the command line is read whatever its name, if it is a regular file.
    """
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for raw in paths:
        path = Path(raw)
        try:
            info = path.stat()
        except FileNotFoundError:
            raise OfferspecError(f"{raw}: no such file or directory",
                                 hint="pass a catalog directory or YAML files") from None
        except OSError as exc:
            problems.append(_unreadable(path, exc, "cannot read it"))
            continue
        if stat.S_ISDIR(info.st_mode):
            found.extend(sorted(_walk(path, info, exclude_suffixes, problems)))
        elif stat.S_ISREG(info.st_mode):
            found.append(path)
        else:
            problems.append(Diagnostic(_display(path), 1, 1, "not-a-file",
                                       f"is {_special(info.st_mode)}, not a regular file",
                                       hint=NOT_A_FILE_HINT))
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, problems


def _unreadable(path: Path, exc: OSError, what: str) -> Diagnostic:
    why = exc.strerror or str(exc)
    hint = ("a symbolic link must lead to a file or directory that exists"
            if path.is_symlink() else "check its permissions and name")
    return Diagnostic(_display(path), 1, 1, "unreadable", f"{what}: {why}", hint=hint)


def _walk(top: Path, info: os.stat_result, exclude_suffixes: tuple[str, ...],
          problems: list[Diagnostic]) -> Iterator[Path]:
    """The YAML files below ``top``, following links, each directory once (no recursion)."""
    seen = {(info.st_dev, info.st_ino)}
    todo = [top]
    while todo:
        directory = todo.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            problems.append(_unreadable(directory, exc, "cannot read this directory"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            yaml_name = path.suffix in YAML_SUFFIXES and not entry.name.endswith(exclude_suffixes)
            try:
                target = entry.stat()  # follows a symbolic link
            except OSError as exc:
                problems.append(_unreadable(path, exc, "cannot follow this link"
                                            if entry.is_symlink() else "cannot read it"))
                continue
            if stat.S_ISDIR(target.st_mode):
                key = (target.st_dev, target.st_ino)
                if key not in seen:  # a second link to a directory already read, or a loop
                    seen.add(key)
                    todo.append(path)
            elif not yaml_name:
                continue
            elif not stat.S_ISREG(target.st_mode):
                problems.append(Diagnostic(_display(path), 1, 1, "not-a-file",
                                           f"is {_special(target.st_mode)}, not a regular file",
                                           hint=NOT_A_FILE_HINT))
            else:
                yield path


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


def read_regular(path: Path, max_bytes: int) -> tuple[bytes, os.stat_result]:
    """(at most ``max_bytes + 1`` bytes, the file's status): nothing is read from anything but
    a regular file, nor past the limit, and opening a FIFO does not wait for a writer."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return b"", info
        return handle.read(max_bytes + 1), info


def load_document(path: Path, *, max_bytes: int = MAX_FILE_BYTES,
                  max_depth: int = MAX_DEPTH) -> tuple[Document | None, list[Diagnostic]]:
    """Read and build one file. Returns no document when it cannot be used at all."""
    name = _display(path)
    try:
        raw, info = read_regular(path, max_bytes)
    except OSError as exc:
        return None, [Diagnostic(name, 1, 1, "unreadable", f"cannot read file: {exc.strerror}")]
    special = _special(info.st_mode)
    if special is not None:
        return None, [Diagnostic(name, 1, 1, "not-a-file", f"is {special}, not a regular file",
                                 hint=NOT_A_FILE_HINT)]
    if info.st_size > max_bytes or len(raw) > max_bytes:
        return None, [Diagnostic(
            name, 1, 1, "file-too-large",
            f"file is {max(info.st_size, len(raw))} bytes, over the {max_bytes}-byte limit",
            hint="split the catalog into several files",
        )]
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
    files, diagnostics = find_files(paths)
    if not files and not diagnostics:
        raise OfferspecError(
            "no catalog files found (looked for *.yaml and *.yml)",
            hint="pass the catalog directory, e.g. `offerspec validate examples/offers`",
        )
    documents: list[Document] = []
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
            raw, info = read_regular(path, max_bytes)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or len(raw) > max_bytes:
            continue
        text = raw.decode("utf-8", "replace")
        found.update(_ID_LINE.findall(text))
    return frozenset(found)
