"""``offerspec history``, ``show REVISION`` and ``force-unlock ID``."""

from __future__ import annotations

import json

import click

from offerspec.cli.store_options import open_from_args, store_options


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@store_options
def history(fmt: str, store: str | None, env: str | None) -> None:
    """List the store's revisions (each apply is one)."""
    _, opened = open_from_args(store, env, must_exist=True)
    try:
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
    """Show what one revision changed."""
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
    _, opened = open_from_args(store, env, must_exist=True)
    try:
        holder = opened.force_unlock(lock_id)
    finally:
        opened.close()
    click.echo(f"removed {holder.describe()}")
