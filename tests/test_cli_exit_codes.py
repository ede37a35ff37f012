"""Every command's exit codes: 0 ok, 1 user error (message and hint, no traceback), 2 usage
error, 3 an internal bug (a short report, the traceback in a crash log file, not on screen)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from offerspec.cli.main import COMMANDS
from storekit import copy_examples

Run = Callable[..., Result]


@pytest.fixture
def project(run: Run, tmp_path: Path) -> dict[str, str]:
    """The examples applied to a store; the placeholders the tables below use."""
    cat = copy_examples(tmp_path)
    url = f"sqlite:///{tmp_path}/store.db"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    return {"cat": str(cat), "url": url, "tmp": str(tmp_path),
            "nowhere": str(tmp_path / "nowhere"), "none": f"sqlite:///{tmp_path}/none.db"}


def invoke(run: Run, project: dict[str, str], args: str) -> Result:
    return run(*(a.format(**project) for a in args.split()))


OK = {
    "validate": "validate {cat}",
    "compile": "compile {cat}",
    "schema": "schema",
    "plan": "plan {cat} --store {url}",
    "apply": "apply {cat} --store {url} --auto-approve",
    "history": "history --store {url}",
    "show": "show 1 --store {url}",
    # force-unlock of a held lock: test_saved_plans_and_locks.py (it needs a lock held meanwhile)
    # serve runs until stopped: test_serve_process.py (exit 0 on SIGTERM, after draining)
    # import needs a platform: test_http_store_config.py (against offerspec serve)
    "pull": "pull --out {tmp}/pulled --store {url}",
    "export": "export --store {url}",
    "simulate": "simulate {cat} --offer subscribe",
    "test": "test {cat}",
    "store": "store migrate --store {url}",
    "init": "init {tmp}/new-repo",
    "fmt": "fmt {cat}",
}

USER_ERROR = {
    "validate": ("validate {nowhere}", "no such file or directory"),
    "compile": ("compile {nowhere}", "no such file or directory"),
    "plan": ("plan {nowhere} --store {url}", "no such file or directory"),
    "apply": ("apply {nowhere} --store {url} --auto-approve", "no such file or directory"),
    "history": ("history --store {none}", "no store at"),
    "show": ("show 9 --store {url}", "no revision 9"),
    "force-unlock": ("force-unlock x --store {url}", "is not locked"),
    "pull": ("pull --out {cat} --store {url}", "already holds YAML files"),
    "export": ("export --store {none}", "no store at"),
    "simulate": ("simulate {cat} --offer nope --plan x", "unknown offer 'nope'"),
    "test": ("test {nowhere}", "no such file or directory"),
    "serve": ("serve --store {url} --tokens {nowhere}", "cannot read the tokens file"),
    "store": ("store migrate --store {none}", "no store at"),
    "init": ("init {cat}/products.yaml/inside", "cannot write"),
    "fmt": ("fmt {nowhere}", "no such file or directory"),
    "import": ("import product/x 1 --store {url}", "not an HTTP store"),
}
"""schema reads nothing the user gives it: it has no user error."""

USAGE_ERROR = {
    "validate": ["validate --format yaml"],
    "compile": ["compile --bogus"],
    "schema": ["schema extra-argument"],
    "plan": ["plan --format yaml", "plan --max-archive-share 1.5"],
    "apply": ["apply {cat} --plan p.json", "apply --plan p.json --allow-destroy",
              "apply --lock-timeout -1"],
    "history": ["history --format csv"],
    "show": ["show one", "show"],
    "force-unlock": ["force-unlock"],
    "pull": ["pull --store {url}"],
    "export": ["export --format xml"],
    "simulate": ["simulate {cat} --batch b.csv --offer subscribe"],
    "test": ["test --junit"],
    "serve": ["serve --store {url}", "serve --store {url} --tokens t --faults 500:2",
              "serve --store {url} --tokens t --port 70000"],
    "store": ["store bogus", "store --bogus"],
    "init": ["init a b"],
    "fmt": ["fmt --bogus"],
    "import": ["import plan 1 --store {url}", "import plan/x zero --store {url}"],
}


def test_every_command_has_its_cases() -> None:
    assert set(OK) | {"force-unlock", "serve", "import"} == set(COMMANDS)
    assert set(USER_ERROR) | {"schema"} == set(COMMANDS) == set(USAGE_ERROR)


@pytest.mark.parametrize("command", sorted(OK))
def test_exit_0(run: Run, project: dict[str, str], command: str) -> None:
    result = invoke(run, project, OK[command])
    assert result.exit_code == 0, result.output
    assert "error" not in result.stderr.lower()


@pytest.mark.parametrize("command", sorted(USER_ERROR))
def test_exit_1_user_error_with_message_and_hint(run: Run, project: dict[str, str],
                                                 command: str) -> None:
    args, message = USER_ERROR[command]
    result = invoke(run, project, args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "\n  hint: " in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command, args", [(c, a) for c, cases in sorted(USAGE_ERROR.items())
                                           for a in cases])
def test_exit_2_usage_error(run: Run, project: dict[str, str], command: str, args: str) -> None:
    result = invoke(run, project, args)
    assert result.exit_code == 2, result.output
    assert f"Try 'cli {command} --help' for help." in result.stderr  # in-process: prog is cli
    assert "Error: " in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_exit_2_unknown_option(run: Run, command: str) -> None:
    result = run(command, "--no-such-option")
    assert result.exit_code == 2
    assert "Error: No such option '--no-such-option'." in result.stderr


INJECT = {
    "validate": "offerspec.api.check_catalog",
    "compile": "offerspec.api.check_catalog",
    "schema": "offerspec.schema.schema_json",
    "plan": "offerspec.api.check_catalog",
    "apply": "offerspec.api.check_catalog",
    "history": "offerspec.store.url.resolve_store",
    "show": "offerspec.store.url.resolve_store",
    "force-unlock": "offerspec.store.url.resolve_store",
    "pull": "offerspec.store.url.resolve_store",
    "export": "offerspec.store.url.resolve_store",
    "simulate": "offerspec.api.check_catalog",
    "test": "offerspec.api.check_catalog",
    "serve": "offerspec.serve.auth.load_tokens",
    "store": "offerspec.store.url.resolve_store",
    "init": "offerspec.schema.schema_json",
    "fmt": "offerspec.fmt.format_text",
    "import": "offerspec.store.url.resolve_store",
}
CRASH_ARGS = {**OK, "force-unlock": "force-unlock x --store {url}",
              "import": "import plan/x 1 --store {url}",
              "serve": "serve --store {url} --tokens {tmp}/tokens.txt",
              "plan": "plan {cat} --store {url} --detailed-exitcode"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_exit_3_an_injected_bug_is_a_short_report_and_a_crash_log(
        run: Run, project: dict[str, str], command: str, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    import tempfile

    def bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected bug")

    logs = tmp_path / "logs"
    logs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(logs))
    monkeypatch.setattr(INJECT[command], bug)
    result = invoke(run, project, CRASH_ARGS[command])
    assert result.exit_code == 3, result.output  # also with plan --detailed-exitcode
    (log,) = logs.glob("offerspec-crash-*.log")
    assert result.stderr == (
        "offerspec: internal error (this is a bug): RuntimeError: injected bug\n"
        f"  the full report is in {log}; please attach it to an issue.\n")
    assert "Traceback" not in result.output
    report = log.read_text()
    assert report.startswith("offerspec ") and "Traceback (most recent call last)" in report
    assert report.rstrip().endswith("RuntimeError: injected bug")
