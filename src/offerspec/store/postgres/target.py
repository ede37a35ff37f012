"""Where a PostgreSQL store is: the URL taken apart, the connection made, the server's errors told.

``postgresql://USER@HOST:PORT/DB?schema=NAME`` (or ``postgres://``): everything but ``schema``
goes to libpq as it is, so its own sources of a password (``PGPASSWORD``, ``~/.pgpass``,
``PGSERVICE``) and every other libpq parameter (``sslmode``, ...) work. The tables live in the
PostgreSQL schema ``NAME`` (default ``offerspec``). Nothing here prints the URL unredacted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from offerspec.diagnostics import OfferspecError, docs_url
from offerspec.store.rows import REPAIR_HINT, DamagedStore

if TYPE_CHECKING:
    import psycopg

SCHEMES = ("postgresql", "postgres")
DEFAULT_SCHEMA = "offerspec"
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
CONNECT_TIMEOUT = 10
ROLES_DOC = "stores.md#roles"


def is_postgres(url: str) -> bool:
    return url.partition("://")[0].lower() in SCHEMES and "://" in url


@dataclass(frozen=True, slots=True)
class Target:
    conninfo: str
    """What libpq is given (the URL without ``schema``; may hold a password: never print it)."""
    schema: str
    shown: str
    """The URL as offerspec prints it (redacted)."""


def parse(url: str, shown: str) -> Target:
    """Split off ``?schema=NAME``; a malformed URL is a user error naming the redacted URL."""
    base, _, query = url.partition("?")
    schema = DEFAULT_SCHEMA
    rest: list[tuple[str, str]] = []
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise OfferspecError(f"malformed store URL {shown}: its query is not NAME=VALUE&...",
                             hint="e.g. postgresql://USER@HOST:5432/DB?schema=offerspec") from None
    names = [name for name, _ in pairs]
    if names.count("schema") > 1:
        raise OfferspecError(f"malformed store URL {shown}: schema is given twice",
                             hint="give ?schema=NAME once")
    for name, value in pairs:
        if name == "schema":
            schema = value
        else:
            rest.append((name, value))
    if not SCHEMA_NAME.fullmatch(schema):
        raise OfferspecError(f"store URL {shown}: schema {schema[:70]!r} is not a plain "
                             "PostgreSQL name", hint="use lower-case letters, digits and _ "
                                                     "(at most 63), e.g. ?schema=offerspec")
    if not base.partition("://")[2].strip("/"):
        raise OfferspecError(f"malformed store URL {shown}: no host or database",
                             hint="e.g. postgresql://USER@HOST:5432/DB")
    return Target(base + (f"?{urlencode(rest)}" if rest else ""), schema, shown)


def connect(target: Target, *, application: str = "offerspec") -> psycopg.Connection[Any]:
    """An autocommit connection (offerspec sends BEGIN itself) with ``search_path`` set to the
    store's schema only."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    with connection_errors(target):
        params = conninfo_to_dict(target.conninfo)
        extra: dict[str, Any] = {}
        if "connect_timeout" not in params:
            extra["connect_timeout"] = CONNECT_TIMEOUT
        if "application_name" not in params:
            extra["application_name"] = application
        conn = psycopg.connect(target.conninfo, autocommit=True, **extra)
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(target.schema)))
    return conn


@contextmanager
def connection_errors(target: Target) -> Iterator[None]:
    """libpq could not connect (or parse the URL): a user error, the password never shown."""
    import psycopg

    try:
        yield
    except psycopg.Error as exc:
        why = _secretless(str(exc).strip(), target.conninfo)
        raise OfferspecError(
            f"{target.shown}: cannot connect to the PostgreSQL server: {why}",
            hint="check the host, port, user and database in the URL; the password comes from "
                 "PGPASSWORD, ~/.pgpass or PGSERVICE (never from offerspec.toml)") from None


def _secretless(text: str, conninfo: str) -> str:
    """``text`` without the password the URL holds, should libpq quote it."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        password = conninfo_to_dict(conninfo).get("password")
    except Exception:  # noqa: BLE001 - a URL libpq cannot parse has no password to hide
        password = None
    return text.replace(str(password), "***") if password else text


@contextmanager
def refusals(target: Target, *, writing: bool, committing: Callable[[], bool] | None = None,
             ) -> Iterator[None]:
    """The server's refusals and a lost connection as user errors (``translate``); any other
    psycopg error is a bug of offerspec's and propagates."""
    import psycopg

    try:
        yield
    except psycopg.Error as exc:
        error = translate(target, exc, writing=writing,
                          committing=committing() if committing else False)
        if error is None:
            raise
        raise error from None


class LockWaitTimeout(OfferspecError):
    """A lock wait inside a transaction passed ``lock_timeout``."""


class ConnectionLost(OfferspecError):
    """The server ended the connection (restarted, ``pg_terminate_backend``, network)."""


def translate(target: Target, exc: Exception, *, writing: bool, committing: bool = False,
              ) -> OfferspecError | None:
    """The server's refusal as a user error (None: a bug of offerspec's, re-raise it)."""
    import psycopg
    from psycopg import errors

    why = _secretless(str(exc).strip().splitlines()[0] if str(exc).strip() else
                      type(exc).__name__, target.conninfo)
    where = target.shown
    if isinstance(exc, errors.InsufficientPrivilege):
        return OfferspecError(
            f"{where}: the database role may not do this: {why}" +
            ("; nothing was applied" if writing else ""),
            hint=("this role can only read: plan, pull, export, history and simulate "
                  "--from-store work with it; apply with the writer role (its GRANTs: "
                  f"{docs_url(ROLES_DOC)})") if writing else
                 f"grant the reader role SELECT on the schema's tables ({docs_url(ROLES_DOC)})")
    if isinstance(exc, errors.ReadOnlySqlTransaction):
        return OfferspecError(f"{where}: the server is read-only: {why}; nothing was applied",
                              hint="apply against the primary server, not a standby")
    if isinstance(exc, errors.UndefinedTable | errors.UndefinedColumn | errors.UndefinedObject):
        return DamagedStore(f"{where}: the store is damaged: {why} (a table was dropped or "
                            "altered outside offerspec)", hint=REPAIR_HINT)
    if isinstance(exc, errors.DiskFull | errors.OutOfMemory | errors.TooManyConnections |
                  errors.ConfigurationLimitExceeded):
        return OfferspecError(f"{where}: the server refused: {why}" +
                              ("; nothing was applied" if writing else ""),
                              hint="ask the database's administrator; then try again")
    if isinstance(exc, errors.IntegrityError | errors.RaiseException):
        return OfferspecError(
            f"{where}: the database refused the write: {why}; nothing was changed",
            hint="a constraint or trigger of the store refused it: if one was added to the "
                 "store outside offerspec, remove it; otherwise this is a bug, please report it")
    if isinstance(exc, errors.LockNotAvailable):
        return LockWaitTimeout(f"{where}: timed out waiting for a lock: {why}",
                               hint="another apply holds the store: try again later")
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        if committing:
            outcome = ("it is not known whether the apply was committed: offerspec history "
                       "shows it")
        elif writing:
            outcome = "the server rolled the transaction back: nothing was applied"
        else:
            outcome = "nothing was changed"
        return ConnectionLost(f"{where}: the connection to the PostgreSQL server was lost: "
                              f"{why}; {outcome}",
                              hint="check that the server is up and reachable, then run the "
                                   "command again")
    return None
