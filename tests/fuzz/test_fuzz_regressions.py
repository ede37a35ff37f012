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


@pytest.mark.parametrize("value", [":|=x", ":x", "?x", "a:?", "1#:?!", "\\:?"])
def test_fmt_writes_only_plain_scalars_offerspec_reads_back(tmp_path: Path, value: str) -> None:
    """ruamel wrote `{a: :|=x}` plain (YAML 1.2 allows it), which libyaml refuses: fmt of a valid
    file then failed with an error located in the text it had made."""
    import json

    path = tmp_path / "c.yaml"
    path.write_text(f"{{products: [{{id: a, name: N, metadata: {{k: {json.dumps(value)}, "
                    f"{json.dumps(value)}: v}}}}]}}\n", encoding="utf-8")
    before = check(invoke("compile", str(tmp_path)), codes=(0,)).stdout
    check(invoke("fmt", str(tmp_path)), codes=(0,))
    assert check(invoke("compile", str(tmp_path)), codes=(0,)).stdout == before
    check(invoke("fmt", "--check", str(tmp_path)), codes=(0,))


def test_fmt_output_it_cannot_read_back_is_refused_as_a_change(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever ruamel writes, an unreadable result leaves the file alone with fmt's own error,
    never a syntax error located inside text the user never saw."""
    import io

    import offerspec.fmt as fmt_module

    class Garbling:
        def load(self, text: str) -> object:
            return {}

        def dump(self, data: object, out: io.StringIO) -> None:
            out.write("products: [unclosed\n")

    path = tmp_path / "c.yaml"
    path.write_text("products:\n  - id: a\n    name: N\n", encoding="utf-8")
    monkeypatch.setattr(fmt_module, "_yaml", Garbling)
    outcome = check(invoke("fmt", str(tmp_path)), codes=(1,))
    assert f"{path}: formatting would change a value as offerspec reads it" in outcome.stderr, outcome.why()
    assert "syntax" not in outcome.stderr
    assert path.read_text(encoding="utf-8") == "products:\n  - id: a\n    name: N\n"
