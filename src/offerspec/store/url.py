"""Where the store is: ``--store URL`` > ``OFFERSPEC_STORE`` > ``offerspec.toml`` > the default.

``offerspec.toml`` sits at the catalog repository's root (found by walking up from the working
directory, stopping at the directory holding ``.git``)::

    catalog = "catalog"                       # default PATH for plan/apply/validate
    store = "sqlite:///.offerspec/store.db"   # relative paths are relative to this file

    [environments.staging]
    store = "sqlite:///.offerspec/staging.db"

URLs: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` (as SQLAlchemy spells
them) or a plain file path. PostgreSQL and HTTP stores are planned, not built.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from offerspec.store.base import Store

from offerspec.diagnostics import OfferspecError

ENV_VAR = "OFFERSPEC_STORE"
PROJECT_FILE = "offerspec.toml"
DEFAULT_DIR = ".offerspec"
DEFAULT_URL = f"sqlite:///{DEFAULT_DIR}/store.db"
PLANNED_SCHEMES = ("postgresql", "postgres", "http", "https")


@dataclass(frozen=True, slots=True)
class Project:
    """A parsed ``offerspec.toml``."""

    path: Path
    catalog: tuple[str, ...] = ()
    store: str | None = None
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent


@dataclass(frozen=True, slots=True)
class StoreLocation:
    url: str
    path: Path
    source: str
    """Where the URL came from: --store, OFFERSPEC_STORE, offerspec.toml, default."""
    catalog: tuple[str, ...] = ()
    """The catalog paths the project file names (empty: none)."""


def find_project(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / PROJECT_FILE
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def _catalog_value(value: Any, where: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OfferspecError(f"{path}: {where}catalog must be a path or a list of paths",
                             hint='e.g. catalog = "catalog"')
    return tuple(str(path.parent / v) for v in value)


def _at(path: Path, key: str, table: str | None = None) -> str:
    """``path:line:col`` of the first ``key =`` (after the ``[table]`` header, if given) in the
    file: tomllib keeps no positions."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return str(path)
    pattern = re.compile(rf"^(\s*)[\"']?{re.escape(key)}[\"']?\s*=")
    inside = table is None
    for number, line in enumerate(lines, start=1):
        if not inside:
            inside = line.strip().replace(" ", "") == f"[{table}]"
            continue
        match = pattern.match(line)
        if match:
            return f"{path}:{number}:{len(match.group(1)) + 1}"
    return str(path)


