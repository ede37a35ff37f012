"""Bad input never ends in exit 3 (issue 12): a located user error (exit 1) or a usage error
(exit 2), in bounded time. Each class has one mechanism: paths from outside are checked where
they come in (``offerspec.paths.path_problem``) and a file system refusal no command foresaw is
a user error (``cli.main``); numbers written as text are ASCII digits (``offerspec.numbers``);
batch lines are read bounded; stdout/stderr escape what their encoding cannot hold; under
--detailed-exitcode no usage error exits 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

LONG = "x" * 300


def _check(result, code: int, message: str) -> None:
    output = result.stdout + result.stderr
    assert result.exit_code == code, output
    assert message in output, output
    assert "internal error" not in output and "Traceback" not in output


TOML = {
    "nested arrays": ("a = " + "[" * 1000 + "]" * 1000 + "\n", "offerspec.toml:1:1: not valid TOML "
                      "for offerspec: nested too deeply"),
    "nested tables": ("a = " + "{x=" * 1000 + "}" * 1000 + "\n", "nested too deeply"),
    "NUL in the store URL": ('store = "sqlite:///x\\u0000y.db"\n',
                             "offerspec.toml:1:1: store URL sqlite:///x\\x00y.db: it holds the "
                             "control character U+0000"),
    "NUL in an environment's URL": ('[environments.prod]\nstore = "sqlite:///a\\u0000"\n',
                                    "offerspec.toml:2:1: store URL"),
    "a long name in the URL": (f'store = "sqlite:///{LONG}.db"\n', "over the 255-byte limit"),
}


@pytest.mark.parametrize("name", list(TOML))
def test_a_hostile_offerspec_toml_is_a_located_error(run, cat, tmp_path, monkeypatch,
                                                     name: str) -> None:
    text, message = TOML[name]
    (tmp_path / "offerspec.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = ["plan", str(cat)] + (["--env", "prod"] if "environment" in name else [])
    _check(run(*args), 1, message)


def test_a_control_character_in_a_store_url_is_a_located_error(run, cat) -> None:
    _check(run("apply", str(cat), "--store", "sqlite:///a\x01b.db", "--auto-approve"), 1,
           "it holds the control character U+0001")


@pytest.mark.parametrize("args", [
    ["validate", f"catalog/{LONG}"],
    ["plan", "catalog", "--store", f"sqlite:///{LONG}.db"],
    ["pull", "--store", "sqlite:///store.db", "--out", LONG],
    ["test", f"catalog/{LONG}"],
    ["simulate", "catalog", "--batch", LONG],
    ["compile", "catalog", "--output", LONG],
    ["export", "--store", "sqlite:///store.db", "--out", LONG],
])
def test_a_path_component_over_255_bytes_is_a_user_error(run, cat, tmp_path, monkeypatch,
                                                         args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("apply", "catalog", "--store", "sqlite:///store.db", "--auto-approve").exit_code == 0
    result = run(*args)
    _check(result, 1, "error")
    assert "too long" in result.stderr + result.stdout or "255-byte" in result.stderr + result.stdout


BATCH = {
    "a superscript count": ("subscribe,monthly-digital,2026-11-22,\u00b2,0", "invalid seats_used '\u00b2'"),
    "an Arabic-Indic count": ("subscribe,monthly-digital,2026-11-22,0,\u0663",
                              "invalid renewals '\u0663'"),
    "a 10,000-digit count": ("subscribe,monthly-digital,2026-11-22," + "9" * 10_000 + ",0",
                             "invalid seats_used"),
}


@pytest.mark.parametrize("name", list(BATCH))
@pytest.mark.parametrize("output_format", ["jsonl", "csv"])
def test_batch_numbers_are_ascii_digits(run, cat, tmp_path, name: str, output_format: str) -> None:
    row, message = BATCH[name]
    batch = tmp_path / "b.csv"
    batch.write_text(f"offer,plan,date,seats_used,renewals\n{row}\n", encoding="utf-8")
    _check(run("simulate", str(cat), "--batch", str(batch), "--output-format", output_format),
           1, message)


def test_a_superscript_amount_is_a_schema_error(run, write) -> None:
    cat = write(c='products: [{id: p, name: P}]\n'
                  'plans: [{id: a, nickname: A, product: p, amount: "\u00b2", currency: USD}]\n')
    _check(run("validate", str(cat)), 1, "amount must be an integer number of minor units")


@pytest.mark.parametrize("source", ["/dev/zero", "no-newline"])
def test_a_batch_without_line_breaks_is_refused_after_a_bounded_read(run, cat, tmp_path,
                                                                     source: str) -> None:
    path = source
    if source == "no-newline":
        big = tmp_path / "big.csv"
        big.write_text("offer,plan,date\n" + "x" * (1 << 21), encoding="utf-8")
        path = str(big)
    _check(run("simulate", str(cat), "--batch", path), 1,
           "a line of over 1,048,576 characters")


def test_an_unencodable_character_on_a_latin1_terminal_is_escaped(cat, tmp_path) -> None:
    nickname = cat / "subscribe.yaml"
    nickname.write_text(nickname.read_text().replace("nickname: Monthly Digital\n",
                                                     'nickname: "Monthly \U0001f389 Digital"\n'))
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    for args in (["simulate", str(cat), "--offer", "subscribe"],
                 ["plan", str(cat), "--store", f"sqlite:///{tmp_path}/s.db"]):
        done = subprocess.run([sys.executable, "-m", "offerspec", *args], capture_output=True,
                              env=env, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert b"Monthly \\ud83c\\udf89 Digital" in done.stdout
        assert b"internal error" not in done.stderr


DETAILED = [  # (arguments, exit code): 2 only for "changes"
    (["plan", "{cat}", "--detailed-exitcode=1"], 1),
    (["pln", "{cat}", "--detailed-exitcode"], 1),
    (["--bogus", "plan", "{cat}", "--detailed-exitcode"], 1),
    (["plan", "--detailed-exitcode", "--format", "nope", "{cat}"], 1),
    (["plan", "--detailed-exitcode", "--max-archive-share", "nan", "{cat}"], 1),
    (["plan", "--detailed-exitcode", "{cat}", "--store", "{url}"], 2),  # changes: a new store
    (["plan", "--bogus", "{cat}"], 2),  # without the flag a usage error is 2
]


@pytest.mark.parametrize(("args", "code"), DETAILED)
def test_under_detailed_exitcode_a_usage_error_is_never_changes(run, cat, url, args: list[str],
                                                                code: int) -> None:
    result = run(*(a.format(cat=cat, url=url) for a in args))
    assert result.exit_code == code, result.output


def test_no_changes_under_detailed_exitcode_is_0(run, cat, url) -> None:
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    assert run("plan", str(cat), "--store", url, "--detailed-exitcode").exit_code == 0


def test_the_stream_handler_writes_json_valid_escapes() -> None:
    import io
    import json

    from offerspec.render.safe import escape_unencodable

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="latin-1")
    escape_unencodable(stream)
    stream.write(json.dumps({"n": "a\U0001f389\u2192b"}, ensure_ascii=False))
    stream.flush()
    assert json.loads(raw.getvalue().decode("latin-1")) == {"n": "a\U0001f389\u2192b"}


def test_paths_from_outside_are_checked_where_they_come_in() -> None:
    from offerspec.paths import path_problem

    assert path_problem("a/b.db") is None
    assert path_problem("a\0b") == "it holds the control character U+0000"
    assert "over the 255-byte limit" in (path_problem("d/" + "\u00e9" * 128) or "")
    assert path_problem("/".join(["x" * 255] * 20)) is None  # long paths are fine, long names not
    assert Path("x" * 255).name  # (the limit is the file system's, per name)
