"""``offerspec plan``: what apply would change, for review."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from offerspec.cli.options import catalog_paths, strict_option
from offerspec.cli.store_options import (
    catalog_args,
    echo_warnings,
    safety_options,
    store_options,
    with_plan_lines,
)
from offerspec.diagnostics import OfferspecError

if TYPE_CHECKING:
    from offerspec.diff.changeset import ChangeSet
    from offerspec.diff.safety import PlanOptions
    from offerspec.store.base import Snapshot
    from offerspec.store.url import StoreLocation

EXIT_CHANGES = 2


class _UsageErrorExitingOne(click.UsageError):
    exit_code = 1


class DetailedExitCommand(click.Command):
    """With --detailed-exitcode, exit 2 means "changes": a usage error must then exit 1, not 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        detailed = "--detailed-exitcode" in args  # before parsing: it consumes ``args``
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if detailed:
                raise _UsageErrorExitingOne(exc.format_message(), exc.ctx) from None
            raise


def render(changeset: Any, fmt: str, *, colour: bool = False) -> str:
    if fmt == "json":
        from offerspec.render.plan_json import render_json

        return render_json(changeset)
    if fmt == "markdown":
        from offerspec.render.plan_markdown import render_markdown

        return render_markdown(changeset)
    from offerspec.render.plan_text import render_text

    return render_text(changeset, colour=colour)


def no_color_option(func: Any) -> Any:
    return click.option("--no-color", "no_color", is_flag=True,
                        help="No colour (nor with NO_COLOR set, nor when not a terminal).")(func)


def stdout_colour(no_color: bool) -> bool:
    import sys

    from offerspec.render.safe import colour_wanted

    return colour_wanted(sys.stdout, no_color=no_color)


def _markdown_refusal(exc: OfferspecError) -> str:
    """Why there is no plan, as a pull-request comment (the errors still go to stderr)."""
    from offerspec.diagnostics import DiagnosticsError
    from offerspec.render.plan_markdown import render_markdown_error, render_markdown_errors

    if isinstance(exc, DiagnosticsError):
        return render_markdown_errors(exc.diagnostics)
    return render_markdown_error(exc.message, exc.hint)


@click.command(cls=DetailedExitCommand)
@catalog_paths
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="markdown: a pull-request comment.")
@click.option("--out", type=click.Path(dir_okay=False), help="Save the plan (JSON) for apply --plan.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when there are no changes, 2 when there are, 1 on error.")
@no_color_option
@store_options
@safety_options
@strict_option
def plan(*, paths: tuple[str, ...], fmt: str, out: str | None, detailed_exitcode: bool,
         no_color: bool, store: str | None, env: str | None, allow_destroy: bool,
         max_archive_share: float, delete_removed: bool, strict: bool) -> None:
    """Show what apply would change: + create, ~ update, -/+ replace, - archive, drift marked.

    \b
    offerspec plan                             # catalog and store from offerspec.toml
    offerspec plan --env production --out plan.json
    offerspec plan --format markdown > plan.md # a pull-request comment
    """
    from offerspec.diff.safety import PlanOptions, check_safety

    options = PlanOptions(delete_removed, allow_destroy, max_archive_share)
    try:
        changeset, snapshot = _make_plan(paths, store, env, options, strict)
    except OfferspecError as exc:
        if fmt == "markdown":
            click.echo(_markdown_refusal(exc), nl=False)
        raise
    colour = fmt == "text" and stdout_colour(no_color)
    rendered = render(changeset, fmt, colour=colour)
    if fmt != "json":
        rendered = with_plan_lines(rendered, snapshot, changeset, markdown=fmt == "markdown")
    click.echo(rendered, nl=False, color=colour)
    check_safety(changeset.changes, snapshot, options)
    if out is not None:
        from offerspec.cli.validate import write_atomically
        from offerspec.render.plan_json import render_json

        write_atomically(Path(out), render_json(changeset))
        click.echo(f"saved the plan to {out}; apply exactly it with: offerspec apply --plan {out}",
                   err=True)
    if detailed_exitcode and not changeset.empty:
        raise SystemExit(EXIT_CHANGES)


def _make_plan(paths: tuple[str, ...], store: str | None, env: str | None, options: PlanOptions,
               strict: bool) -> tuple[ChangeSet, Snapshot]:
    from offerspec.store.base import new_store_snapshot
    from offerspec.store.url import resolve_store, store_is_new
    from offerspec.workflow import load_desired
    from offerspec.workflow import plan as make_plan

    # A plan only reads: before the first apply there is no store, and plan does not create one
    # (a mistyped --store must not leave an empty store behind).
    location = resolve_store(store, env)
    new = store_is_new(location)
    catalog, diagnostics = load_desired(catalog_args(paths, location.catalog), strict=strict,
                                        freeze_gc=True)
    echo_warnings(diagnostics)
    snapshot = new_store_snapshot(location.url) if new else _read_snapshot(location)
    return make_plan(catalog, snapshot, options, check=False), snapshot


def _read_snapshot(location: StoreLocation) -> Snapshot:
    from offerspec.store.url import open_store

    opened = open_store(location, writable=False)
    try:
        return opened.snapshot()
    finally:
        opened.close()
