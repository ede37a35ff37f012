"""history records where a revision came from: --message, the catalog's git commit and branch,
the CI run id; without git (or outside a repository) nothing is recorded, never an error."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from offerspec.source import revision_source
from storekit import copy_examples

Run = Callable[..., Result]
CI_VARIABLES = ("GITHUB_RUN_ID", "CI_PIPELINE_ID", "BUILD_ID", "BUILDKITE_BUILD_ID",
                "CIRCLE_WORKFLOW_ID", "CIRCLE_BUILD_NUM", "BITBUCKET_BUILD_NUMBER",
                "TRAVIS_BUILD_ID", "BUILD_BUILDID")


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _git_repo(cat: Path) -> str:
    git = ["git", "-C", str(cat), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "release"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "catalog"], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_apply_records_message_git_commit_branch_and_ci_run(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cat = copy_examples(tmp_path)
    commit = _git_repo(cat)
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    url = f"sqlite:///{tmp_path / 's.db'}"
    result = run("apply", str(cat), "--store", url, "--auto-approve", "--message", "spring prices")
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(run("history", "--store", url, "--format", "json").stdout)
    assert entry["source"] == {"message": "spring prices", "git_commit": commit,
                               "git_branch": "release", "ci_run": "4242"}
    header, row = run("history", "--store", url).stdout.splitlines()
    assert f"'spring prices', git {commit[:12]} (release), ci 4242" in row
    assert row.index("'spring") == header.index("SOURCE")
    shown = run("show", "1", "--store", url).stdout
    assert f"Source 'spring prices', git {commit[:12]} (release), ci 4242\n" in shown
    assert json.loads(run("show", "1", "--store", url, "--format", "json").stdout)[
        "source"]["git_commit"] == commit


def test_without_git_or_outside_a_repository_nothing_is_recorded(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cat = copy_examples(tmp_path)
    (tmp_path / ".git").mkdir()  # not a real repository: git fails, nothing recorded
    assert revision_source(None, cat, env={}) == {}
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # no git at all
    assert revision_source(None, cat, env={}) == {}
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    (entry,) = json.loads(run("history", "--store", url, "--format", "json").stdout)
    assert entry["source"] == {}
    assert run("history", "--store", url).stdout.splitlines()[1].split()[3] == "-"


@pytest.mark.parametrize("name", CI_VARIABLES)
def test_the_ci_run_id_from_standard_variables(name: str) -> None:
    assert revision_source(None, None, env={name: "77"}) == {"ci_run": "77"}
    assert revision_source(" why ", None, env={}) == {"message": "why"}
    assert len(revision_source("x" * 1000, None, env={})["message"]) == 200
