"""Nothing read is silently skipped (issue 12): the catalog reader follows symbolic links to
files and directories (each directory once), and anything it cannot read — a directory it
cannot list, a link it cannot follow, a FIFO, device or socket with a YAML name, such a file
named on the command line — is a located error, never an absence (docs/catalog.md)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from offerspec.load.files import load_documents
from storekit import heads

EXTRA = "plans:\n  - {id: extra, nickname: Extra, product: digital-access, amount: 5, " \
        "currency: USD, interval: month}\n"


def _sub(cat: Path) -> Path:
    """Move a part of the catalog into a directory elsewhere: it holds objects others need."""
    outside = cat.parent / "elsewhere"
    outside.mkdir()
    (cat / "products.yaml").rename(outside / "products.yaml")
    return outside


def _found(paths: list[Any]) -> tuple[list[str], list[tuple[str, str, str]]]:
    documents, diagnostics = load_documents(paths)
    return ([Path(d.path).name for d in documents],
            [(Path(d.file).name, d.code, d.message) for d in diagnostics])


def test_a_symlinked_subdirectory_is_read(cat: Path) -> None:
    (cat / "linked").symlink_to(_sub(cat), target_is_directory=True)
    names, problems = _found([cat])
    assert "products.yaml" in names and problems == []


def test_a_symlink_loop_ends_and_reads_each_directory_once(cat: Path) -> None:
    (cat / "loop").symlink_to(cat, target_is_directory=True)
    (cat / "inner").mkdir()
    (cat / "inner" / "back").symlink_to(cat / "inner", target_is_directory=True)
    names, problems = _found([cat])
    assert sorted(names) == sorted(p.name for p in cat.glob("*.yaml")
                                   if not p.name.endswith(".scenarios.yaml"))
    assert problems == []


def _broken_link(cat: Path) -> str:
    (cat / "gone").symlink_to(cat.parent / "no-such-directory")
    return "gone"


def _fifo(cat: Path) -> str:
    os.mkfifo(cat / "pipe.yaml")  # reading it would wait for a writer for ever
    return "pipe.yaml"


def _socket(cat: Path) -> str:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(cat / "sock.yml"))
    sock.close()
    return "sock.yml"


def _device(cat: Path) -> str:
    (cat / "null.yaml").symlink_to("/dev/null")
    return "null.yaml"


def _long_name(cat: Path) -> str:
    # A link whose target has a component over 255 characters: ENAMETOOLONG, not a crash.
    (cat / "long").symlink_to(cat / ("x" * 300))
    return "long"


UNREADABLE: dict[str, tuple[Callable[[Path], str], str, str]] = {
    "broken link": (_broken_link, "unreadable",
                    "cannot follow this link: No such file or directory"),
    "fifo": (_fifo, "not-a-file", "is a FIFO (named pipe), not a regular file"),
    "socket": (_socket, "not-a-file", "is a socket, not a regular file"),
    "device": (_device, "not-a-file", "is a character device, not a regular file"),
    "long name": (_long_name, "unreadable", "cannot follow this link: File name too long"),
}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_what_cannot_be_read_is_a_located_error(run, cat: Path, url: str, name: str) -> None:
    make, code, message = UNREADABLE[name]
    entry = make(cat)
    assert (entry, code, message) in _found([cat])[1]
    result = run("validate", str(cat))
    assert result.exit_code == 1 and f"{entry}:1:1" in result.stdout + result.stderr
    assert message in result.stdout + result.stderr


def test_a_special_file_named_explicitly_is_not_no_such_file(run, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    for path in (tmp_path / "pipe.yaml", Path("/dev/zero")):
        result = run("validate", str(path))
        assert result.exit_code == 1, result.output
        output = result.stdout + result.stderr
        assert "no such file" not in output and "not a regular file" in output


def test_an_unreadable_subdirectory_is_an_error_and_plan_archives_nothing(
        run, unprivileged: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from storekit import copy_examples

    base, as_user = unprivileged
    cat = copy_examples(base)
    sub = cat / "more"
    sub.mkdir()
    (cat / "institutions.yaml").rename(sub / "institutions.yaml")
    url = f"sqlite:///{base}/store.db"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    for path in (base, cat, base / "store.db"):
        path.chmod(0o777)
    before = heads(base / "store.db")
    sub.chmod(0o000)
    monkeypatch.chdir(base)
    try:
        with as_user():
            validated = run("validate", "catalog")
            planned = run("plan", "catalog", "--store", url)
    finally:
        sub.chmod(0o755)
    assert validated.exit_code == 1
    assert "catalog/more:1:1" in validated.stdout + validated.stderr
    assert "cannot read this directory: Permission denied" in validated.stdout + validated.stderr
    assert planned.exit_code == 1 and "to archive" not in planned.stdout
    assert heads(base / "store.db") == before


def test_the_extra_file_under_a_link_counts(run, cat: Path, url: str) -> None:
    # What a link leads to is part of the catalog: plan sees its objects as they are.
    outside = _sub(cat)
    (outside / "extra.yaml").write_text(EXTRA)
    (cat / "shared").symlink_to(outside, target_is_directory=True)
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    assert "No changes." in run("plan", str(cat), "--store", url).stdout
