"""Running the app with uvicorn: one worker, loopback by default, graceful on SIGTERM.

SIGTERM and SIGINT stop accepting connections, let the requests in flight finish (up to
``DRAIN_SECONDS``), close the store and exit 0. The socket is bound before the app starts, so
``--port 0`` works: the line ``listening on http://HOST:PORT`` says which port was chosen.
"""

from __future__ import annotations

import importlib.util
import logging
import signal
import socket
import sys
from typing import Any

from offerspec.diagnostics import OfferspecError

DRAIN_SECONDS = 30
log = logging.getLogger("offerspec.serve")


def setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("offerspec.serve", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False


def bind(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OfferspecError(f"--host {host}: cannot resolve it ({exc.strerror})",
                             hint="pass an IP address, e.g. --host 127.0.0.1") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise OfferspecError(f"cannot listen on {host}:{port}: {exc.strerror}",
                             hint="choose another --port (or stop what listens there)") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(app: Any, sock: socket.socket) -> None:
    import uvicorn

    # uvloop and httptools (the serve extra) when installed: several times the requests/s of h11
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    from offerspec.serve.protocol import json_protocol

    config = uvicorn.Config(app, access_log=False, log_config=None, lifespan="on", loop=loop,
                            http=json_protocol(http),
                            timeout_graceful_shutdown=DRAIN_SECONDS, server_header=False)
    server = uvicorn.Server(config)
    # uvicorn handles SIGINT/SIGTERM while it serves and raises the signal again once drained:
    # a no-op handler then lets the process exit 0 (the CLI's own handler would make it 143).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    signal.signal(signal.SIGHUP, lambda *_: server.handle_exit(signal.SIGTERM, None))
    server.run(sockets=[sock])
    if not server.started:
        raise OfferspecError("the server did not start (see the log above)",
                             hint="check --store and that the store is readable")
