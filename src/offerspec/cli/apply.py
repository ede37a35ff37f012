"""``offerspec apply``: apply the catalog (after confirmation) or exactly a saved plan."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from offerspec.cli.interrupts import Interrupted, finished, signal_of
from offerspec.cli.options import FiniteFloat, catalog_paths, strict_option
from offerspec.cli.plan import no_color_option, stdout_colour
from offerspec.cli.store_options import (
    catalog_args,
    echo_warnings,
    open_from_args,
    safety_options,
    stdin_is_tty,
    store_options,
)
from offerspec.diagnostics import OfferspecError
from offerspec.render.safe import clean

if TYPE_CHECKING:
    from offerspec.store.base import LockInfo

PROGRESS_FROM = 1000
"""Applies with at least this many changes report progress on stderr."""


class _Progress:
    """``applying: 2000/20000 changes written`` on stderr: rewritten in place on a terminal, one
    line a batch (every 2,000 changes) otherwise, so CI logs stay short."""

    def __init__(self) -> None:
        self.in_place = _stderr_is_tty()
        self.open_line = False

    def __call__(self, done: int, total: int) -> None:
        text = f"applying: {done}/{total} changes written"
        if self.in_place:
            click.echo(f"\r{text}", nl=done >= total, err=True)
            self.open_line = done < total
        else:
            click.echo(text, err=True)

    def end_line(self) -> None:
        """After an interruption, the next message starts on a line of its own."""
        if self.open_line:
            click.echo("", err=True)
            self.open_line = False


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _waiting(timeout: float) -> Callable[[LockInfo], None]:
    def say(holder: LockInfo) -> None:
        click.echo(clean(f"waiting up to {timeout:g}s for the store's {holder.describe()}"),
                   err=True)

    return say


def _confirm(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not stdin_is_tty():
        raise OfferspecError("refusing to apply without confirmation: there is no terminal to ask",
                             hint="pass --auto-approve, or review a saved plan "
                                  "(offerspec plan --out plan.json) and apply it with --plan")
    if not _ask("Apply these changes?"):
        raise OfferspecError("apply cancelled, nothing was changed")


def _ask(question: str) -> bool:
    """y/N on the terminal. Ctrl-D is a no; Ctrl-C is an interrupt (exit 130, nothing changed),
    not click.confirm's "Aborted!" with exit 1."""
    while True:
        click.echo(f"{question} [y/N]: ", nl=False, err=True)
        try:
            answer = input().strip().lower()
        except EOFError:
            click.echo(err=True)
            return False
        except KeyboardInterrupt:
            click.echo(err=True)  # end the prompt's line before "interrupted"
            raise
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        click.echo("Please answer y or n.", err=True)


PLAN_TIME_OPTIONS = ("allow_destroy", "max_archive_share", "delete_removed", "strict")
"""Options that shape a plan: a saved plan keeps those it was made with."""


def _refuse_plan_time_options() -> None:
    """``--plan FILE`` with an option that would change the plan is a usage error (exit 2), not
    silently ignored: the saved plan is applied exactly as reviewed (as Terraform does)."""
    ctx = click.get_current_context()
    given = [name for name in PLAN_TIME_OPTIONS
             if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise click.UsageError(
            f"{flags} cannot be used with --plan: a saved plan is applied exactly as it was made "
            f"(make it again with the option: offerspec plan {flags.split(',')[0]} ... --out FILE)")


def _refuse_before_creating_a_store(saved: Any, store: str | None, env: str | None) -> None:
    """Where there is no store yet, a saved plan made for another store is refused before
    opening (which would create an empty store as a side effect of a refused apply)."""
    from offerspec.store.base import new_store_snapshot
    from offerspec.store.url import resolve_store, store_is_new
    from offerspec.workflow import check_saved_plan

    location = resolve_store(store, env)
    if store_is_new(location):
        check_saved_plan(saved, new_store_snapshot(location.url))


def _apply(opened: Any, changeset: Any, source: dict[str, str]) -> int:
    from offerspec.workflow import apply as apply_changeset

    progress = _Progress() if len(changeset.changes) >= PROGRESS_FROM else None
    try:
        revision = apply_changeset(opened, changeset, progress=progress, source=source)
        click.echo(f"Applied revision {revision}: {changeset.summary()}")
    except KeyboardInterrupt as exc:
        if progress is not None:
            progress.end_line()
        raise _interrupted_applying(exc, opened, changeset) from None
    return revision


def _interrupted_applying(exc: KeyboardInterrupt, opened: Any, changeset: Any) -> Interrupted:
    """Say what is true: the interrupt may have come after the commit. We hold the lock, so a
    newer revision than the plan's is ours."""
    signum = signal_of(exc)
    try:
        revision = opened.current_revision()
    except Exception:  # noqa: BLE001 - say what we know rather than crash while interrupted
        return Interrupted(signum, "it is not known whether the apply was committed: "
                                   "offerspec history shows it")
    if revision > changeset.base_revision:
        return Interrupted(signum, f"the apply had already been committed as revision "
                                   f"{revision}: {changeset.summary()}")
    return Interrupted(signum, NOTHING_APPLIED)


NOTHING_APPLIED = "nothing was applied"


@click.command()
@catalog_paths
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False),
              help="Apply exactly this saved plan (refused if the store changed since).")
