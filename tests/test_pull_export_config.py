"""pull round trip and CSV export (on every store), offerspec.toml and store URL resolution."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click
import pytest

from offerspec.diagnostics import OfferspecError
from offerspec.store.url import DEFAULT_URL, resolve_store, url_to_path
from storekit import copy_examples, open_url


def test_pull_round_trip(run, cat, store_url, tmp_path) -> None:
    url = store_url
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    out = tmp_path / "pulled"
    result = run("pull", "--out", str(out), "--store", url)
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["offers.yaml", "plans-digital-access.yaml", "plans-newsroom-supporter.yaml",
                     "plans-print-edition.yaml", "products.yaml"]
    for path in out.iterdir():
        assert path.read_text().startswith("# yaml-language-server: $schema=")
    assert "countries: [DE, FR, IE, NL, 'NO']" in (out / "plans-digital-access.yaml").read_text()
    assert run("validate", "--strict", str(out)).exit_code == 0
    plan = run("plan", str(out), "--store", url, "--detailed-exitcode")
    assert plan.exit_code == 0 and "No changes." in plan.stdout
    again = run("pull", "--out", str(out), "--store", url)
    assert again.exit_code == 1 and "--force" in again.stderr
    assert run("pull", "--out", str(out), "--store", url, "--force").exit_code == 0


def test_pull_of_an_empty_store(run, cat, store_url, tmp_path) -> None:
    url = store_url
    open_url(url).close()  # an empty store
    result = run("pull", "--out", str(tmp_path / "x"), "--store", url)
    assert result.exit_code == 1 and "no active objects" in result.stderr


def test_export_csv(run, cat, store_url) -> None:
    url = store_url
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    rows = list(csv.DictReader(io.StringIO(run("export", "--store", url).stdout)))
    assert len(rows) == 12
    adp = next(r for r in rows if r["id"] == "annual-digital-print")
    assert adp["amount"] == "14900" and adp["currency"] == "USD"
    assert adp["grants"] == "digital-access;print-edition"
    assert adp["generation"] == "1" and adp["status"] == "active"
    assert {"auto_uncollectible_days", "member_seat_capacity", "metadata"} <= set(adp)
    support = cat / "support.yaml"
    support.write_text(support.read_text()[: support.read_text().index("  - id: print-weekender")])
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    assert len(list(csv.DictReader(io.StringIO(run("export", "--store", url).stdout)))) == 11
    every = run("export", "--store", url, "--include-archived").stdout
    archived = [r for r in csv.DictReader(io.StringIO(every)) if r["status"] == "archived"]
    assert [r["id"] for r in archived] == ["print-weekender-offline"]


def test_url_forms(tmp_path) -> None:
    assert url_to_path("sqlite:///rel/s.db", tmp_path) == tmp_path / "rel" / "s.db"
    assert url_to_path("sqlite:////abs/s.db", tmp_path) == Path("/abs/s.db")
    assert url_to_path("plain/s.db", tmp_path) == tmp_path / "plain" / "s.db"
    for bad in ("sqlite:/x", "sqlite://x", "sqlite:///", "mysql://x/y", "", "foo:bar"):
        with pytest.raises(OfferspecError):
            url_to_path(bad, tmp_path)


def test_resolution_order(tmp_path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "offerspec.toml").write_text(
        'catalog = "catalog"\nstore = "sqlite:///from-toml.db"\n'
        '[environments.staging]\nstore = "sqlite:///staging.db"\ncatalog = ["cat-a", "cat-b"]\n')
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    monkeypatch.delenv("OFFERSPEC_STORE", raising=False)
    loc = resolve_store(cwd=sub)
    assert (loc.source, loc.path) == ("offerspec.toml", tmp_path / "from-toml.db")
    assert loc.catalog == (str(tmp_path / "catalog"),)
    staging = resolve_store(env="staging", cwd=sub)
    assert staging.path == tmp_path / "staging.db"
    assert staging.catalog == (str(tmp_path / "cat-a"), str(tmp_path / "cat-b"))
    monkeypatch.setenv("OFFERSPEC_STORE", "sqlite:///env.db")
    assert resolve_store(cwd=sub).source == "OFFERSPEC_STORE"
    assert resolve_store("sqlite:///flag.db", cwd=sub).path == sub / "flag.db"
    with pytest.raises(OfferspecError, match="no such environment") as err:
        resolve_store(env="production", cwd=sub)
    assert err.value.hint == "defined environments: staging"


def test_default_store_and_toml_catalog(run, cat, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("OFFERSPEC_STORE", raising=False)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert resolve_store().url == DEFAULT_URL
    result = run("apply", str(cat), "--auto-approve")
    assert result.exit_code == 0 and "sqlite:///.offerspec/store.db" in result.stdout
    assert (tmp_path / ".offerspec" / "store.db").is_file()
    (tmp_path / "offerspec.toml").write_text('catalog = "catalog"\n')
    result = run("plan")  # no PATH: the catalog named in offerspec.toml
    assert result.exit_code == 0 and "No changes." in result.stdout


@pytest.mark.parametrize("toml, message", [
    ("store = [1]", "offerspec.toml:1:1: store must be a URL string"),
    ("catalog = 3", "catalog must be a path"),
    ("catalog = 'c'\nstroe = 'x'", "offerspec.toml:2:1: unknown key(s) stroe"),
    ("store = 'x", "offerspec.toml:1:11: not valid TOML"),
    ("stroe = 'x'", "offerspec.toml:1:1: unknown key(s) stroe\n  hint: did you mean 'store'?"),
    ("[environmets.staging]\nstore = 'x'",
     "offerspec.toml:1:1: unknown key(s) environmets\n  hint: did you mean 'environments'?"),
    ("[environments.staging]\nstor = 'x'", "offerspec.toml:2:1: [environments.NAME] tables may only "
                                           "set catalog and store, not stor\n  hint: did you mean 'store'?"),
    ("[environments.a]\nstore = 'x'\n[environments.b]\nstore = 5",
     "offerspec.toml:4:1: store must be a URL string"),
    ("environments = 3", "offerspec.toml:1:1: environments must be tables"),
    ("[environments.staging]\n  url = 'x'", "offerspec.toml:2:3: [environments.NAME] tables may "
                                            "only set catalog and store"),
    ("catalog = 'c'\nstore = 'ftp://x/y'", "offerspec.toml:2:1: unknown store URL scheme"),
])
def test_bad_project_file(run, cat, tmp_path, monkeypatch, toml, message) -> None:  # noqa: PLR0917
    monkeypatch.delenv("OFFERSPEC_STORE", raising=False)
    (tmp_path / ".git").mkdir()
    (tmp_path / "offerspec.toml").write_text(toml)
    monkeypatch.chdir(tmp_path)
    result = run("plan", str(cat))
    assert result.exit_code == 1
    assert message in result.stderr and "hint:" in result.stderr


def test_bad_store_url_of_an_environment_is_located(run, cat, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("OFFERSPEC_STORE", raising=False)
    (tmp_path / ".git").mkdir()
    (tmp_path / "offerspec.toml").write_text(
        "store = 'sqlite:///ok.db'\n\n[environments.prod]\nstore = 'sqlite://host/x.db'\n")
    monkeypatch.chdir(tmp_path)
    result = run("plan", str(cat), "--env", "prod")
    assert result.exit_code == 1
    assert "offerspec.toml:4:1: malformed store URL 'sqlite://host/x.db'" in result.stderr


def test_env_without_project_file(run, cat, tmp_path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run("plan", str(cat), "--env", "staging")
    assert result.exit_code == 1 and "no offerspec.toml found" in result.stderr


@pytest.mark.parametrize("args", [["history"], ["show", "1"], ["export"], ["force-unlock", "x"],
                                  ["pull", "--out", "somewhere"]])
def test_reading_commands_need_an_existing_store(run, tmp_path, args) -> None:
    result = run(*args, "--store", f"sqlite:///{tmp_path}/absent.db")
    assert result.exit_code == 1 and "no store at" in result.stderr
    assert not (tmp_path / "absent.db").exists()


def test_read_only_store_file_is_a_clear_error(run, unprivileged) -> None:
    # Runs as root too: as_user() drops the effective ids, so the permission bits count.
    base, as_user = unprivileged
    cat = copy_examples(base / "cat")
    url = f"sqlite:///{base}/ro.db"
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    (base / "ro.db").chmod(0o444)
    before = (base / "ro.db").read_bytes()
    edit_dir = copy_examples(base / "other")
    (edit_dir / "support.yaml").write_text((edit_dir / "support.yaml").read_text().replace(
        "Monthly Donation", "Monthly Gift"))
    with as_user():
        result = run("apply", str(edit_dir), "--store", url, "--auto-approve")
    assert result.exit_code == 1, result.output
    assert "cannot open the store: attempt to write a readonly database" in result.stderr
    assert "hint: offerspec needs write access to the store file" in result.stderr
    assert "Traceback" not in result.output
    assert (base / "ro.db").read_bytes() == before


def test_help_of_a_command_without_path_does_not_mention_one(run) -> None:
    from offerspec.cli.main import cli

    ctx = click.Context(cli)
    checked = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        if any(p.name == "paths" for p in command.params):
            continue
        text = run(name, "--help").stdout.replace("URL_OR_PATH", "")
        assert "PATH" not in text, name
        checked.append(name)
    assert {"pull", "export", "history", "show"} <= set(checked)
