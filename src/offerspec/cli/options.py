"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

ENV_HELP = "Environment from offerspec.toml ([environments.NAME]): its catalog when no PATH is given."
ENV_STORE_HELP = ("Environment from offerspec.toml ([environments.NAME]): its store, and its "
                  "catalog when no PATH is given.")


def catalog_paths(func: F) -> F:
    """PATH... arguments; default: the current directory's catalog."""
    return click.argument("paths", nargs=-1, type=click.Path())(func)


def env_option(func: F, *, help_text: str = ENV_HELP) -> F:
    """``--env NAME``, the same option on every command that reads a catalog or a store."""
    return click.option("--env", "env", metavar="NAME", help=help_text)(func)


def strict_option(func: F) -> F:
    return click.option("--strict", is_flag=True, help="Treat warnings as errors.")(func)


def resolve_paths(paths: tuple[str, ...], env: str | None = None) -> list[str]:
    """PATH arguments, else the catalog of ``--env`` / offerspec.toml, else the current
    directory (``offerspec.store.url.resolve_catalog``, which plan and apply use too)."""
    from offerspec.store.url import resolve_catalog

    return resolve_catalog(paths, env)


class FiniteFloat(click.FloatRange):
    """The one type of every number option: a finite float (``nan``, ``inf``, ``1e999`` are
    usage errors, exit 2), within ``min``..``max`` when given. ``nan`` passes every range
    comparison, so ``click.FloatRange`` alone lets it through."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import math

        try:
            number = float(value)
        except (TypeError, ValueError):
            return super().convert(value, param, ctx)  # click's "is not a valid number"
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return super().convert(number, param, ctx)
