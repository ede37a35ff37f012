"""Benchmark ``offerspec serve``: a real server process driven by a bounded async load, beside
the same calls made in-process (the library functions behind each endpoint) in the same run.

    python3 bench/bench_serve.py            # examples + 10,000 plans; 20,000 requests per endpoint
    python3 bench/bench_serve.py --quick    # examples + 1,000 plans; 2,000 requests per endpoint

The server runs in its own process (one uvicorn worker, as ``offerspec serve`` starts it). The
load comes from this process: CONNECTIONS keep-alive HTTP/1.1 connections on asyncio, each
sending its next request when the previous answer is in (a closed loop, so the load is bounded).
The client is a few lines of asyncio streams rather than httpx: httpx's own cost per request
would otherwise be most of what is measured. Latency is measured at the client.
Targets (issue 9): POST /simulate/checkout >= 2,000 requests/s with p99 < 20 ms; listing
10,000 plans through the pages (per_page=500, next links) in under 1 s in all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

TOKEN = "bench-0123456789abcdef0123"
CONNECTIONS = 16
CHECKOUT = {"offer": "subscribe", "plan": "annual-digital-print", "date": "2026-11-22", "country": "US"}


def make_store(directory: Path, plans: int) -> str:
    """The examples plus ``plans`` monthly plans of one product, applied to a SQLite store."""
    import shutil

    from offerspec.store.sqlite import SQLiteStore
    from offerspec.workflow import load_desired, plan_and_apply

    catalog = directory / "catalog"
    shutil.copytree(ROOT / "examples" / "offers", catalog)
    lines = ["plans:"]
    for i in range(plans):
        lines += [f"  - id: bulk-{i}", f"    nickname: Bulk plan {i}", "    product: digital-access",
                  f"    amount: {100 + i}", "    currency: USD", "    interval: month"]
    (catalog / "bulk.yaml").write_text("\n".join(lines) + "\n")
    desired, _ = load_desired([catalog])
    store = SQLiteStore(directory / "store.db", f"sqlite:///{directory}/store.db")
    try:
        plan_and_apply(store, desired)
    finally:
        store.close()
    return f"sqlite:///{directory}/store.db"


def start_server(url: str, tokens: Path) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-m", "offerspec", "serve", "--store", url, "--tokens",
                             str(tokens), "--port", "0"], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, env=env)
    assert proc.stderr is not None
    for line in proc.stderr:
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if match:
            # keep draining the access log, or the server blocks on a full pipe
            asyncio_free_drain(proc)
            return proc, int(match.group(1))
    raise SystemExit("offerspec serve did not start")


def asyncio_free_drain(proc: subprocess.Popen[str]) -> None:
    import threading

    def drain() -> None:
        assert proc.stderr is not None
        for _ in proc.stderr:
            pass

    threading.Thread(target=drain, daemon=True).start()


class Connection:
    """One keep-alive HTTP/1.1 connection: send a request, read its response (Content-Length)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
        body = await self.reader.readexactly(length)
        return status, body

    def close(self) -> None:
        self.writer.close()


def raw_request(method: str, path: str, body: bytes = b"") -> bytes:
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def load(port: int, raw: bytes, total: int) -> tuple[float, list[float]]:
    """``total`` requests over CONNECTIONS connections: (requests/s, latencies in ms)."""
    connections = [await Connection.open(port) for _ in range(CONNECTIONS)]
    for connection in connections:  # warm: first request on each connection
        status, _ = await connection.request(raw)
        assert status == 200, status
    latencies: list[float] = []
    remaining = total

    async def worker(connection: Connection) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            status, _ = await connection.request(raw)
            latencies.append((time.perf_counter() - started) * 1000)
            assert status == 200, status

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return len(latencies) / elapsed, latencies


async def list_all(port: int) -> tuple[float, int, int]:
    """Every plan through the pages: (seconds, plans seen, requests)."""
    connection = await Connection.open(port)
    link: str | None = "/plans?per_page=500"
    seen = requests = 0
    started = time.perf_counter()
    while link:
        status, body = await connection.request(raw_request("GET", link))
        assert status == 200, status
        page = json.loads(body)
        seen += len(page["data"])
        requests += 1
        link = page["meta"]["next"]
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, seen, requests


def in_process(url: str) -> dict[str, Callable[[], Any]]:
    """The library calls behind each endpoint, on the same store: the floor."""
    from offerspec.serve.simulation import CheckoutIn, run_checkout, run_offer_view
    from offerspec.serve.writes import load_view
    from offerspec.store.url import open_store, resolve_store

    store = open_store(resolve_store(url), writable=False)
    view = load_view(store)
    store.close()
    number = view.head_number("plans", "annual-digital")
    assert number is not None
    body = CheckoutIn.model_validate(CHECKOUT)
    return {
        "GET /plans/{id}": lambda: view.rendered("plans", number).body,
        "GET /offers/subscribe/view": lambda: json.dumps(run_offer_view(
            view, "subscribe", country="US", direct_link=False, day=None, email=None, ip=None,
            seats_used=0, holdings=[])).encode(),
        "POST /simulate/checkout": lambda: json.dumps(run_checkout(
            view, CheckoutIn.model_validate(body.model_dump(mode="json")))).encode(),
    }


