"""``offerspec store migrate``: the store's schema migrations (``store copy`` joins the group)."""

from __future__ import annotations

import click

from offerspec.cli.options import FiniteFloat
from offerspec.cli.store_options import store_only_options


@click.group()
def store() -> None:
    """Manage the store itself: schema migrations."""


@store.command()
@click.option("--lock-timeout", type=FiniteFloat(0.0, 86400.0), default=30.0,
              show_default=True, help="Seconds to wait for a running apply.")
@store_only_options
def migrate(lock_timeout: float, store: str | None, env: str | None) -> None:
    """Upgrade the store's layout to this offerspec's (back it up first).

    \b
    offerspec store migrate --store sqlite:///.offerspec/store.db
    """
    from offerspec.diagnostics import OfferspecError
    from offerspec.store.sqlite import SQLiteStore
    from offerspec.store.url import resolve_store

    location = resolve_store(store, env)
    if not location.path.is_file() or location.path.stat().st_size == 0:
        raise OfferspecError(f"no store at {location.path} ({location.url}, from "
                             f"{location.source})", hint="nothing to migrate: point --store / "
                                                         "--env / OFFERSPEC_STORE at the store")
    opened = SQLiteStore(location.path, location.url, busy_timeout=max(lock_timeout, 5.0),
                         migrating=True)
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
