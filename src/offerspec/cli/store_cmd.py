"""``offerspec store migrate``: the store's schema migrations (``store copy`` joins the group)."""

from __future__ import annotations

import click

from offerspec.cli.store_options import store_only_options


@click.group()
def store() -> None:
    """Manage the store itself: schema migrations."""


@store.command()
@click.option("--lock-timeout", type=click.FloatRange(0.0, 86400.0), default=30.0,
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
