from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from offerspec.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "offers"


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write dedented YAML files under tmp_path: write(a="...", b="...") -> the directory."""

    def make(**files: str) -> Path:
        for name, text in files.items():
            path = tmp_path / f"{name}.yaml"
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return tmp_path

    return make
