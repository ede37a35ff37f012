"""``offerspec history``, ``show REVISION`` and ``force-unlock ID``.

Everything shown comes from the store (data): text goes through ``render.safe``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from offerspec.cli.store_options import open_from_args, store_only_options
from offerspec.render import safe

KIND_NAMES = {"product": "products", "plan": "plans", "offer": "offers"}

HISTORY_COLUMNS = ("REVISION", "TIME", "BY", "SOURCE", "SUMMARY")


def table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Aligned columns under their headers, every cell escaped (the last one not padded)."""
    cells = [headers, *(tuple(safe.clean(c) for c in row) for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers) - 1)]
    return ["  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]).rstrip()
            for row in cells]


def source_text(source: dict[str, str]) -> str:
    """Where a revision came from, short: the message, then git commit@branch, then the CI run."""
    parts = []
    if source.get("message"):
        parts.append(repr(source["message"]) if " " in source["message"] else source["message"])
    if source.get("git_commit"):
        branch = source.get("git_branch")
        parts.append(f"git {source['git_commit'][:12]}" + (f" ({branch})" if branch else ""))
    if source.get("ci_run"):
        parts.append(f"ci {source['ci_run']}")
    if source.get("via"):
        parts.append(f"via {source['via']}")
    return ", ".join(parts) or "-"


def _object_history(opened: Any, spec: str, fmt: str) -> None:
    from offerspec.diagnostics import OfferspecError

    kind, _, ident = spec.partition("/")
    kind = KIND_NAMES.get(kind, kind)
    if kind not in KIND_NAMES.values() or not ident:
        raise OfferspecError(f"--object {spec!r}: expected KIND/ID, e.g. plan/monthly-digital",
                             hint="KIND is product, plan or offer")
    versions = list(opened.versions(kind, ident))
    if not versions:
        raise OfferspecError(f"no {spec} in {opened.url}",
                             hint="check the kind and id; a renamed object's history, the "
                                  "versions before the rename included, is under its new id")
    if fmt == "json":
        click.echo(safe.json_text([{"revision": r, "generation": g, "data": d}
                                   for r, g, d in versions]))
        return
    click.echo(safe.text(version_lines(versions)), nl=False)


def version_lines(versions: list[tuple[int, int, dict[str, Any]]]) -> list[str]:
    """Each version as a field diff from the one before (a generation's first version: all of
    its fields, as a create shows them)."""
    from offerspec.diff.changes import FieldChange
    from offerspec.render.plan_text import created_fields, field_lines

    lines: list[str] = []
    previous: dict[int, dict[str, Any]] = {}
    for revision, generation, data in versions:
        lines.append(f"{revision:>5}  v{generation}  {data.get('status', 'active')}")
        before = previous.get(generation)
        if before is None:
            lines.extend(created_fields(data, indent="         "))
        else:
            changed = tuple(FieldChange(k, before.get(k), data.get(k))
                            for k in [*before, *(k for k in data if k not in before)]
                            if before.get(k) != data.get(k))
            currencies = (before.get("currency"), data.get("currency"))
            lines.extend(field_lines(changed, False, "         ", currencies)
                         or ["         (same content)"])
        previous[generation] = data
    return lines


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--object", "obj", metavar="KIND/ID",
              help="Every version of one object instead, e.g. plan/monthly-digital.")
@store_only_options
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
        click.echo(safe.json_text([{"revision": r.number, "time": r.time, "user": r.user,
                                    "host": r.host, "catalog_hash": r.catalog_hash,
                                    "summary": r.summary, "source": _source(r)}
                                   for r in revisions], ascii_only=True))
        return
    if not revisions:
        click.echo("No revisions yet.")
        return
    rows = [(str(r.number), r.time, f"{r.user}@{r.host}", source_text(_source(r)), r.summary)
            for r in revisions]
    click.echo(safe.text(table(HISTORY_COLUMNS, rows)), nl=False)


def _source(info: Any) -> dict[str, str]:
    source = getattr(info, "source", None)  # a store from before sources were recorded: none
    return dict(source) if isinstance(source, dict) else {}


@click.command()
@click.argument("revision", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@store_only_options
def show(revision: int, fmt: str, store: str | None, env: str | None) -> None:
    """Show what one revision changed.

    \b
    offerspec show 3
    offerspec show 3 --format json
    """
    from offerspec.diff.changes import from_dict
    from offerspec.render.plan_text import styled_change

    _, opened = open_from_args(store, env, must_exist=True)
    try:
        info = opened.revision(revision)
    finally:
        opened.close()
    changes = info.changes or []
    if fmt == "json":
        click.echo(safe.json_text({"revision": info.number, "time": info.time, "user": info.user,
                                   "host": info.host, "catalog_hash": info.catalog_hash,
                                   "summary": info.summary, "source": _source(info),
                                   "changes": changes}))
        return
    source = _source(info)
    click.echo(safe.text([f"Revision {info.number}  {info.time}  {info.user}@{info.host}",
                          f"Catalog {info.catalog_hash}",
                          *([f"Source {source_text(source)}"] if source else []), ""]), nl=False)
    body = [line for raw in changes for line in styled_change(from_dict(raw), False)]
    click.echo("\n".join([*body, "", safe.clean(info.summary)]))


@click.command("force-unlock")
@click.argument("lock_id", metavar="ID")
@store_only_options
def force_unlock(lock_id: str, store: str | None, env: str | None) -> None:
    """Remove a stale apply lock (only when its holder is really gone)."""
    _, opened = open_from_args(store, env, must_exist=True, writes=True)
    try:
        holder = opened.force_unlock(lock_id)
    finally:
        opened.close()
    click.echo(safe.clean(f"removed {holder.describe()}"))