@click.option("--message", "-m", "message", metavar="TEXT",
              help="Why: recorded with the revision (offerspec history shows it).")
@click.option("--lock-timeout", type=FiniteFloat(0.0), default=10.0, show_default=True,
              metavar="SECONDS", help="How long to wait for another apply's lock.")
@no_color_option
@store_options
@safety_options
@strict_option
def apply(*, paths: tuple[str, ...], auto_approve: bool, plan_file: str | None, lock_timeout: float,
          message: str | None, no_color: bool, store: str | None, env: str | None, allow_destroy: bool,
          max_archive_share: float, delete_removed: bool, strict: bool) -> None:
    """Apply the catalog to the store: one transaction, under the store's lock.

    \b
    offerspec apply                            # shows the plan, asks y/N
    offerspec apply --auto-approve             # CI: no question
    offerspec apply --plan plan.json           # exactly a reviewed plan (refused if stale)
    """
    from offerspec.diff.safety import PlanOptions
    from offerspec.render.plan_text import render_text
    from offerspec.workflow import check_saved_plan, load_desired, plan

    if plan_file is not None and paths:
        raise click.UsageError("pass either PATH... or --plan FILE, not both")
    if plan_file is not None:
        _refuse_plan_time_options()
    saved = None
    if plan_file is not None:
        from offerspec.render.plan_json import load_plan

        saved = load_plan(Path(plan_file))
        _refuse_before_creating_a_store(saved, store, env)
    location, opened = open_from_args(store, env, lock_wait=lock_timeout, writes=True)
    applied: int | None = None
    try:
        try:
            if saved is None:
                catalog, diagnostics = load_desired(catalog_args(paths, location.catalog),
                                                    strict=strict, freeze_gc=True)
                echo_warnings(diagnostics)
            with opened.lock(lock_timeout, on_wait=_waiting(lock_timeout)):
                snapshot = opened.snapshot()
                if saved is not None:
                    changeset = check_saved_plan(saved, snapshot)
                else:
                    options = PlanOptions(delete_removed, allow_destroy, max_archive_share)
                    changeset = plan(catalog, snapshot, options)
                colour = stdout_colour(no_color)
                click.echo(render_text(changeset, colour=colour), nl=False, color=colour)
                if changeset.empty:
                    return
                if saved is None:
                    _confirm(auto_approve)
                from offerspec.source import revision_source

                catalog_dir = (Path(plan_file).resolve() if plan_file is not None else
                               Path(catalog_args(paths, location.catalog)[0]).resolve())
                applied = _apply(opened, changeset, revision_source(message, catalog_dir))
        finally:
            opened.close()  # the last connection checkpoints the WAL: it takes a moment too
        if applied is not None:
            finished()  # a signal from now on comes too late to stop anything: exit 0
    except KeyboardInterrupt as exc:
        if isinstance(exc, Interrupted) and exc.outcome:
            raise
        if applied is not None:  # while releasing the lock or closing the store
            raise Interrupted(signal_of(exc), f"revision {applied} was applied") from None
        # Before anything was written: loading, waiting for the lock, at the prompt.
        raise Interrupted(signal_of(exc), NOTHING_APPLIED) from None
