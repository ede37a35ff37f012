"""``offerspec init``: a starter repository whose every file works as written."""

from __future__ import annotations

import shlex
import tomllib

import yaml

from conftest import ROOT


def _workflow_commands(repo) -> list[list[str]]:
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "catalog.yml").read_text())
    steps = workflow["jobs"]["catalog"]["steps"]
    return [shlex.split(step["run"].split(">")[0]) for step in steps if "run" in step]


def test_init_writes_a_repository_that_validates_tests_and_plans(run, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("OFFERSPEC_STORE", raising=False)
    repo = tmp_path / "catalog-repo"
    result = run("init", str(repo))
    assert result.exit_code == 0, result.output
    (repo / ".git").mkdir()  # the repository root: offerspec.toml is found from here
    monkeypatch.chdir(repo)
    assert run("validate", "--strict").exit_code == 0
    tested = run("test")
    assert tested.exit_code == 0 and tested.stdout.endswith("1 passed, 0 failed\n")
    # Every command of the CI workflow, as written (pip install aside), succeeds.
    commands = _workflow_commands(repo)
    assert commands[0][:2] == ["pip", "install"]
    assert "git+https://github.com/offerspec/offerspec@v0.1.0" in commands[0][2]
    for command in commands[1:]:
        assert command[0] == "offerspec"
        outcome = run(*command[1:])
        assert outcome.exit_code == 0, (command, outcome.output)
    project = tomllib.loads((repo / "offerspec.toml").read_text())
    assert set(project["environments"]) == {"staging", "production"}
    for env in ("staging", "production"):
        assert run("plan", "--env", env).exit_code == 0
    # The modelines point at schemas that are there.
    for path in (repo / "catalog").glob("*.yaml"):
        first = path.read_text().splitlines()[0]
        schema = first.removeprefix("# yaml-language-server: $schema=")
        assert schema != first and (path.parent / schema).is_file(), path


def test_pre_commit_config_names_hooks_the_repository_provides(run, tmp_path) -> None:
    run("init", str(tmp_path))
    config = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (repo,) = config["repos"]
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert repo["rev"] == f"v{version}"
    assert {h["id"] for h in repo["hooks"]} <= {h["id"] for h in hooks}


def test_init_never_overwrites(run, tmp_path) -> None:
    (tmp_path / "offerspec.toml").write_text("# mine\n")
    result = run("init", str(tmp_path))
    assert result.exit_code == 1
    assert "already has offerspec.toml; nothing was written" in result.stderr
    assert (tmp_path / "offerspec.toml").read_text() == "# mine\n"
    assert not (tmp_path / "catalog").exists()
