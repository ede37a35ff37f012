"""``offerspec store migrate`` (the store's schema migrations) and ``offerspec store copy`` (a
catalog with its whole history into a new store)."""

from __future__ import annotations

from typing import Any

import click

from offerspec.cli.options import FiniteFloat, env_option
from offerspec.cli.store_options import store_only_options

COPY_PROGRESS_FROM = 1000
"""Copies of at least this many versions report progress on stderr."""


@click.group()
def store() -> None:
    """Manage the store itself: schema migrations, copies between stores."""


@store.command()
@click.option("--lock-timeout", type=FiniteFloat(0.0, 86400.0), default=30.0,
              show_default=True, help="Seconds to wait for a running apply.")
@store_only_options
def migrate(lock_timeout: float, store: str | None, env: str | None) -> None:
    """Upgrade the store's layout to this offerspec's (back it up first).

    \b
    offerspec store migrate --store sqlite:///.offerspec/store.db
    offerspec store migrate --store postgresql://offerspec@db.internal/catalog
    """
    from offerspec.diagnostics import OfferspecError
    from offerspec.store.url import open_store, resolve_store, store_is_new, where

    location = resolve_store(store, env)
    if store_is_new(location):
        raise OfferspecError(f"no store at {where(location)}, from {location.source}",
                             hint="nothing to migrate: point --store / --env / OFFERSPEC_STORE "
                                  "at the store")
    opened = open_store(location, lock_wait=lock_timeout, create=False, migrating=True)
    try:
        with opened.lock(lock_timeout):
            ran = opened.migrate()
    finally:
        opened.close()
    if not ran:
        click.echo(f"{location.url}: already current; nothing to migrate.")
        return
    for name in ran:
        click.echo(f"migrated to schema version {name}")


@store.command()
@click.option("--from", "source", metavar="URL",
              help="The store to copy (else --env's store, $OFFERSPEC_STORE, offerspec.toml, "
                   "the default).")
@click.option("--to", "target", metavar="URL", required=True,
              help="The new store: one that does not exist yet, or holds no revision.")
@click.option("--lock-timeout", type=FiniteFloat(0.0, 86400.0), default=30.0,
              show_default=True, help="Seconds to wait for the target's apply lock.")
@env_option
def copy(source: str | None, target: str, lock_timeout: float, env: str | None) -> None:
    """Copy a store with its whole history (revisions, versions, object numbers) into a new one.

    \b
    offerspec store copy --from sqlite:///.offerspec/store.db --to sqlite:///copy.db
    """
    from offerspec.cli.interrupts import Interrupted, finished, signal_of
    from offerspec.store.copy import copy_store
    from offerspec.store.url import resolve_store

    from_location = resolve_store(source, env)
    to_location = resolve_store(target)
    try:
        done = copy_store(from_location, to_location, lock_timeout=lock_timeout,
                          progress=_progress)
    except KeyboardInterrupt as exc:
        raise Interrupted(signal_of(exc), interrupted_outcome(to_location)) from None
    finished()
    click.echo(f"Copied {done.source} to {done.target}: {done.revisions} revision(s), "
               f"{done.objects} object(s), {done.versions} version(s) in {done.seconds:.1f}s.")


def _progress(done: int, total: int) -> None:
    if total >= COPY_PROGRESS_FROM:
        click.echo(f"copying: {done}/{total} versions written", err=True)


def interrupted_outcome(location: Any) -> str:
    """What an interrupt left of the copy: the load is one transaction, so all or nothing."""
    from offerspec.store.copy import holds_revisions

    try:
        complete = holds_revisions(location)
    except Exception:  # noqa: BLE001 - say what we know rather than crash while interrupted
        return f"whether the copy completed is not known: offerspec history --store " \
               f"{location.url} shows it"
    if complete:
        return "the copy had already completed"
    return "nothing was copied: the target is as it was"
