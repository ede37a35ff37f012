"""The README's user journey, run from the README itself: init → validate → plan → apply →
edit → plan. The commands are read from the block under the "user journey" marker, so the
README cannot drift from what works."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

from conftest import ROOT

MARKER = "<!-- user journey:"


def journey_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    after = text[text.index(MARKER):]
    block = re.search(r"```sh\n(.*?)```", after, re.DOTALL)
    assert block is not None, "the user journey block is a ```sh block after the marker"
    commands = []
    for written in block.group(1).splitlines():
        line = re.sub(r"\s+#\s.*$", "", written).strip()  # a comment after the command
        commands.extend(part.strip() for part in line.split("&&") if part.strip())
    return commands


def test_the_readme_user_journey(run, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("OFFERSPEC_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
    commands = journey_commands()
    assert [c.split()[:2] for c in commands if c.startswith("offerspec")] == [
        ["offerspec", "init"], ["offerspec", "validate"], ["offerspec", "plan"],
        ["offerspec", "apply"], ["offerspec", "plan"]]
    outputs = []
    for command in commands:
        words = shlex.split(command)
        if words[0] == "cd":
            monkeypatch.chdir(Path.cwd() / words[1])
            (Path.cwd() / ".git").mkdir(exist_ok=True)  # the repository root
        elif words[0] == "offerspec":
            result = run(*words[1:])
            assert result.exit_code == 0, (command, result.output)
            outputs.append(result.stdout)
        else:  # the edit, by the tool the README names (perl), as a user would run it
            subprocess.run(words, check=True, env={**os.environ})
    init, validate, first_plan, apply, second_plan = outputs
    assert "created my-catalog/catalog/plans.yaml" in init
    assert validate.startswith("valid: 1 product, 2 plans, 1 offer")
    assert "+ plan annual-digital" in first_plan
    assert "Applied revision 1: 4 to create" in apply
    assert "-/+ plan annual-digital  (replace: amount forces a new version)" in second_plan
    assert "(9900 → 11900)" in second_plan
