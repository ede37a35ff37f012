"""Options shared by the commands that talk to a store (plan, apply, history, pull, ...)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from offerspec.cli.options import ENV_STORE_HELP, FiniteFloat, env_option
from offerspec.diff.defaults import DEFAULT_MAX_ARCHIVE_SHARE

if TYPE_CHECKING:
    from offerspec.store.base import Store
    from offerspec.store.url import StoreLocation

F = TypeVar("F", bound=Callable[..., Any])


def store_options(func: F) -> F:
    """--env and --store, for a command that also reads a catalog (PATH)."""
    return _store_option(env_option(func, help_text=ENV_STORE_HELP))


def store_only_options(func: F) -> F:
    """--env and --store, for a command that takes no PATH (history, show, pull, export)."""
    return _store_option(env_option(
        func, help_text="Environment from offerspec.toml ([environments.NAME]): its store."))


def _store_option(func: F) -> F:
    return click.option("--store", "store", metavar="URL",
                        help="Store URL, e.g. sqlite:///.offerspec/store.db "
                             "(else $OFFERSPEC_STORE, offerspec.toml, the default).")(func)


def safety_options(func: F) -> F:
    func = click.option("--delete-removed", is_flag=True,
                        help="Hard-delete objects that are absent from the catalog and already "
                             "archived (never referenced ones).")(func)
    func = click.option("--max-archive-share", type=FiniteFloat(0.0, 1.0),
                        default=DEFAULT_MAX_ARCHIVE_SHARE, show_default=True,
                        help="Refuse a plan archiving more than this share of live objects.")(func)
    return click.option("--allow-destroy", is_flag=True,
                        help="Allow a plan that archives every live object or more than "
                             "--max-archive-share of them.")(func)


def open_from_args(store: str | None, env: str | None, *, lock_wait: float = 30.0,
                   must_exist: bool = False, writes: bool = False) -> tuple[StoreLocation, Store]:
    """(location, opened store) for --store/--env. ``must_exist``: refuse to create the store.
    ``writes``: the command writes (apply, force-unlock); the others can read a store they may
    not write."""
    from offerspec.diagnostics import OfferspecError
    from offerspec.store.url import open_store, resolve_store

    location = resolve_store(store, env)
    if must_exist and location.path is not None and not location.path.exists():
        raise OfferspecError(f"no store at {location.path} ({location.url}, from {location.source})",
                             hint="apply a catalog first, or point --store / --env / "
                                  "OFFERSPEC_STORE at the store")
    return location, open_store(location, lock_wait=lock_wait, writable=writes,
                                create=not must_exist)


def catalog_args(paths: tuple[str, ...], catalog: tuple[str, ...]) -> list[str]:
    """PATH arguments, else the catalog ``resolve_store`` took from offerspec.toml / --env, else
    the current directory: the same rule as ``resolve_paths`` (validate, test, ...)."""
    from offerspec.store.url import catalog_for

    return catalog_for(paths, catalog)


def stdin_is_tty() -> bool:
    return sys.stdin.isatty()


def echo_warnings(diagnostics: list[Any]) -> None:
    if diagnostics:
        from offerspec.render.diagnostics import render_text

        click.echo(render_text(diagnostics), nl=False, err=True)