class InProcessApp:
    """The same ASGI app as the server, called directly (no socket, no HTTP parsing)."""

    def __init__(self, url: str, tokens: Path) -> None:
        from offerspec.serve.app import create_app
        from offerspec.serve.auth import load_tokens
        from offerspec.serve.state import ServeConfig

        self.log = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the bench
        self.app = create_app(ServeConfig(url, load_tokens(str(tokens))), access_stream=self.log)

    async def call(self, raw: bytes) -> int:
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        method, target, _ = lines[0].split(" ")
        path, _, query = target.partition("?")
        headers = [(k.strip().lower().encode(), v.strip().encode())
                   for k, _, v in (line.partition(":") for line in lines[1:])]
        scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
                 "query_string": query.encode(), "headers": headers, "http_version": "1.1",
                 "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
                 "root_path": "", "asgi": {"version": "3.0"}}
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status

    async def rate(self, raw: bytes, total: int) -> float:
        inner = self.app.app
        async with inner.router.lifespan_context(inner):
            assert await self.call(raw) == 200
            started = time.perf_counter()
            for _ in range(total):
                await self.call(raw)
            return total / (time.perf_counter() - started)


def per_call(func: Callable[[], Any], total: int) -> float:
    func()
    started = time.perf_counter()
    for _ in range(total):
        func()
    return (time.perf_counter() - started) / total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    global CONNECTIONS  # noqa: PLW0603 - one setting for the whole run
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--connections", type=int, default=CONNECTIONS,
                        help=f"keep-alive connections of the load [default: {CONNECTIONS}]")
    args = parser.parse_args()
    CONNECTIONS = max(1, args.connections)
    plans, total = (1_000, 2_000) if args.quick else (10_000, 20_000)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        url = make_store(directory, plans)
        tokens = directory / "tokens.txt"
        tokens.write_text(f"bench {TOKEN} read\n")
        floors = in_process(url)
        proc, port = start_server(url, tokens)
        try:
            try:
                import uvloop

                uvloop.run(run(port, floors, plans, total, InProcessApp(url, tokens)))
            except ImportError:
                asyncio.run(run(port, floors, plans, total, InProcessApp(url, tokens)))
        finally:
            proc.terminate()
            code = proc.wait(30)
        print(f"server exit on SIGTERM: {code}")


async def run(port: int, floors: dict[str, Callable[[], Any]], plans: int, total: int,
              asgi: InProcessApp) -> None:
    probe = Connection(*await asyncio.open_connection("127.0.0.1", port))
    status, body = await probe.request(raw_request("GET", "/plans?per_page=500"))
    assert status == 200, body
    first = json.loads(body)["data"]
    number = next(p["id"] for p in first if p["metadata"]["offerspec_id"] == "annual-digital")
    probe.close()
    calls = {
        "GET /plans/{id}": raw_request("GET", f"/plans/{number}"),
        "GET /offers/subscribe/view": raw_request("GET", "/offers/subscribe/view?country=US"),
        "POST /simulate/checkout": raw_request("POST", "/simulate/checkout", json.dumps(CHECKOUT).encode()),
    }
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, one uvicorn worker, "
          f"{CONNECTIONS} connections, {total:,} requests per endpoint, {plans:,} bulk plans")
    print(f"{'endpoint':28} {'server req/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'in-process app /s':>17} "
          f"{'library /s':>11}")
    results: dict[str, tuple[float, float]] = {}
    for name, raw in calls.items():
        rate, latencies = await load(port, raw, total)
        floor = 1 / per_call(floors[name], min(total, 5_000))
        app_rate = await asgi.rate(raw, min(total, 5_000))
        p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
        results[name] = (rate, p99)
        print(f"{name:28} {rate:12,.0f} {p50:7.2f} {p99:7.2f} {app_rate:10,.0f} ({rate / app_rate:4.2f}x) "
              f"{floor:11,.0f}")
    elapsed, seen, requests = await list_all(port)
    print("(server req/s over the in-process app's: what the socket, HTTP and the process hop cost)")
    print(f"list every plan: {seen:,} plans in {requests} pages, {elapsed:.3f} s"
          + ("   (target < 1 s for 10,000)" if plans >= 10_000 else ""))
    rate, p99 = results["POST /simulate/checkout"]
    ok = rate >= 2_000 and p99 < 20
    print(f"simulate target (>= 2,000 req/s, p99 < 20 ms): {rate:,.0f} req/s, p99 {p99:.2f} ms -> "
          f"{'met' if ok else 'NOT met'}")
    if plans >= 10_000:
        print(f"list target (< 1 s): {elapsed:.3f} s -> {'met' if elapsed < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
