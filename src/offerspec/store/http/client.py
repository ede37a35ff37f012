"""One HTTP client per store: a pooled httpx client, timeouts on every request, and retries.

Retried: connection errors, timeouts, ``5xx`` and ``429`` — with exponential backoff and full
jitter, or after ``Retry-After`` when the server says how long (a ``429``/``503`` pauses every
worker of the client, not only the one that got it). A write whose outcome is unknown (sent, then
no response: a timeout, a cut connection, a ``500``) is *ambiguous*: before sending it again the
caller's ``recheck`` looks the object up, and if the write did happen its result is taken as the
answer. Anything else ``4xx`` is permanent and raised at once.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from offerspec import __version__
from offerspec.diagnostics import OfferspecError
from offerspec.store.http.config import HttpConfig

MAX_FAILURES = 10
"""Failed attempts (connection errors, 5xx) of one request before giving up."""
MAX_WAIT = 300.0
"""Seconds one request may spend waiting on Retry-After before giving up."""
BASE_DELAY = 0.05
MAX_DELAY = 5.0
WRITES = frozenset({"POST", "PUT", "DELETE"})
NOT_PROCESSED = frozenset({429, 503})
"""Statuses that mean the request was not carried out (retry without looking first)."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any
    etag: str | None = None
    replayed: bool = False

    @property
    def data(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise OfferspecError(f"the platform answered {self.status} with a body that is not "
                                 "a JSON object", hint="is the store URL the API's base?")
        return self.body


class HttpFailure(OfferspecError):
    """A request the platform refused for good (or that kept failing)."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code


class PreconditionFailed(HttpFailure):
    """``412``: the object changed since its ETag was read."""


@dataclass(slots=True)
class Stats:
    requests: int = 0
    retries: int = 0
    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, *, retry: bool = False) -> None:
        with self.lock:
            self.requests += 1
            self.retries += retry

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.requests / elapsed if elapsed > 0 else 0.0


def _error_of(response: httpx.Response) -> tuple[str | None, str, str | None]:
    """(code, message, hint) from the platform's JSON error body, if it has one."""
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    message = str(error.get("message") or response.reason_phrase or "no message")[:500]
    hint = error.get("hint")
    problems = error.get("problems")
    if isinstance(problems, list) and problems and isinstance(problems[0], dict):
        first = problems[0]
        message += f" ({first.get('path')}: {first.get('code')})"
    code = error.get("code")
    return (str(code) if code else None, message, str(hint)[:500] if hint else None)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), 120.0)
    except ValueError:
        return None  # an HTTP date: back off instead


class Client:
    def __init__(self, config: HttpConfig, *, pool: int = 8,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        headers = {"User-Agent": f"offerspec/{__version__}", "Accept": "application/json"}
        if config.token is not None:
            headers["Authorization"] = f"Bearer {config.token.reveal()}"
        self.base = config.base
        self._http = httpx.Client(
            base_url=config.base, headers=headers, verify=config.verify,
            timeout=httpx.Timeout(config.timeout), follow_redirects=False,
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool))
        self.stats = Stats()
        self._sleep = sleep
        self._resume_at = 0.0
        self._gate = threading.Lock()
        self._random = random.Random()

    def close(self) -> None:
        self._http.close()

    def _pause_all(self, seconds: float) -> None:
        with self._gate:
            self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    def _wait_gate(self) -> float:
        wait = self._resume_at - time.monotonic()
        if wait > 0:
            self._sleep(wait + self._random.uniform(0, 0.02))
            return wait
        return 0.0

    def _backoff(self, failures: int) -> float:
        return self._random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2 ** failures))

    def request(self, method: str, path: str, *, body: Any = None,
                headers: dict[str, str] | None = None,
                recheck: Callable[[], Reply | None] | None = None) -> Reply:
        """Send one request until it succeeds or fails for good; see the module's docstring."""
        failures = 0
        waited = 0.0
        last = "no attempt"
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        send_headers = dict(headers or {})
        if content is not None:
            send_headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            waited += self._wait_gate()
            ambiguous = False
            try:
                self.stats.count(retry=attempt > 0)
                attempt += 1
                response = self._http.request(method, path, content=content, headers=send_headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                last = f"cannot connect: {type(exc).__name__}"
            except httpx.TransportError as exc:  # sent, then no (complete) answer
                last = f"no response: {type(exc).__name__}"
                ambiguous = method in WRITES
            else:
                status = response.status_code
                if status < 400:
                    return self._reply(response)
                code, message, hint = _error_of(response)
                if status in NOT_PROCESSED:
                    after = _retry_after(response)
                    if after is not None:
                        self._pause_all(after)
                        waited += after
                        if waited > MAX_WAIT:
                            raise HttpFailure(f"{method} {path}: still {status} after waiting "
                                              f"{waited:.0f}s", status=status, code=code, hint=hint)
                        continue
                    last = f"{status} {message}"
                elif status >= 500 or status == 408:
                    last = f"{status} {message}"
                    ambiguous = method in WRITES
                else:
                    cls = PreconditionFailed if status == 412 else HttpFailure
                    raise cls(f"{method} {path}: {status} {message}", status=status, code=code,
                              hint=hint)
            failures += 1
            if failures >= MAX_FAILURES:
                raise HttpFailure(f"{method} {path}: gave up after {failures} attempts ({last})",
                                  hint="is the platform up? offerspec plan shows what is left; "
                                       "apply again finishes it")
            self._sleep(self._backoff(failures))
            if ambiguous and recheck is not None:
                found = recheck()
                if found is not None:
                    return found

    @staticmethod
    def _reply(response: httpx.Response) -> Reply:
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                raise HttpFailure(f"the platform answered {response.status_code} with a body that "
                                  "is not JSON", hint="is the store URL the API's base?") from None
        return Reply(response.status_code, body, response.headers.get("etag"),
                     response.headers.get("idempotent-replayed") == "true")

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def list_all(self, kind: str, per_page: int = 500) -> list[dict[str, Any]]:
        """Every object of ``kind``, following the ``next`` links."""
        items: list[dict[str, Any]] = []
        path: str | None = f"/{kind}?page=1&per_page={per_page}"
        pages = 0
        while path is not None:
            try:
                reply = self.get(path)
            except HttpFailure as exc:
                if exc.status != 404:
                    raise
                raise HttpFailure(f"{self.base}: no /{kind} here (404)", status=404,
                                  hint="is the store URL the API's base? e.g. "
                                       "https://api.example.com/v1 for .../v1/plans") from None
            data = reply.data
            page = data.get("data")
            meta = data.get("meta")
            if not isinstance(page, list) or not isinstance(meta, dict):
                raise HttpFailure(f"GET /{kind}: not a list response (no data/meta)",
                                  hint="is the store URL the API's base?")
            items.extend(item for item in page if isinstance(item, dict))
            nxt = meta.get("next")
            pages += 1
            if nxt is not None and (not isinstance(nxt, str) or not nxt.startswith("/") or pages > 100_000):
                raise HttpFailure(f"GET /{kind}: a next link that is not a path: {nxt!r}"[:200])
            path = nxt
        return items
