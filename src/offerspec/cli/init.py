"""``offerspec init [DIR]``: a starter catalog repository that validates and passes as written."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import click

from offerspec.diagnostics import OfferspecError

# Where each starter file goes in the new repository (the package keeps them under other names:
# a dot-file or a .github folder would not ship as package data).
LAYOUT = {
    "offerspec.toml": "offerspec.toml",
    "products.yaml": "catalog/products.yaml",
    "plans.yaml": "catalog/plans.yaml",
    "offers.yaml": "catalog/offers.yaml",
    "checkout.scenarios.yaml": "catalog/checkout.scenarios.yaml",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "catalog.yml": ".github/workflows/catalog.yml",
    "gitignore": ".gitignore",
}
SCHEMAS = {"schemas/offerspec.schema.json": False, "schemas/scenarios.schema.json": True}


def starter_files() -> dict[str, str]:
    """Every file of a new catalog repository, by its path there."""
    from offerspec.schema import schema_json

    package = files("offerspec.starter")
    written = {target: package.joinpath(source).read_text(encoding="utf-8")
               for source, target in LAYOUT.items()}
    written.update({target: schema_json(scenarios) for target, scenarios in SCHEMAS.items()})
    return written


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """Start a catalog repository in DIRECTORY (default: the current one).

    \b
    Writes a starter catalog (catalog/), a scenarios file, offerspec.toml with a staging
    and a production environment, the JSON Schemas the files' modelines point at
    (schemas/), .pre-commit-config.yaml, a CI workflow (.github/workflows/catalog.yml)
    and .gitignore. All of it validates and passes as written. Existing files are never
    overwritten: if any is there already, nothing is written.
    """
    root = Path(directory)
    planned = starter_files()
    existing = sorted(name for name in planned if (root / name).exists())
    if existing:
        raise OfferspecError(
            f"{root}: already has {', '.join(existing)}; nothing was written",
            hint="run offerspec init in a new directory, or move those files away first")
    for name, text in planned.items():
        target = root / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("x", encoding="utf-8") as handle:  # "x": never overwrite
                handle.write(text)
        except OSError as exc:
            raise OfferspecError(f"{target}: cannot write: {exc.strerror}",
                                 hint="choose a directory you can write to") from exc
        click.echo(f"created {target}")
    where = "" if directory == "." else f"cd {directory} && "
    click.echo(f"next: {where}offerspec validate && offerspec test && offerspec plan")
