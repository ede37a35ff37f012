"""Where the store is: ``--store URL`` > ``OFFERSPEC_STORE`` > ``offerspec.toml`` > the default.

``offerspec.toml`` sits at the catalog repository's root (found by walking up from the working
directory, stopping at the directory holding ``.git``)::

    catalog = "catalog"                       # default PATH of every command reading a catalog
    store = "sqlite:///.offerspec/store.db"   # relative paths are relative to this file

    [environments.staging]                    # --env staging (catalog and store default to the above)
    store = "sqlite:///.offerspec/staging.db"

URLs: ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` (as SQLAlchemy spells
them) or a plain file path; ``postgresql://USER@HOST:PORT/DB?schema=NAME`` (or ``postgres://``;
store/postgres/target.py). ``https://HOST/PATH`` a platform's plans REST API (the HTTP
store, store/http/; plain ``http://`` only to loopback or with --insecure-http). A password in a URL is never
printed: every URL offerspec shows goes through ``redact`` (``StoreLocation.url`` is redacted,
``StoreLocation.raw`` is what is connected to).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from offerspec.store.base import Store

from offerspec.diagnostics import OfferspecError, docs_url

ENV_VAR = "OFFERSPEC_STORE"
PROJECT_FILE = "offerspec.toml"
DEFAULT_DIR = ".offerspec"
DEFAULT_URL = f"sqlite:///{DEFAULT_DIR}/store.db"
PLANNED_SCHEMES: tuple[str, ...] = ()
POSTGRES_SCHEMES = ("postgresql", "postgres")
HTTP_SCHEMES = ("http", "https")
"""A platform's plans REST API (offerspec.store.http): no file, no local state."""


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
    """The URL as offerspec prints it (``redact``ed)."""
    path: Path | None
    """The SQLite file (None: a server's store, PostgreSQL or a platform over HTTP)."""
    source: str
    """Where the URL came from: --store, OFFERSPEC_STORE, offerspec.toml, default."""
    catalog: tuple[str, ...] = ()
    """The catalog paths the project file names (empty: none)."""
    raw: str | None = None
    """The URL as given, when it differs from ``url`` (a password): connect with it, never
    print it."""

    @property
    def target(self) -> str:
        return self.raw if self.raw is not None else self.url

    @property
    def is_postgres(self) -> bool:
        return self.path is None and scheme_of(self.url) in POSTGRES_SCHEMES


SECRET_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:@/?#]*):(.*)@")
SECRET_PARAM = re.compile(r"([?&][A-Za-z_]*password=)[^&#]*", re.IGNORECASE)


def redact(url: str) -> str:
    """The URL with any password replaced by ``***`` (``user:secret@`` and ``password=``): the
    one form of a store URL offerspec prints, saves in a plan or records."""
    return SECRET_PARAM.sub(r"\1***", SECRET_USERINFO.sub(r"\1:***@", url))


