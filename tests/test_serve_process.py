"""``offerspec serve`` as a user runs it: a real process on 127.0.0.1, driven over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import EXAMPLES, STORES
from servekit import (
    READ,
    READ_TOKEN,
    WRITE,
    WRITE_TOKEN,
    ServerProcess,
    applied_store,
    cli_run,
    examples_store,
    signal,
    start_server,
    tokens_file,
)

DAY = "2026-11-22"


@pytest.fixture(scope="module", params=STORES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           ) -> Iterator[ServerProcess]:
    """The examples served from a SQLite store, and from a PostgreSQL one."""
    directory = tmp_path_factory.mktemp("served")
    url = examples_store(request, request.param, directory)
    server = start_server(url, tokens_file(directory))
    try:
        yield server
    finally:
        assert server.stop() == 0, server.log


def cli_json(*args: str) -> Any:
    result = cli_run("simulate", str(EXAMPLES), *args, "--format", "json")
    return json.loads(result.stdout)


def test_serves_what_the_cli_gives(served: ServerProcess) -> None:
    with httpx.Client(base_url=served.base, headers=READ) as http:
        plans = http.get("/plans").json()
        assert plans["meta"]["total"] == len(plans["data"]) > 0
        view = http.get(f"/offers/subscribe/view?country=US&date={DAY}")
        assert view.json() == cli_json("--offer", "subscribe", "--country", "US", "--date", DAY)
        checkout = http.post("/simulate/checkout", json={
            "offer": "subscribe", "plan": "annual-digital-print", "date": DAY, "country": "US"})
        assert checkout.json() == cli_json("--offer", "subscribe", "--plan", "annual-digital-print",
                                           "--date", DAY, "--country", "US")
        assert http.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_access_log_line_per_request_and_no_token_in_the_log(served: ServerProcess) -> None:
    marker = f"/plans/{int(time.time() * 1000) % 10**9 + 10**9}"
    with httpx.Client(base_url=served.base) as http:
        for _ in range(3):
            assert http.get(marker, headers=READ).status_code == 404
        http.post("/plans", json={"nickname": "x"}, headers={"Authorization": "Bearer " + WRITE_TOKEN})
        http.get("/plans", headers={"Authorization": "Bearer wrong-token-but-long"})
    deadline = time.monotonic() + 5
    while served.log.count(f"GET {marker} 404") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert served.log.count(f"GET {marker} 404") == 3
    assert "user=site" in served.log
    assert READ_TOKEN not in served.log and WRITE_TOKEN not in served.log
    assert "wrong-token-but-long" not in served.log
    assert "listening on http://127.0.0.1:" in served.log


def test_html_never_and_tracebacks_never(served: ServerProcess) -> None:
    with httpx.Client(base_url=served.base, headers=WRITE) as http:
        for response in (http.get("/"), http.get("/plans/1/extra"), http.delete("/plans"),
                         http.post("/plans", content=b"\xff\xfe",
                                   headers={"content-type": "application/json"}),
                         http.post("/simulate/checkout", content=b"[]",
                                   headers={"content-type": "application/json"})):
            assert response.headers["content-type"] == "application/json", response.text
            assert "Traceback" not in response.text and "<html" not in response.text.lower()


def test_unparsable_http_is_answered_in_json(served: ServerProcess) -> None:
    import socket

    host, port = served.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"NOT AN HTTP REQUEST\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"content-type: application/json" in head
    assert json.loads(body)["error"]["code"] == "bad-request"


def test_sigterm_drains_requests_in_flight(tmp_path: Path) -> None:
    url = applied_store(tmp_path)
    server = start_server(url, tokens_file(tmp_path), "--faults", "delay:1:1s")
    assert "TEST KNOB ON" in server.log and "delayed 1000 ms" in server.log
    results: list[int] = []

    def slow() -> None:
        with httpx.Client(base_url=server.base, headers=READ, timeout=20) as http:
            results.append(http.get("/plans").status_code)

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.4)  # the request is in flight (delayed 1 s)
    started = time.monotonic()
    code = server.stop(signal.SIGTERM)
    worker.join(20)
    assert code == 0, server.log
    assert results == [200]
    assert time.monotonic() - started >= 0.3  # it waited for the request


def test_a_cut_write_is_committed(tmp_path: Path) -> None:
    url = applied_store(tmp_path)
    server = start_server(url, tokens_file(tmp_path), "--faults", "cut:1")
    try:
        assert "committed and then cut" in server.log
        with httpx.Client(base_url=server.base, headers=WRITE) as http:
            products = http.get("/products").json()["data"]
            body = {"nickname": "Cut", "product_id": products[0]["id"], "amount": 100,
                    "currency": "USD", "metadata": {"offerspec_id": "cut-plan"}}
            with pytest.raises(httpx.TransportError):
                http.post("/plans", json=body)
            plans = http.get("/plans?per_page=500").json()["data"]
            assert "cut-plan" in {p["metadata"]["offerspec_id"] for p in plans}
            assert http.get("/plans").status_code == 200  # reads are not cut
    finally:
        assert server.stop() == 0


def test_rate_limit_is_said_loudly(tmp_path: Path) -> None:
    url = applied_store(tmp_path)
    server = start_server(url, tokens_file(tmp_path), "--rate-limit", "1/s")
    try:
        assert "TEST KNOB ON: --rate-limit 1/s" in server.log
        with httpx.Client(base_url=server.base, headers=READ) as http:
            codes = [http.get("/products").status_code for _ in range(3)]
        assert codes[0] == 200 and codes[-1] == 429
    finally:
        server.stop()


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "offerspec", "serve", *args],
                          capture_output=True, text=True, timeout=60, check=False)


def test_a_bad_tokens_file_is_a_located_error(tmp_path: Path) -> None:
    url = applied_store(tmp_path)
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("# ok\nsite 0123456789abcdef0123 read\nadmin supersecret-but-bad-role admin\n")
    result = run_serve("--store", url, "--tokens", str(tokens), "--port", "0")
    assert result.returncode == 1
    assert f"{tokens}:3: invalid role for admin" in result.stderr
    assert "supersecret" not in result.stderr and "Traceback" not in result.stderr
    tokens.write_text("site short read\n")
    result = run_serve("--store", url, "--tokens", str(tokens), "--port", "0")
    assert result.returncode == 1 and f"{tokens}:1:" in result.stderr and "short" not in result.stderr
    missing = run_serve("--store", url, "--tokens", str(tmp_path / "none.txt"))
    assert missing.returncode == 1 and "cannot read the tokens file" in missing.stderr


def test_bad_knobs_are_usage_errors(tmp_path: Path) -> None:
    tokens = tokens_file(tmp_path)
    url = applied_store(tmp_path)
    for option in (["--faults", "500:2"], ["--rate-limit", "lots"]):
        result = run_serve("--store", url, "--tokens", str(tokens), *option)
        assert result.returncode == 2, result.stderr
        assert "hint:" in result.stderr


def test_port_in_use(tmp_path: Path, served: ServerProcess) -> None:
    port = served.base.rsplit(":", 1)[1]
    result = run_serve("--store", applied_store(tmp_path), "--tokens", str(tokens_file(tmp_path)),
                       "--port", port)
    assert result.returncode == 1 and "cannot listen on 127.0.0.1:" in result.stderr


def test_help_does_not_import_the_asgi_stack() -> None:
    code = ("import sys\nfrom click.testing import CliRunner\nfrom offerspec.cli.main import cli\n"
            "for args in (['--help'], ['serve', '--help']):\n"
            "    assert CliRunner().invoke(cli, args).exit_code == 0\n"
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette', 'httptools') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
