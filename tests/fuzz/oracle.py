"""Running the real CLI on fuzzed input, and the properties every run must keep.

- never exit 3 (an internal error), never a traceback in the output, no exception escaping
  the command (in-process: click's runner would swallow it);
- the exit code is one of those the command documents (0/1/2, 4 for a member who gets nothing);
- every diagnostic that names a file is located: ``file:line:col`` (``file:line`` for batch
  rows) with line and column inside that file as YAML counts lines;
- no raw control character reaches the output (text from data is escaped by render/safe.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from offerspec.cli.main import cli

# A located diagnostic as the text renderer writes it, and a batch row's error.
LOCATED = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?:error|warning)\[[^\]]+\]: ")
ROW = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+): error: ")
# What must never reach the output raw (offerspec's own colour codes are not used under a runner).
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]")
YAML_BREAK = re.compile(r"\r\n|\r|\n")
BUG_MARKERS = ("Traceback (most recent call last)", "internal error (this is a bug)")


@dataclass(frozen=True)
class Outcome:
    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def why(self) -> str:
        return (f"offerspec {' '.join(self.args)} -> exit {self.exit_code}\n"
                f"--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}")


@contextmanager
def working_directory(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def invoke(*args: str, input: str | bytes | None = None, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> Outcome:
    """The CLI in-process (fast); an exception escaping the command group is a failure."""
    clean_env = {"OFFERSPEC_STORE": None, "CI": None, "GITHUB_ACTIONS": None, **(env or {})}
    with working_directory(cwd):
        result = CliRunner().invoke(cli, list(args), input=input, env=clean_env)
    outcome = Outcome(tuple(args), result.exit_code, result.stdout, result.stderr)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"an exception escaped the CLI: {result.exception!r}\n{outcome.why()}") \
            from result.exception
    return outcome


def run_process(*args: str, cwd: Path | None = None, stdin: bytes = b"") -> Outcome:
    """The CLI as a user runs it: a new process through the console script's entry point."""
    env = {k: v for k, v in os.environ.items() if k not in ("OFFERSPEC_STORE", "CI")}
    done = subprocess.run([sys.executable, "-c", "from offerspec.cli.entry import main; main()",
                           *args], cwd=cwd, input=stdin, capture_output=True, env=env, timeout=120,
                          check=False)
    return Outcome(tuple(args), done.returncode, done.stdout.decode("utf-8", "replace"),
                   done.stderr.decode("utf-8", "replace"))


def check(outcome: Outcome, codes: Sequence[int] = (0, 1, 2), inert_stdout: bool = True) -> Outcome:
    """The properties of every run; returns the outcome for more specific checks."""
    assert outcome.exit_code != 3, f"exit 3 (internal error)\n{outcome.why()}"
    for marker in BUG_MARKERS:
        assert marker not in outcome.output, f"{marker!r} in the output\n{outcome.why()}"
    assert outcome.exit_code in codes, f"exit code not in {tuple(codes)}\n{outcome.why()}"
    raw = RAW.findall(outcome.output if inert_stdout else outcome.stderr)
    assert not raw, f"raw control characters {raw!r} in the output\n{outcome.why()}"
    for line in outcome.stderr.splitlines():
        located = LOCATED.match(line) or ROW.match(line)
        if located:
            assert_inside(located, outcome)
    return outcome


def assert_inside(located: re.Match[str], outcome: Outcome) -> None:
    """A location names a place that exists: line 1..lines(+1 at the end), column 1.."""
    line = int(located["line"])
    col = int(located.groupdict().get("col") or 1)
    assert line >= 1 and col >= 1, f"unlocated diagnostic {located[0]!r}\n{outcome.why()}"
    path = Path(located["file"])
    if not path.is_file():
        return  # a path shown relative to another directory, or not a file: nothing to measure
    text = path.read_bytes().decode("utf-8", "replace")
    lines = YAML_BREAK.split(text)
    assert line <= len(lines), (f"{located[0]!r}: line {line} is past the end of the file "
                                f"({len(lines)} lines)\n{outcome.why()}")
    # Columns count characters; a tab or a wide character is one.
    assert col <= len(lines[line - 1]) + 2, (f"{located[0]!r}: column {col} is past the end of "
                                             f"line {line} ({lines[line - 1]!r})\n{outcome.why()}")


def diagnostics_located(outcome: Outcome) -> None:
    """Every error that concerns a catalog file's content names its line and column."""
    for line in outcome.stderr.splitlines():
        assert not line.startswith("error:") or "no such" in line or "not a" in line, \
            f"an error without a location: {line!r}\n{outcome.why()}"


def write_files(directory: Path, files: dict[str, str] | dict[str, str | bytes]) -> Path:
    """Write files (text as UTF-8, bytes as they are) into ``directory``; returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        path = directory / name
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_bytes(body.encode("utf-8", "surrogatepass"))
    return directory
