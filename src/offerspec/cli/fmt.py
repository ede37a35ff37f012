"""``offerspec fmt``: rewrite catalog files in the canonical layout, keeping comments."""

from __future__ import annotations

from pathlib import Path

import click

from offerspec.cli.options import catalog_paths, env_option, resolve_paths
from offerspec.diagnostics import OfferspecError


@click.command()
@catalog_paths
@click.option("--check", is_flag=True,
              help="Change nothing; list the files that would change and exit 1 if any (for CI).")
@env_option
def fmt(paths: tuple[str, ...], check: bool, env: str | None) -> None:
    """Format catalog files: key order as in the catalog language, quoting, indentation.

    Comments are kept; formatting twice changes nothing; the formatted catalog compiles
    to the same catalog. Scenario files are left alone.

    \b
    offerspec fmt                 # the catalog named in offerspec.toml, else this directory
    offerspec fmt --check         # CI: exit 1 listing the files that are not formatted
    """
    from offerspec.cli.validate import write_atomically
    from offerspec.fmt import format_text
    from offerspec.load.files import discover

    files = discover(resolve_paths(paths, env))
    if not files:
        raise OfferspecError("no catalog files found (looked for *.yaml and *.yml)",
                             hint="pass the catalog directory")
    changed: list[Path] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise OfferspecError(f"{path}: cannot read: {exc}",
                                 hint="save catalog files as UTF-8") from exc
        formatted = format_text(text, str(path))
        if formatted == text:
            continue
        changed.append(path)
        if check:
            click.echo(f"would reformat {path}")
        else:
            write_atomically(path, formatted)
            click.echo(f"reformatted {path}")
    if check and changed:
        raise SystemExit(1)
    if not changed:
        click.echo(f"{len(files)} file(s) already formatted", err=True)
