"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def catalog_paths(func: F) -> F:
    """PATH... arguments; default: the current directory's catalog."""
    return click.argument("paths", nargs=-1, type=click.Path())(func)


def strict_option(func: F) -> F:
    return click.option("--strict", is_flag=True, help="Treat warnings as errors.")(func)


def resolve_paths(paths: tuple[str, ...]) -> list[str]:
    """PATH arguments, else the catalog named in offerspec.toml, else the current directory."""
    if paths:
        return list(paths)
    from offerspec.store.url import find_project, load_project

    project_file = find_project()
    project = load_project(project_file) if project_file else None
    return list(project.catalog) if project and project.catalog else ["."]
