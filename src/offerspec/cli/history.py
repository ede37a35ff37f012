"""``offerspec history``, ``show REVISION`` and ``force-unlock ID``."""

from __future__ import annotations

import json
from typing import Any

import click

from offerspec.cli.store_options import open_from_args, store_options

KIND_NAMES = {"product": "products", "plan": "plans", "offer": "offers"}


def _object_history(opened: Any, spec: str, fmt: str) -> None:
    from offerspec.diagnostics import OfferspecError

    kind, _, ident = spec.partition("/")
    kind = KIND_NAMES.get(kind, kind)
    if kind not in KIND_NAMES.values() or not ident:
        raise OfferspecError(f"--object {spec!r}: expected KIND/ID, e.g. plan/monthly-digital",
                             hint="KIND is product, plan or offer")
    versions = list(opened.versions(kind, ident))
    if not versions:
        raise OfferspecError(f"no {spec} in {opened.url}", hint="check the kind and id")
    if fmt == "json":
        click.echo(json.dumps([{"revision": r, "generation": g, "data": d} for r, g, d in versions],
                              indent=2, ensure_ascii=False))
        return
    for revision, generation, data in versions:
        click.echo(f"{revision:>5}  v{generation}  {data.get('status', 'active'):<8}  "
                   + json.dumps(data, ensure_ascii=False, sort_keys=True))


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--object", "obj", metavar="KIND/ID",
              help="Every version of one object instead, e.g. plan/monthly-digital.")
@store_options
def history(fmt: str, obj: str | None, store: str | None, env: str | None) -> None:
    """List the store's revisions (each apply is one), or every version of one object.

    \b
    offerspec history
    offerspec history --object plan/monthly-digital
    """
    _, opened = open_from_args(store, env, must_exist=True)
    try:
        if obj is not None:
            _object_history(opened, obj, fmt)
            return
        revisions = opened.history()
    finally:
        opened.close()
    if fmt == "json":
        click.echo(json.dumps([{"revision": r.number, "time": r.time, "user": r.user,
                                "host": r.host, "catalog_hash": r.catalog_hash,
                                "summary": r.summary} for r in revisions], indent=2))
        return
    if not revisions:
        click.echo("No revisions yet.")
        return
    for r in revisions:
        click.echo(f"{r.number:>5}  {r.time}  {r.user}@{r.host}  {r.summary}")


@click.command()
@click.argument("revision", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@store_options
def show(revision: int, fmt: str, store: str | None, env: str | None) -> None:
    """Show what one revision changed.

    \b
    offerspec show 3
    offerspec show 3 --format json
    """
    from offerspec.diff.changes import from_dict
    from offerspec.render.plan_text import render_change

    _, opened = open_from_args(store, env, must_exist=True)
    try:
        info = opened.revision(revision)
    finally:
        opened.close()
    changes = info.changes or []
    if fmt == "json":
        click.echo(json.dumps({"revision": info.number, "time": info.time, "user": info.user,
                               "host": info.host, "catalog_hash": info.catalog_hash,
                               "summary": info.summary, "changes": changes}, indent=2,
                              ensure_ascii=False))
        return
    click.echo(f"Revision {info.number}  {info.time}  {info.user}@{info.host}\n"
               f"Catalog {info.catalog_hash}\n")
    for raw in changes:
        for line in render_change(from_dict(raw)):
            click.echo(line)
    click.echo(f"\n{info.summary}")


@click.command("force-unlock")
@click.argument("lock_id", metavar="ID")
@store_options
def force_unlock(lock_id: str, store: str | None, env: str | None) -> None:
    """Remove a stale apply lock (only when its holder is really gone)."""
    _, opened = open_from_args(store, env, must_exist=True, writes=True)
    try:
        holder = opened.force_unlock(lock_id)
    finally:
        opened.close()
    click.echo(f"removed {holder.describe()}")
