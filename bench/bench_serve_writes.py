"""Benchmark writes through ``offerspec serve``: single-plan ``POST /plans`` on a SQLite store of
many plans, in-process and over loopback, beside the floors measured in the same run.

    python3 bench/bench_serve_writes.py                 # 1,000 plans in the store, 1,000 writes
    python3 bench/bench_serve_writes.py --plans 10000   # a larger store
    python3 bench/bench_serve_writes.py --quick         # 1,000 plans, 200 writes, 300 rate-limited

What is printed, per line: writes/s, p50 and p99 latency, and the ratio to the floor.
- floor: a bare SQLite commit of one row (WAL, synchronous=FULL, as the store writes) in the
  same directory: what the disk allows one write at a time (each API write is one such commit).
- in-process: ``Writer.create`` (what ``POST /plans`` runs in the store's thread), one at a time
  (bound by one disk flush each); and the server's ASGI app called in this process by
  CONNECTIONS concurrent callers (writes that arrive together share one flush: group commit).
- loopback: a real ``offerspec serve`` process, CONNECTIONS keep-alive connections each sending
  its next POST when the previous answer is in (a closed loop, as the HTTP store's
  ``--parallelism 4`` does).
- rate-limited: ``serve --rate-limit 100/s``, the same load honouring ``Retry-After``; the HTTP
  store's target (issue 10) is 1,000 creates within 15 % of the 10 s the limit allows, with no
  failure.
Targets (this bench): >= 300 writes/s in-process and well above 100/s over loopback with a
store of 1,000+ plans.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_serve import (  # noqa: E402
    Connection,
    InProcessApp,
    asyncio_free_drain,
    make_store,
    percentile,
)

TOKEN = "bench-write-0123456789abcdef"
CONNECTIONS = 4


def plan_body(product: int, n: int) -> dict[str, Any]:
    return {"nickname": f"Bench plan {n}", "product_id": product, "amount": 100 + n % 5000,
            "currency": "USD", "interval": "month"}


def sqlite_floor(directory: Path, total: int) -> tuple[float, list[float]]:
    """One-row commits in WAL mode with synchronous=FULL, in the store's directory."""
    conn = sqlite3.connect(directory / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, data TEXT)")
    text = "x" * 600  # about one compact plan
    latencies = []
    started = time.perf_counter()
    for n in range(total):
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?)", (n, text))
        conn.execute("COMMIT")
        latencies.append((time.perf_counter() - began) * 1000)
    elapsed = time.perf_counter() - started
    conn.close()
    return total / elapsed, latencies


def in_process(url: str, total: int) -> tuple[float, list[float]]:
    from offerspec.serve.writes import Request, Writer
    from offerspec.store.url import open_store, resolve_store

    store = open_store(resolve_store(url), writable=True)
    try:
        writer = Writer(store)
        product = writer.current().head_number("products", "digital-access")
        assert product is not None
        request = Request("bench", "POST", "/plans")
        writer.create("plans", plan_body(product, -1), request)  # warm: the checks are built
        latencies = []
        started = time.perf_counter()
        for n in range(total):
            began = time.perf_counter()
            writer.create("plans", plan_body(product, n), request)
            latencies.append((time.perf_counter() - began) * 1000)
        return total / (time.perf_counter() - started), latencies
    finally:
        store.close()


def in_process_app(url: str, tokens: Path, total: int) -> tuple[float, list[float]]:
    """The server's ASGI app called in this process (no socket) by CONNECTIONS concurrent
    callers: what the app and the store cost, group commit included."""
    asgi = InProcessApp(url, tokens)

    async def run() -> tuple[float, list[float]]:
        inner = asgi.app.app
        async with inner.router.lifespan_context(inner):
            products = await asgi_json(asgi, "GET", "/products")
            product = next(int(p["id"]) for p in products["data"]
                           if p["metadata"]["offerspec_id"] == "digital-access")
            assert await asgi.call(post(plan_body(product, -1))) == 201  # warm
            latencies: list[float] = []
            remaining = total

            async def worker() -> None:
                nonlocal remaining
                while remaining > 0:
                    remaining -= 1
                    began = time.perf_counter()
                    status = await asgi.call(post(plan_body(product, remaining)))
                    assert status == 201, status
                    latencies.append((time.perf_counter() - began) * 1000)

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
            return total / (time.perf_counter() - started), latencies

    return asyncio.run(run())


async def asgi_json(asgi: InProcessApp, method: str, path: str) -> Any:
    """One request to the in-process app, its JSON body."""
    body = bytearray()
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": b"", "headers": [(b"authorization", f"Bearer {TOKEN}".encode())],
             "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 1), "root_path": "", "asgi": {"version": "3.0"}}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await asgi.app(scope, receive, send)
    return json.loads(bytes(body))


def start_server(url: str, tokens: Path, *extra: str) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, "-m", "offerspec", "serve", "--store", url, "--tokens",
                             str(tokens), "--port", "0", *extra], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, env=env)
    assert proc.stderr is not None
    for line in proc.stderr:
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if match:
            asyncio_free_drain(proc)
            return proc, int(match.group(1))
    raise SystemExit("offerspec serve did not start")


