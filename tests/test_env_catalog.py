"""``--env NAME`` on every command that reads a catalog: the environment's ``catalog =`` when no
PATH is given (one resolver for validate, compile, test, simulate, plan and apply), the same
errors everywhere; PATH wins over the environment's catalog, but a misspelt --env is still an
error."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import Result

from offerspec.cli.main import COMMANDS, cli
from offerspec.store import url as store_url
from storekit import copy_examples, edit

Run = Callable[..., Result]

TOML = """\
catalog = "catalog"
store = "sqlite:///.offerspec/store.db"

[environments.staging]
store = "sqlite:///.offerspec/staging.db"

[environments.production]
store = "sqlite:///.offerspec/production.db"
catalog = "catalog-prod"

[environments.broken]
store = "sqlite:///.offerspec/broken.db"
catalog = ["catalog-broken"]
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalog repo: ``catalog`` (the examples), ``catalog-prod`` (offer 'subscribe' renamed
    'subscribe-prod'), ``catalog-broken`` (one invalid currency); the working directory."""
    monkeypatch.delenv("OFFERSPEC_STORE", raising=False)
    (tmp_path / ".git").mkdir()
    catalog = copy_examples(tmp_path)
    prod = tmp_path / "catalog-prod"
    shutil.copytree(catalog, prod)
    edit(prod / "subscribe.yaml", "  - id: subscribe\n", "  - id: subscribe-prod\n")
    broken = tmp_path / "catalog-broken"
    shutil.copytree(catalog, broken)
    (broken / "bad.yaml").write_text(
        "plans:\n  - id: bad-plan\n    product: digital-access\n    amount: 100\n"
        "    currency: usd\n    interval: month\n", encoding="utf-8")
    (tmp_path / "offerspec.toml").write_text(TOML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


CATALOG_COMMANDS = {
    "validate": ["validate"],
    "compile": ["compile", "-o", "out.json"],
    "test": ["test"],
    "simulate": ["simulate", "--offer", "subscribe"],
    "plan": ["plan"],
    "apply": ["apply", "--auto-approve"],
}


@pytest.mark.parametrize("name", sorted(CATALOG_COMMANDS))
def test_env_selects_the_environments_catalog(run: Run, repo: Path, name: str) -> None:
    args = CATALOG_COMMANDS[name]
    assert run(*args).exit_code == 0  # the top-level catalog is valid
    result = run(*args, "--env", "broken")
    assert result.exit_code == 1, result.output
    assert "catalog-broken/bad.yaml:5:15: error" in result.output


@pytest.mark.parametrize("name", sorted(CATALOG_COMMANDS))
def test_path_wins_over_the_environments_catalog(run: Run, repo: Path, name: str) -> None:
    result = run(*CATALOG_COMMANDS[name], "catalog", "--env", "broken")
    assert result.exit_code == 0, result.output


def test_plan_and_validate_read_the_same_catalog(run: Run, repo: Path) -> None:
    validate = run("validate", "--env", "broken")
    plan = run("plan", "--env", "broken")
    assert validate.exit_code == plan.exit_code == 1
    assert validate.stdout.strip() == plan.stderr.strip()  # the same diagnostics, same files
    for env in (None, "staging", "production", "broken"):
        assert store_url.resolve_catalog((), env) == list(store_url.resolve_store(None, env).catalog)


def test_environment_without_a_catalog_reads_the_top_level_one(repo: Path) -> None:
    assert store_url.resolve_catalog((), "staging") == [str(repo / "catalog")]
    assert store_url.resolve_catalog((), "production") == [str(repo / "catalog-prod")]
    assert store_url.resolve_catalog(("x",), "production") == ["x"]


def test_simulate_compile_and_test_use_the_environments_catalog(run: Run, repo: Path) -> None:
    assert run("simulate", "--offer", "subscribe-prod").exit_code == 1
    assert run("simulate", "--offer", "subscribe-prod", "--env", "production").exit_code == 0
    assert '"subscribe-prod"' in run("compile", "--env", "production").stdout
    assert run("test").exit_code == 0
    result = run("test", "--env", "production")  # its scenarios name the renamed offer
    assert result.exit_code == 1
    assert "catalog-prod/checkout.scenarios.yaml:6:14: error[scenario]: unknown offer 'subscribe'" \
        in result.stderr


EVERY_ENV_COMMAND = {
    **CATALOG_COMMANDS,
    "simulate --from-store": ["simulate", "--from-store", "--offer", "subscribe"],
    "history": ["history"],
    "show": ["show", "1"],
    "force-unlock": ["force-unlock", "x"],
    "pull": ["pull", "--out", "pulled"],
    "export": ["export"],
    "store migrate": ["store", "migrate"],
}


@pytest.mark.parametrize("name", sorted(EVERY_ENV_COMMAND))
def test_unknown_environment_is_located_with_a_did_you_mean(run: Run, repo: Path, name: str) -> None:
    result = run(*EVERY_ENV_COMMAND[name], "--env", "prodution")
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"error: {repo / 'offerspec.toml'}:4:1: --env prodution: no such environment\n"
        "  hint: did you mean 'production'? defined environments: broken, production, staging\n")


@pytest.mark.parametrize("name", sorted(CATALOG_COMMANDS))
def test_a_misspelt_env_is_an_error_even_when_path_wins(run: Run, repo: Path, name: str) -> None:
    result = run(*CATALOG_COMMANDS[name], "catalog", "--env", "qa")
    assert result.exit_code == 1
    assert "--env qa: no such environment" in result.stderr
    assert "hint: defined environments: broken, production, staging" in result.stderr


@pytest.mark.parametrize("name", sorted(EVERY_ENV_COMMAND))
def test_env_without_a_project_file(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    name: str) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run(*EVERY_ENV_COMMAND[name], "--env", "production")
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "error: --env production: no offerspec.toml found\n"
        "  hint: environments are defined in offerspec.toml at the repo root, "
        "as [environments.production]\n")


def test_env_when_the_project_file_defines_none(run: Run, repo: Path) -> None:
    (repo / "offerspec.toml").write_text('catalog = "catalog"\n', encoding="utf-8")
    result = run("validate", "--env", "production")
    assert result.exit_code == 1
    assert f"error: {repo / 'offerspec.toml'}:1:1: --env production: no environments are defined" \
        in result.stderr
    assert "hint: add an [environments.production] table" in result.stderr


@pytest.mark.parametrize("header, where", [
    ("[environments.production]", "2:1"),
    ("[ environments . production ]", "2:1"),
    ('  ["environments".production]', "2:3"),
])
def test_the_unknown_environment_error_points_at_the_environments(
        run: Run, repo: Path, header: str, where: str) -> None:
    (repo / "offerspec.toml").write_text(f'catalog = "catalog"\n{header}\nstore = "x.db"\n',
                                         encoding="utf-8")
    result = run("validate", "--env", "prod")
    assert f"offerspec.toml:{where}: --env prod: no such environment" in result.stderr
    assert "did you mean 'production'?" in result.stderr


def test_every_command_but_schema_and_init_takes_env() -> None:
    # schema reads nothing; init writes a new repository (its offerspec.toml defines the envs).
    ctx = click.Context(cli)
    for name in sorted(COMMANDS):
        command = cli.get_command(ctx, name)
        assert command is not None
        # a group (offerspec store ...): each of its commands takes --env
        inner = list(command.commands.values()) if isinstance(command, click.Group) else [command]
        for each in inner:
            takes = any(p.name == "env" for p in each.params)
            assert takes == (name not in ("schema", "init")), name


@pytest.mark.parametrize("toml, message", [
    ('catalog = "catalog"\n[environments.prod]\n  catalog = 3\n',
     "offerspec.toml:3:3: environments.prod.catalog must be a path or a list of paths"),
    ('store = "x.db"\ncatalog = [1]\n', "offerspec.toml:2:1: catalog must be a path"),
])
def test_a_bad_catalog_value_is_located(run: Run, repo: Path, toml: str, message: str) -> None:
    (repo / "offerspec.toml").write_text(toml, encoding="utf-8")
    result = run("validate", "--env", "prod") if "prod" in toml else run("validate")
    assert result.exit_code == 1
    assert message in result.stderr and 'hint: e.g. catalog = "catalog"' in result.stderr
