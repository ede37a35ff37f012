"""Where the platform is and how to reach it: the URL's rules, the token, TLS, timeouts.

The token comes from ``OFFERSPEC_TOKEN`` or from the file ``OFFERSPEC_TOKEN_FILE`` names (never
from ``offerspec.toml``, never from the command line). It is held in a ``Secret`` whose ``repr``
and ``str`` do not show it, so it cannot reach a message, a saved plan or a crash report by
accident.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from offerspec.diagnostics import OfferspecError

HTTP_SCHEMES = ("http", "https")
TOKEN_VAR = "OFFERSPEC_TOKEN"
TOKEN_FILE_VAR = "OFFERSPEC_TOKEN_FILE"
CA_BUNDLE_VAR = "OFFERSPEC_CA_BUNDLE"
INSECURE_VAR = "OFFERSPEC_INSECURE_HTTP"
DEFAULT_TIMEOUT = 10.0
"""Seconds for connecting, for each read and each write of one request."""
MAX_TOKEN_BYTES = 4096


class Secret:
    """A string that never shows itself (``repr``/``str`` say ``<hidden>``)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret(<hidden>)"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class HttpConfig:
    url: str
    """The store URL as written (no credentials in it)."""
    base: str
    """scheme://host[:port]/path without a trailing slash: what requests are made against."""
    token: Secret | None = field(repr=False)
    verify: str | bool = True
    """True: the system's CA bundle; a path: that CA bundle."""
    timeout: float = DEFAULT_TIMEOUT


def is_http_url(url: str) -> bool:
    return url.partition("://")[0].lower() in HTTP_SCHEMES and "://" in url


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_url(url: str, *, insecure_http: bool = False) -> str:
    """The base URL requests go to; refuses credentials in the URL and plain http off loopback."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in HTTP_SCHEMES or not parts.hostname:
        raise OfferspecError(f"malformed HTTP store URL {url!r}",
                             hint="use https://HOST/PATH, e.g. https://api.example.com/v1")
    if parts.username or parts.password:
        raise OfferspecError("the HTTP store URL carries credentials; they are not read from it",
                             hint=f"put the token in ${TOKEN_VAR} (or a file named by "
                                  f"${TOKEN_FILE_VAR}) and drop it from the URL")
    if parts.query or parts.fragment:
        raise OfferspecError(f"the HTTP store URL {url!r} has a query or fragment",
                             hint="use https://HOST/PATH: the API's base, nothing after it")
    try:
        port = parts.port
    except ValueError as exc:
        raise OfferspecError(f"malformed HTTP store URL {url!r}: {exc}",
                             hint="use https://HOST[:PORT]/PATH") from None
    if scheme == "http" and not (_loopback(parts.hostname) or insecure_http):
        raise OfferspecError(f"plain http to {parts.hostname} would send the token unencrypted",
                             hint="use https://, or pass --insecure-http (only on a network "
                                  "you trust)")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host if port is None else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def read_token(environ: dict[str, str] | os._Environ[str] | None = None) -> Secret | None:
    """The token from ``$OFFERSPEC_TOKEN``, else from the file ``$OFFERSPEC_TOKEN_FILE`` names."""
    env = os.environ if environ is None else environ
    value = env.get(TOKEN_VAR)
    if value:
        return _checked(value.strip(), f"${TOKEN_VAR}")
    name = env.get(TOKEN_FILE_VAR)
    if not name:
        return None
    path = Path(name)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_TOKEN_BYTES + 1)
    except OSError as exc:
        raise OfferspecError(f"${TOKEN_FILE_VAR}: cannot read {path}: {exc.strerror}",
                             hint="point it at a readable file holding the token") from None
    if len(raw) > MAX_TOKEN_BYTES:
        raise OfferspecError(f"${TOKEN_FILE_VAR}: {path} is over {MAX_TOKEN_BYTES} bytes; "
                             "it is not a token", hint="the file holds the token and nothing else")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise OfferspecError(f"${TOKEN_FILE_VAR}: {path} is not ASCII text",
                             hint="the file holds the token and nothing else") from None
    return _checked(text.strip(), f"${TOKEN_FILE_VAR} ({path})")


def _checked(token: str, where: str) -> Secret | None:
    if not token:
        return None
    if not token.isascii() or not token.isprintable() or " " in token:
        raise OfferspecError(f"{where}: the token has spaces or characters a header cannot carry",
                             hint="set it to the token alone")
    return Secret(token)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


OPTIONS: dict[str, Any] = {}
"""``--insecure-http`` and ``--ca-bundle`` of the running command (set by the CLI's option
callbacks on every invocation; read when a store is opened)."""


def load_config(url: str, *, insecure_http: bool | None = None, ca_bundle: str | None = None,
                timeout: float = DEFAULT_TIMEOUT) -> HttpConfig:
    """The HTTP store's configuration: the URL checked, the token and CA bundle from the
    environment (``--insecure-http`` / ``--ca-bundle`` win when given)."""
    if insecure_http is None and OPTIONS.get("insecure_http"):
        insecure_http = True
    if ca_bundle is None:
        ca_bundle = OPTIONS.get("ca_bundle")
    insecure = _truthy(os.environ.get(INSECURE_VAR)) if insecure_http is None else insecure_http
    base = parse_url(url, insecure_http=insecure)
    bundle = ca_bundle if ca_bundle is not None else os.environ.get(CA_BUNDLE_VAR) or None
    verify: str | bool = True
    if bundle is not None:
        if not Path(bundle).is_file():
            raise OfferspecError(f"CA bundle {bundle} is not a file",
                                 hint=f"--ca-bundle / ${CA_BUNDLE_VAR} names a PEM file of CA "
                                      "certificates")
        verify = bundle
    return HttpConfig(url, base, read_token(), verify, timeout)
