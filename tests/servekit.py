"""Helpers for the serve tests: a store holding the examples, tokens, the app in-process, and a
real ``offerspec serve`` process on loopback."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from conftest import EXAMPLES
from offerspec.cli.main import cli
from offerspec.serve.app import create_app
from offerspec.serve.auth import parse_tokens
from offerspec.serve.faults import Faults
from offerspec.serve.state import ServeConfig

WRITE_TOKEN = "w-0123456789abcdef0123"
READ_TOKEN = "r-0123456789abcdef0123"
TOKENS_TEXT = f"# test tokens\nwriter {WRITE_TOKEN} write\nsite {READ_TOKEN} read  # the website\n"
WRITE = {"Authorization": f"Bearer {WRITE_TOKEN}"}
READ = {"Authorization": f"Bearer {READ_TOKEN}"}


def applied_store(directory: Path, catalog: Path = EXAMPLES) -> str:
    """A SQLite store in ``directory`` with ``catalog`` applied (revision 1)."""
    return apply_to(f"sqlite:///{directory}/store.db", catalog)


def apply_to(url: str, catalog: Path = EXAMPLES) -> str:
    """``url``'s store (any backend) with ``catalog`` applied."""
    result = CliRunner().invoke(cli, ["apply", "--auto-approve", str(catalog), "--store", url])
    assert result.exit_code == 0, result.output
    return url


def examples_store(request: Any, backend: str, directory: Path, catalog: Path = EXAMPLES) -> str:
    """``catalog`` applied to a new store of ``backend`` (conftest.STORES): a SQLite file in
    ``directory``, or a fresh schema of the session's PostgreSQL cluster."""
    if backend == "sqlite":
        return applied_store(directory, catalog)
    return apply_to(request.getfixturevalue("pg_cluster").url(), catalog)


def config(url: str, **options: Any) -> ServeConfig:
    return ServeConfig(url, parse_tokens(TOKENS_TEXT, "tokens.txt"), **options)


class AppClient:
    """A synchronous client of the app in-process: httpx's ASGI transport on an event loop in a
    thread, with the app's lifespan run around it (the store opened, read, closed)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._client: httpx.AsyncClient | None = None
        self._lifespan: Any = None

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def __enter__(self) -> AppClient:
        inner = self.app.app  # the FastAPI app inside the outer layer
        self._lifespan = inner.router.lifespan_context(inner)
        self._run(self._lifespan.__aenter__())
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                         base_url="http://127.0.0.1")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._client is not None
        self._run(self._client.aclose())
        self._run(self._lifespan.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        assert self._client is not None
        response: httpx.Response = self._run(self._client.request(method, path, **kwargs))
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


@contextmanager
def client(url: str, *, faults: Faults | None = None, **options: Any) -> Iterator[AppClient]:
    """The app in-process (lifespan run: the store is opened and read)."""
    app = create_app(config(url, faults=faults, **options))
    with AppClient(app) as test_client:
        yield test_client


def cli_run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


class ServerProcess:
    """``offerspec serve`` in a subprocess on 127.0.0.1 and a free port (``--port 0``)."""

    def __init__(self, proc: subprocess.Popen[str], base: str) -> None:
        self.proc = proc
        self.base = base
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self._reader.join(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return code


def start_server(url: str, tokens: Path, *extra: str, timeout: float = 30) -> ServerProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "offerspec", "serve", "--store", url, "--tokens", str(tokens),
         "--port", "0", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        if match:
            server = ServerProcess(proc, match.group(1))
            server.lines[:0] = seen
            return server
    proc.kill()
    proc.wait(10)
    seen.append(proc.stderr.read())
    proc.stderr.close()
    raise AssertionError("offerspec serve did not start:\n" + "".join(seen))


def tokens_file(directory: Path) -> Path:
    path = directory / "tokens.txt"
    path.write_text(TOKENS_TEXT)
    return path


__all__ = [
    "READ",
    "READ_TOKEN",
    "WRITE",
    "WRITE_TOKEN",
    "AppClient",
    "ServerProcess",
    "applied_store",
    "cli_run",
    "client",
    "config",
    "examples_store",
    "signal",
    "start_server",
    "tokens_file",
]