def scheme_of(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    return scheme.lower() if sep else ""


def location(url: str, path: Path | None, source: str, catalog: tuple[str, ...]) -> StoreLocation:
    shown = redact(url)
    return StoreLocation(shown, path, source, catalog, None if shown == url else url)


def find_project(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / PROJECT_FILE
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def _catalog_value(value: Any, path: Path, table: str | None = None) -> tuple[str, ...]:
    """The ``catalog =`` paths (written in ``[table]``, if given), relative to the file."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        key = f"{table}.catalog" if table else "catalog"
        raise OfferspecError(f"{_at(path, 'catalog', table)}: {key} must be a path or a list of "
                             "paths", hint='e.g. catalog = "catalog"')
    return tuple(str(path.parent / v) for v in value)


def _at(path: Path, key: str, table: str | None = None) -> str:
    """``path:line:col`` of the first ``key =`` (after the ``[table]`` header, if given) in the
    file, or of a ``[key]``/``[key.x]`` header at the top: tomllib keeps no positions."""
    header = f"[{table}]"
    quoted = rf"[\"']?{re.escape(key)}[\"']?"
    pattern = rf"^(\s*)(?:{quoted}\s*[=.]" + (rf"|\[\s*{quoted}\s*[.\]])" if table is None else ")")
    return _first_line(path, re.compile(pattern),
                       (lambda line: line.strip().replace(" ", "") == header) if table else None)


def _toml_error_at(path: Path, exc: Exception) -> str:
    """``path:line:col`` of a TOML syntax error (tomllib says "(at line 3, column 5)")."""
    match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    if match:
        return f"{path}:{match.group(1)}:{match.group(2)}"
    if "(at end of document)" in str(exc):
        lines = path.read_text(encoding="utf-8").split("\n")
        return f"{path}:{len(lines)}:{len(lines[-1]) + 1}"
    return f"{path}:1:1"


def _key_hint(key: str, known: list[str], where: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    allowed = f"{where} knows: {', '.join(known)}"
    return f"did you mean '{close[0]}'? ({allowed})" if close else allowed


def _first_line(path: Path, pattern: re.Pattern[str],
                starts: Callable[[str], bool] | None = None) -> str:
    """``path:line:col`` of the first line matching ``pattern`` (its group 1 is the indent),
    after the first line ``starts`` accepts when given; ``path`` alone when there is none."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return str(path)
    inside = starts is None
    for number, line in enumerate(lines, start=1):
        if not inside:
            inside = starts is not None and starts(line)
            continue
        match = pattern.match(line)
        if match:
            return f"{path}:{number}:{len(match.group(1)) + 1}"
    return f"{path}:1:1"


def load_project(path: Path) -> Project:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise OfferspecError(f"{path}:1:1: not UTF-8 text ({exc.reason})",
                             hint="save offerspec.toml as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        raise OfferspecError(f"{_toml_error_at(path, exc)}: not valid TOML: {message}",
                             hint=f"see {docs_url('plan-and-apply.md')} for the format") from exc
    known = {"catalog", "store", "environments"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise OfferspecError(f"{_at(path, unknown[0])}: unknown key(s) {', '.join(unknown)}",
                             hint=_key_hint(unknown[0], sorted(known), "offerspec.toml"))
    store = raw.get("store")
    if store is not None and not isinstance(store, str):
        raise OfferspecError(f"{_at(path, 'store')}: store must be a URL string",
                             hint='e.g. store = "sqlite:///.offerspec/store.db"')
    environments = raw.get("environments", {})
    if not isinstance(environments, dict):
        raise OfferspecError(f"{_at(path, 'environments')}: environments must be tables "
                             "[environments.NAME]",
                             hint='e.g. [environments.staging] store = "sqlite:///staging.db"')
    for name, table in environments.items():
        if not isinstance(table, dict):
            raise OfferspecError(f"{_at(path, name, 'environments')}: environment '{name}' must be a "
                                 f"table [environments.{name}]",
                                 hint=f'e.g. [environments.{name}] store = "sqlite:///{name}.db"')
        extra = sorted(set(table) - {"catalog", "store"})
        if extra:
            raise OfferspecError(f"{_at(path, extra[0], f'environments.{name}')}: [environments.NAME] "
                                 f"tables may only set catalog and store, not {extra[0]}",
                                 hint=_key_hint(extra[0], ["catalog", "store"], f"[environments.{name}]"))
        if not isinstance(table.get("store", ""), str):
            raise OfferspecError(f"{_at(path, 'store', f'environments.{name}')}: store must be a URL "
                                 "string", hint='e.g. store = "sqlite:///.offerspec/staging.db"')
    catalog = _catalog_value(raw["catalog"], path) if "catalog" in raw else ()
    return Project(path, catalog, store, environments)


def url_to_path(url: str, base: Path) -> Path | None:
    """The SQLite file a URL names; relative paths are taken from ``base``. None: a server's
    store (PostgreSQL), whose URL is checked here all the same."""
    scheme, sep, rest = url.partition("://")
    shown = redact(url)
    if not sep:
        if not url.strip():
            raise OfferspecError("empty store URL", hint=f"e.g. --store {DEFAULT_URL}")
        if ":" in url.split("/", maxsplit=1)[0] and len(url.split(":", maxsplit=1)[0]) > 1:
            raise OfferspecError(f"malformed store URL {shown!r}",
                                 hint="use sqlite:///relative/path.db or sqlite:////absolute/path.db")
        path = Path(url)
    elif scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise OfferspecError(f"malformed store URL {shown!r}: a SQLite URL has three slashes "
                                 "and then the file path",
                                 hint="use sqlite:///relative/path.db or sqlite:////absolute/path.db")
        path = Path(rest[1:])
    elif scheme.lower() in HTTP_SCHEMES:
        from offerspec.store.http.config import parse_url

        parse_url(url, insecure_http=True)  # malformed? (plain http is refused when opening)
        return None  # no file: see is_remote
    elif scheme.lower() in POSTGRES_SCHEMES:
        from offerspec.store.postgres.target import parse

        parse(url, shown)
        return None
    elif scheme in PLANNED_SCHEMES:
        raise OfferspecError(f"{scheme} stores are not supported yet ({shown})",
                             hint="use a SQLite store for now: sqlite:///path/to/store.db")
    else:
        raise OfferspecError(f"unknown store URL scheme {scheme!r} in {shown!r}",
                             hint="use sqlite:///path/to/store.db or "
                                  "postgresql://USER@HOST:5432/DB")
    return path if path.is_absolute() else base / path


@dataclass(frozen=True, slots=True)
class Selection:
    """What ``offerspec.toml`` and ``--env`` select, before any store URL is parsed: the one
    place both the catalog commands (validate, compile, test, simulate) and the store commands
    (plan, apply, ...) take the catalog from."""

    project: Project | None
    catalog: tuple[str, ...] = ()
    """The catalog paths named (the environment's, else the top-level ones; empty: none)."""
    store: str | None = None
    store_table: str | None = None
    """The TOML table ``store`` is written in (``environments.NAME``; None: the top level)."""


def select(env: str | None = None, *, cwd: Path | None = None) -> Selection:
    """The project file found from ``cwd`` and the environment ``env`` picks in it.

    ``--env`` without a project file, or naming an environment the file does not define, is a
    user error (located in the file, with a did-you-mean)."""
    project_file = find_project(cwd or Path.cwd())
    project = load_project(project_file) if project_file else None
    if env is None:
        return Selection(project, project.catalog if project else (),
                         project.store if project else None)
    if project is None:
        raise OfferspecError(f"--env {env}: no {PROJECT_FILE} found",
                             hint=f"environments are defined in {PROJECT_FILE} at the repo root, "
                                  f"as [environments.{env}]")
    if env not in project.environments:
        raise _unknown_environment(project, env)
    section = project.environments[env]
    catalog = (_catalog_value(section["catalog"], project.path, f"environments.{env}")
               if "catalog" in section else project.catalog)
    if "store" in section:
        return Selection(project, catalog, section["store"], f"environments.{env}")
    return Selection(project, catalog, project.store)


def _unknown_environment(project: Project, env: str) -> OfferspecError:
    import difflib

    names = sorted(project.environments)
    if not names:
        return OfferspecError(f"{project.path}:1:1: --env {env}: no environments are defined",
                              hint=f"add an [environments.{env}] table (with its catalog "
                                   "and/or store), or drop --env")
    close = difflib.get_close_matches(env, names, n=1, cutoff=0.6) or [
        name for name in names if env and (name.startswith(env) or env.startswith(name))][:1]
    known = f"defined environments: {', '.join(names)}"
    return OfferspecError(f"{_at_environments(project.path)}: --env {env}: no such environment",
                          hint=f"did you mean '{close[0]}'? {known}" if close else known)


def _at_environments(path: Path) -> str:
    """``path:line:col`` of the first line defining environments (``[environments.NAME]``)."""
    return _first_line(path, re.compile(
        r"^(\s*)(\[\s*[\"']?environments[\"']?\s*[.\]]|[\"']?environments[\"']?\s*[.=])"))


def catalog_for(paths: tuple[str, ...] | list[str], catalog: tuple[str, ...]) -> list[str]:
    """PATH arguments win; else the catalog ``offerspec.toml`` names; else the current directory."""
    if paths:
        return list(paths)
    return list(catalog) if catalog else ["."]


def resolve_catalog(paths: tuple[str, ...] | list[str] = (), env: str | None = None, *,
                    cwd: Path | None = None) -> list[str]:
    """The catalog paths a command reads: PATH, else ``--env``'s catalog, else the top-level
    one, else ``.``. ``--env`` is checked even when PATH wins: a misspelt name is an error."""
    return catalog_for(paths, select(env, cwd=cwd).catalog)


def resolve_store(store: str | None = None, env: str | None = None, *,
                  cwd: Path | None = None) -> StoreLocation:
    cwd = cwd or Path.cwd()
    selection = select(env, cwd=cwd)
    project, catalog = selection.project, selection.catalog
    if store is not None:
        return location(store, url_to_path(store, cwd), "--store", catalog)
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return location(from_env, url_to_path(from_env, cwd), ENV_VAR, catalog)
    root = project.root if project else cwd
    if selection.store is not None:
        assert project is not None
        try:
            path = url_to_path(selection.store, root)
        except OfferspecError as exc:  # say where the bad URL is written
            raise OfferspecError(
                f"{_at(project.path, 'store', selection.store_table)}: {exc.message}",
                hint=exc.hint) from exc
        return location(selection.store, path, PROJECT_FILE, catalog)
    return location(DEFAULT_URL, url_to_path(DEFAULT_URL, root), "default", catalog)


def is_remote(url: str) -> bool:
    """An HTTP store: no file, never "new" (a platform exists before the first apply)."""
    scheme, sep, _ = url.partition("://")
    return bool(sep) and scheme.lower() in HTTP_SCHEMES


def creatable_directory(location: StoreLocation) -> bool:
    """Whether the first apply may create the store's directory, or it exists already."""
    if location.path is None:
        return True
    parent = location.path.parent
    return (parent.is_dir() or location.source == "default"
            or (parent.name == DEFAULT_DIR and parent.parent.is_dir()))


def store_is_new(location: StoreLocation) -> bool:
    """No store yet at ``location`` (no file, or an empty one; an empty PostgreSQL schema): the
    first apply creates it. A store directory that could not be created is an error, as when
    opening the store; so is a server that cannot be reached."""
    if is_remote(location.url):
        return False
    if location.path is None:
        from offerspec.store.postgres.store import store_exists

        return not store_exists(_postgres_target(location))
    if location.path.is_file() and location.path.stat().st_size > 0:
        return False
    if not creatable_directory(location):
        raise OfferspecError(f"store directory {location.path.parent} does not exist "
                             f"({location.url})",
                             hint="create it, or point --store / OFFERSPEC_STORE elsewhere")
    return True


def where(location: StoreLocation) -> str:
    """How a message names the store: the SQLite file and its URL, or the server's URL."""
    if location.path is None:
        return location.url
    return f"{location.path} ({location.url})"


def _postgres_target(location: StoreLocation) -> Any:
    from offerspec.store.postgres.target import parse

    return parse(location.target, location.url)


def open_store(location: StoreLocation, *, lock_wait: float = 30.0,
               writable: bool = True, create: bool = True, migrating: bool = False) -> Store:
    """Open (creating if needed, unless ``create=False``) the store at ``location``.
    ``writable=False``: the caller only reads, and a store it may not write is opened
    read-only (PostgreSQL: in read-only transactions). ``migrating``: for ``store migrate``."""
    if is_remote(location.url):
        from offerspec.store.http.store import HttpStore

        return HttpStore.open(location.target)
    if location.path is None:
        from offerspec.store.postgres import PostgresStore

        return PostgresStore(_postgres_target(location), writable=writable, create=create,
                             migrating=migrating, lock_wait=lock_wait)
    from offerspec.store.sqlite import SQLiteStore

    if not location.path.parent.is_dir() and creatable_directory(location):
        # offerspec's own directory (the default one, or e.g. `sqlite:///.offerspec/staging.db`
        # in offerspec.toml) is created when needed; any other directory must exist, so that a
        # typo in a path does not quietly start an empty store somewhere else.
        location.path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteStore(location.path, location.url, busy_timeout=max(lock_wait, 5.0),
                       writable=writable, migrating=migrating)