def load_project(path: Path) -> Project:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise OfferspecError(f"{path}: not valid TOML: {exc}",
                             hint="see docs/plan-and-apply.md for the offerspec.toml format") from exc
    known = {"catalog", "store", "environments"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise OfferspecError(f"{_at(path, unknown[0])}: unknown key(s) {', '.join(unknown)}",
                             hint=f"offerspec.toml knows: {', '.join(sorted(known))}")
    store = raw.get("store")
    if store is not None and not isinstance(store, str):
        raise OfferspecError(f"{_at(path, 'store')}: store must be a URL string",
                             hint='e.g. store = "sqlite:///.offerspec/store.db"')
    environments = raw.get("environments", {})
    if not isinstance(environments, dict) or not all(
            isinstance(v, dict) and set(v) <= {"catalog", "store"}
            and isinstance(v.get("store", ""), str) for v in environments.values()):
        bad = sorted(k for v in environments.values() if isinstance(v, dict) for k in v
                     if k not in {"catalog", "store"} or not isinstance(v.get("store", ""), str)
                     ) if isinstance(environments, dict) else []
        where = _at(path, bad[0]) if bad else str(path)
        raise OfferspecError(f"{where}: [environments.NAME] tables may only set catalog and store",
                             hint='e.g. [environments.staging] store = "sqlite:///staging.db"')
    catalog = _catalog_value(raw["catalog"], "", path) if "catalog" in raw else ()
    return Project(path, catalog, store, environments)


def url_to_path(url: str, base: Path) -> Path:
    """The SQLite file a URL names; relative paths are taken from ``base``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        if not url.strip():
            raise OfferspecError("empty store URL", hint=f"e.g. --store {DEFAULT_URL}")
        if ":" in url.split("/", maxsplit=1)[0] and len(url.split(":", maxsplit=1)[0]) > 1:
            raise OfferspecError(f"malformed store URL {url!r}",
                                 hint="use sqlite:///relative/path.db or sqlite:////absolute/path.db")
        path = Path(url)
    elif scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise OfferspecError(f"malformed store URL {url!r}: a SQLite URL has three slashes "
                                 "and then the file path",
                                 hint="use sqlite:///relative/path.db or sqlite:////absolute/path.db")
        path = Path(rest[1:])
    elif scheme in PLANNED_SCHEMES:
        raise OfferspecError(f"{scheme} stores are not supported yet ({url})",
                             hint="use a SQLite store for now: sqlite:///path/to/store.db")
    else:
        raise OfferspecError(f"unknown store URL scheme {scheme!r} in {url!r}",
                             hint="use sqlite:///path/to/store.db")
    return path if path.is_absolute() else base / path


def resolve_store(store: str | None = None, env: str | None = None, *,
                  cwd: Path | None = None) -> StoreLocation:
    cwd = cwd or Path.cwd()
    project_file = find_project(cwd)
    project = load_project(project_file) if project_file else None
    catalog: tuple[str, ...] = project.catalog if project else ()
    project_store = project.store if project else None
    store_table: str | None = None  # where project_store is written
    if env is not None:
        if project is None:
            raise OfferspecError(f"--env {env}: no {PROJECT_FILE} found",
                                 hint=f"environments are defined in {PROJECT_FILE} at the repo root")
        if env not in project.environments:
            known = ", ".join(sorted(project.environments)) or "none"
            raise OfferspecError(f"--env {env}: no such environment in {project.path}",
                                 hint=f"defined environments: {known}")
        section = project.environments[env]
        project_store = section.get("store", project_store)
        if "store" in section:
            store_table = f"environments.{env}"
        if "catalog" in section:
            catalog = _catalog_value(section["catalog"], f"environments.{env}.", project.path)
    if store is not None:
        return StoreLocation(store, url_to_path(store, cwd), "--store", catalog)
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return StoreLocation(from_env, url_to_path(from_env, cwd), ENV_VAR, catalog)
    root = project.root if project else cwd
    if project_store is not None:
        assert project is not None
        try:
            path = url_to_path(project_store, root)
        except OfferspecError as exc:  # say where the bad URL is written
            raise OfferspecError(f"{_at(project.path, 'store', store_table)}: {exc.message}",
                                 hint=exc.hint) from exc
        return StoreLocation(project_store, path, PROJECT_FILE, catalog)
    return StoreLocation(DEFAULT_URL, url_to_path(DEFAULT_URL, root), "default", catalog)


def open_store(location: StoreLocation, *, lock_wait: float = 30.0,
               writable: bool = True) -> Store:
    """Open (creating if needed) the store at ``location``. ``writable=False``: the caller only
    reads, and a store it may not write is opened read-only."""
    from offerspec.store.sqlite import SQLiteStore

    if location.source == "default":
        location.path.parent.mkdir(parents=True, exist_ok=True)
    elif location.path.parent.name == DEFAULT_DIR and location.path.parent.parent.is_dir():
        # offerspec's own directory (e.g. `store = "sqlite:///.offerspec/staging.db"` in
        # offerspec.toml) is created like the default one; any other directory must exist, so
        # that a typo in a path does not quietly start an empty store somewhere else.
        location.path.parent.mkdir(exist_ok=True)
    return SQLiteStore(location.path, location.url, busy_timeout=max(lock_wait, 5.0),
                       writable=writable)