def post(body: dict[str, Any]) -> bytes:
    raw = json.dumps(body).encode()
    return (f"POST /plans HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\n\r\n").encode() + raw


async def request(connection: Connection, raw: bytes) -> tuple[int, float | None]:
    """(status, Retry-After seconds or None)."""
    connection.writer.write(raw)
    head = await connection.reader.readuntil(b"\r\n\r\n")
    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    await connection.reader.readexactly(int(length.group(1)) if length else 0)
    retry = re.search(rb"(?i)\r\nretry-after: *(\d+)", head)
    return int(head[9:12]), float(retry.group(1)) if retry else None


async def load(port: int, product: int, total: int) -> tuple[float, list[float], int, int]:
    """``total`` creates over CONNECTIONS connections, honouring Retry-After:
    (writes/s, latencies of the 201s in ms, 429s, failures)."""
    connections = [await Connection.open(port) for _ in range(CONNECTIONS)]
    latencies: list[float] = []
    limited = failed = 0
    remaining = total

    async def worker(connection: Connection) -> None:
        nonlocal remaining, limited, failed
        while remaining > 0:
            remaining -= 1
            raw = post(plan_body(product, remaining))
            while True:
                began = time.perf_counter()
                status, retry = await request(connection, raw)
                if status == 429 and retry is not None:
                    limited += 1
                    await asyncio.sleep(retry)
                    continue
                break
            if status == 201:
                latencies.append((time.perf_counter() - began) * 1000)
            else:
                failed += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return total / elapsed, latencies, limited, failed


async def product_number(port: int) -> int:
    connection = await Connection.open(port)
    status, body = await connection.request(
        f"GET /products HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
    connection.close()
    assert status == 200, body
    return next(int(p["id"]) for p in json.loads(body)["data"]
                if p["metadata"]["offerspec_id"] == "digital-access")


def served(url: str, tokens: Path, total: int, *extra: str) -> tuple[float, list[float], int, int]:
    proc, port = start_server(url, tokens, *extra)
    try:
        async def run() -> tuple[float, list[float], int, int]:
            product = await product_number(port)
            warm = await Connection.open(port)  # the first write builds the server's checks
            status, _ = await request(warm, post(plan_body(product, -1)))
            assert status == 201, status
            warm.close()
            return await load(port, product, total)

        return asyncio.run(run())
    finally:
        proc.terminate()
        proc.wait(30)


def line(name: str, rate: float, latencies: list[float], floor: float, note: str = "") -> None:
    p50 = statistics.median(latencies) if latencies else float("nan")
    p99 = percentile(latencies, 0.99) if latencies else float("nan")
    print(f"{name:34} {rate:9,.0f} {p50:8.2f} {p99:8.2f} {rate / floor:9.2f}x  {note}")


def main() -> None:
    global CONNECTIONS  # noqa: PLW0603 - one setting for the whole run
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--plans", type=int, default=1_000, help="plans in the store [1,000]")
    parser.add_argument("--writes", type=int, default=None, help="writes per scenario [1,000]")
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    args = parser.parse_args()
    CONNECTIONS = max(1, args.connections)
    writes = args.writes or (200 if args.quick else 1_000)
    limited_writes = 300 if args.quick else 1_000
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        url = make_store(directory, args.plans)
        tokens = directory / "tokens.txt"
        tokens.write_text(f"bench {TOKEN} write\n")
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, store of {args.plans:,} bulk "
              f"plans + the examples, {writes:,} single-plan creates per scenario, "
              f"{CONNECTIONS} connections")
        print(f"{'scenario':34} {'writes/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs floor':>10}")
        floor, floor_latencies = sqlite_floor(directory, writes)
        line("floor: one SQLite FULL commit", floor, floor_latencies, floor)
        rate, latencies = in_process(url, writes)
        line("in-process Writer.create", rate, latencies, floor,
             f"target >= 300/s: {'met' if rate >= 300 else 'NOT met'}")
        rate, latencies = in_process_app(url, tokens, writes)
        line(f"in-process app, {CONNECTIONS} concurrent", rate, latencies, floor,
             f"target >= 300/s: {'met' if rate >= 300 else 'NOT met'} (group commit)")
        rate, latencies, limited, failed = served(url, tokens, writes)
        line("loopback POST /plans", rate, latencies, floor,
             f"failures {failed}; target well above 100/s: {'met' if rate >= 150 else 'NOT met'}")
        assert failed == 0 and limited == 0
        rate, latencies, limited, failed = served(url, tokens, limited_writes, "--rate-limit", "100/s")
        elapsed = limited_writes / rate
        allowed = limited_writes / 100
        ok = abs(elapsed - allowed) <= 0.15 * allowed and failed == 0
        verdict = (f" -> {'within' if ok else 'NOT within'} 15 %" if limited_writes >= 1_000
                   else " (the first second's burst of 100 weighs more in a short run)")
        line("loopback, --rate-limit 100/s", rate, latencies, floor,
             f"{elapsed:.2f} s for {limited_writes:,} (the limit allows {allowed:.0f} s), "
             f"{limited} answered 429, failures {failed}{verdict}")


if __name__ == "__main__":
    main()
