"""``offerspec pull`` (live catalog -> YAML) and ``export`` (plans -> CSV)."""

from __future__ import annotations

from pathlib import Path

import click

from offerspec.cli.store_options import open_from_args, store_only_options
from offerspec.diagnostics import OfferspecError
from offerspec.render.safe import clean


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Directory to write the catalog files into.")
@click.option("--force", is_flag=True, help="Overwrite YAML files already in --out.")
@click.option("--schema", "schema", metavar="URL_OR_PATH",
              help="Where the modeline points editors (default: the published schema URL).")
@store_only_options
def pull(out: str, force: bool, schema: str | None, store: str | None, env: str | None) -> None:
    """Write the live active catalog as YAML, to adopt an existing store (then plan: No changes.).

    \b
    offerspec pull --out catalog/ && offerspec plan catalog/
    """
    from offerspec.cli.validate import write_atomically
    from offerspec.pull import pull_files
    from offerspec.schema import SCHEMA_ID

    target = Path(out)
    if target.exists() and not force and any(target.glob("*.y*ml")):
        raise OfferspecError(f"{out} already holds YAML files",
                             hint="pull into an empty directory, or pass --force to overwrite")
    _, opened = open_from_args(store, env, must_exist=True)
    try:
        snapshot = opened.snapshot()
    finally:
        opened.close()
    from offerspec.store.live import check_live  # lazily: --help stays fast

    check_live(snapshot)
    files = pull_files(snapshot, schema=schema or SCHEMA_ID)
    if not files:
        raise OfferspecError(f"{snapshot.url} holds no active objects; nothing to pull",
                             hint="apply a catalog first, or check --store / --env")
    from offerspec.paths import safe_join

    for name, text in files.items():
        write_atomically(safe_join(target, name), text)
    click.echo(clean(f"wrote {len(files)} file(s) to {out} from {snapshot.url} "
                     f"(revision {snapshot.revision})"), err=True)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--include-archived", is_flag=True, help="Also export archived plans.")
@click.option("--out", type=click.Path(dir_okay=False), default="-", show_default=True,
              help="File to write ('-' = stdout).")
@store_only_options
def export(fmt: str, include_archived: bool, out: str, store: str | None, env: str | None) -> None:
    """Export the live plans with all their fields (CSV; amounts in minor units).

    \b
    offerspec export --out plans.csv
    offerspec export --include-archived --env production > plans.csv
    """
    from offerspec.cli.validate import write_atomically
    from offerspec.pull import plans_csv

    _, opened = open_from_args(store, env, must_exist=True)
    try:
        snapshot = opened.snapshot()
    finally:
        opened.close()
    from offerspec.store.live import check_live  # lazily: --help stays fast

    check_live(snapshot)
    text = plans_csv(snapshot, include_archived=include_archived)
    if out == "-":
        click.echo(text, nl=False)
    else:
        write_atomically(Path(out), text)
