"""What the fuzz suite found, each pinned by the smallest input that showed it."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz.oracle import check, invoke


@pytest.mark.parametrize("text, where", [
    # libyaml puts an error at the end of a file without a final newline on the line after the
    # last one (line 7 of 6 lines: GitHub drops such an annotation); it is the last line's end.
    ("plans:\n  - id: a\n    p", "catalog.yaml:3:6:"),
    ("plans:\r\n  - id: a\r\n    p", "catalog.yaml:3:6:"),
    ("plans:\n  - id: a\n    p\n", "catalog.yaml:4:1:"),
    ("plans: [a", "catalog.yaml:1:10:"),
])
def test_a_syntax_error_at_the_end_of_the_file_is_located_inside_it(tmp_path: Path, text: str,
                                                                     where: str) -> None:
    (tmp_path / "catalog.yaml").write_bytes(text.encode())
    outcome = check(invoke("validate", str(tmp_path)), codes=(1,))
    assert f"{tmp_path}/{where} error[yaml-syntax]" in outcome.stdout, outcome.why()


def test_fmt_of_a_value_ruamel_cannot_build_keeps_its_text(tmp_path: Path) -> None:
    """ruamel read `2024-02-30` as a YAML 1.1 timestamp and fmt ended in exit 3; offerspec reads
    it as text (refused by the schema as a date), and fmt keeps that text."""
    path = tmp_path / "c.yaml"
    path.write_text("plans:\n  - id: a\n    expires_at: 2024-02-30  # c\n    segment: 2024-01-01 25:00:00\n"
                    "    description: 2030-12-31\n", encoding="utf-8")
    check(invoke("fmt", "--check", str(tmp_path)), codes=(1,))
    check(invoke("fmt", str(tmp_path)), codes=(0,))
    assert path.read_text(encoding="utf-8") == (
        "plans:\n  - id: a\n    description: 2030-12-31\n    expires_at: '2024-02-30' # c\n"
        "    segment: '2024-01-01 25:00:00'\n")
    check(invoke("fmt", "--check", str(tmp_path)), codes=(0,))
