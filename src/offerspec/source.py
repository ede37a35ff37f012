"""Where a revision came from (``ApplyMeta.source``): ``apply --message``, the catalog's git
commit and branch, the CI run id. Everything here is best effort: no git, no repository, a slow
or failing git, no CI variable -- then nothing is recorded, never an error."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_TIMEOUT = 5.0
MAX_VALUE = 200
"""Source values are short strings (a longer message is cut)."""

CI_RUN_VARIABLES = ("GITHUB_RUN_ID", "CI_PIPELINE_ID", "BUILD_ID", "BUILDKITE_BUILD_ID",
                    "CIRCLE_WORKFLOW_ID", "CIRCLE_BUILD_NUM", "BITBUCKET_BUILD_NUMBER",
                    "TRAVIS_BUILD_ID", "BUILD_BUILDID")
"""GitHub Actions, GitLab, Jenkins, Buildkite, CircleCI, Bitbucket, Travis, Azure Pipelines."""


def _git(directory: Path, *args: str) -> str | None:
    """``git -C DIR ARGS`` without a shell, with a timeout; None when it fails in any way."""
    try:
        done = subprocess.run(["git", "-C", str(directory), *args], capture_output=True,
                              text=True, timeout=GIT_TIMEOUT, check=False,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out and "\n" not in out else None


def _short(value: str) -> str:
    return value.strip()[:MAX_VALUE]


def revision_source(message: str | None, catalog: Path | None,
                    env: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ) if env is None else env
    source: dict[str, str] = {}
    if message and message.strip():
        source["message"] = _short(message)
    if catalog is not None:
        directory = catalog if catalog.is_dir() else catalog.parent
        commit = _git(directory, "rev-parse", "--verify", "HEAD")
        if commit:
            source["git_commit"] = _short(commit)
            branch = _git(directory, "rev-parse", "--abbrev-ref", "HEAD")
            if branch and branch != "HEAD":  # "HEAD": a detached checkout has no branch
                source["git_branch"] = _short(branch)
    for name in CI_RUN_VARIABLES:
        if env.get(name, "").strip():
            source["ci_run"] = _short(env[name])
            break
    return source
