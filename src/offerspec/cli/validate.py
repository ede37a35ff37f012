"""``offerspec validate``, ``compile`` and ``schema``."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import click

from offerspec.cli.options import catalog_paths, env_option, resolve_paths, strict_option


@click.command()
@catalog_paths
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="Output format (github: Actions annotations).")
@strict_option
@env_option
def validate(paths: tuple[str, ...], fmt: str, strict: bool, env: str | None) -> None:
    """Check catalog files: schema and every semantic rule, all problems at once.

    \b
    offerspec validate                         # the catalog named in offerspec.toml, else .
    offerspec validate --env production        # [environments.production]'s catalog
    offerspec validate catalog/ --strict       # warnings fail too
    offerspec validate --format github         # GitHub Actions annotations on the PR

    Exit 0 when valid, 1 when there are errors (or warnings with --strict).
    """
    from offerspec.api import check_catalog
    from offerspec.render.diagnostics import RENDERERS

    catalog, diagnostics = check_catalog(resolve_paths(paths, env), strict=strict)
    summary = ""
    if catalog is not None and fmt != "json":
        summary = "valid: " + ", ".join(
            f"{n} {kind if n != 1 else kind[:-1]}"
            for kind, n in (("products", len(catalog.products)), ("plans", len(catalog.plans)),
                            ("offers", len(catalog.offers))))
    click.echo(RENDERERS[fmt](diagnostics, summary), nl=False)
    if catalog is None:
        raise SystemExit(1)


def write_atomically(path: Path, text: str, *,
                     hint: str = "choose a path in a directory you can write to") -> None:
    """Write to a temporary file beside ``path``, then rename: never a half-written file.

    A path that cannot be written (no permission, a file where a directory should be, a full
    disk) is the user's to fix, not a bug: ``OfferspecError`` naming the path, exit 1.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _unwritable(path, exc, hint) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _unwritable(path, exc, hint) from exc
        raise


def _unwritable(path: Path, exc: OSError, hint: str) -> Exception:
    from offerspec.diagnostics import OfferspecError

    return OfferspecError(f"cannot write {path}: {exc.strerror or exc}", hint=hint)


@click.command("compile")
@catalog_paths
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="-",
              show_default=True, help="Where to write the compiled catalog ('-' = stdout).")
@strict_option
@env_option
def compile_command(paths: tuple[str, ...], output: str, strict: bool, env: str | None) -> None:
    """Write the canonical compiled catalog (JSON, byte-stable, with a content hash).

    \b
    offerspec compile catalog/ -o catalog.json
    offerspec compile --env production -o catalog.json
    """
    from offerspec.api import check_catalog
    from offerspec.load.files import gc_paused
    from offerspec.render.diagnostics import render_text

    catalog, diagnostics = check_catalog(resolve_paths(paths, env), strict=strict)
    if diagnostics:
        click.echo(render_text(diagnostics), nl=False, err=True)
    if catalog is None:
        raise SystemExit(1)
    with gc_paused():
        text, content_hash = catalog.to_json_and_hash()
    if output == "-":
        from offerspec.render.safe import escape_json

        click.echo(escape_json(text), nl=False)
    else:
        write_atomically(Path(output), text, hint="pass -o a writable file path")
        click.echo(f"wrote {output} ({content_hash})", err=True)


@click.command()
@click.option("--scenarios", is_flag=True, help="The schema of *.scenarios.yaml files instead.")
@click.option("--out", "out", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the schema to FILE instead of standard output.")
def schema(scenarios: bool, out: str | None) -> None:
    """Print the JSON Schema of catalog files (or of scenario files), for editors and tools.

    \b
    offerspec schema --out schemas/offerspec.schema.json
    offerspec schema --scenarios --out schemas/scenarios.schema.json

    Then start each catalog file with a modeline pointing at it (the path is relative to
    the YAML file):  # yaml-language-server: $schema=../schemas/offerspec.schema.json
    """
    from offerspec.schema import schema_json

    text = schema_json(scenarios)
    if out is None:
        click.echo(text, nl=False)
        return
    write_atomically(Path(out), text, hint="pass --out a writable file path")
    click.echo(f"wrote {out}", err=True)
