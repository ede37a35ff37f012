"""The outermost layer: an access log line per request, JSON for every failure, a body size cap,
and the test knobs (rate limit, faults). Pure ASGI, so it sees every byte sent."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TextIO

from offerspec.serve.errors import ApiError
from offerspec.serve.faults import FaultDice, RateLimiter

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("offerspec.serve")
access = logging.getLogger("offerspec.serve.access")
MAX_BODY_BYTES = 1024 * 1024
UNFAULTED = frozenset({"/healthz", "/openapi.json"})
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
_CONTROL = {code: f"\\x{code:02x}" for code in (*range(32), 127)}


def one_line(text: str) -> str:
    """A request's path in a log line: no control character from the client reaches the log raw."""
    return text.translate(_CONTROL)


def internal_error(exc: BaseException, method: str, path: str) -> ApiError:
    """A 500 whose error id is in the log line with the traceback (never sent to the client)."""
    error_id = uuid.uuid4().hex[:16]
    log.error("error_id=%s %s %s\n%s", error_id, method, one_line(path),
              "".join(traceback.format_exception(exc)).rstrip())
    return ApiError(500, "internal-error", f"internal error {error_id}",
                    hint="the server's log has this error id; please report it", error_id=error_id)


def body_too_large() -> ApiError:
    return ApiError(413, "body-too-large", f"the request body is over {MAX_BODY_BYTES} bytes",
                    hint="send one object per request")


class BodyTooLarge(Exception):
    pass


class Outer:
    def __init__(self, app: ASGIApp, *, dice: FaultDice | None = None,
                 limiter: RateLimiter | None = None, access_stream: TextIO | None = None) -> None:
        self.app = app
        self.access_stream = access_stream
        self.dice = dice
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 0, "sent": False}
        scope.setdefault("state", {})
        path = scope.get("path", "")
        method = scope.get("method", "")

        async def send_tracked(message: Message) -> None:
            if state.get("too_large"):  # whatever the app made of a cut-short body: 413 instead
                if message["type"] == "http.response.start":
                    state["status"] = 413
                    state["sent"] = True
                    await _send_error(send, body_too_large())
                return
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                if state.get("cut") and method in WRITE_METHODS and message["status"] < 300:
                    state["status"] = "cut"
                    await _cut(send)
                    raise _Cut
                state["sent"] = True
            await send(message)

        try:
            await self._handle(scope, receive, send_tracked, state)
        except _Cut:
            pass
        except BodyTooLarge:
            if not state["sent"]:
                await _send_error(send_tracked, body_too_large())
        except Exception as exc:  # noqa: BLE001 - the one place every unexpected error becomes a JSON 500
            if "error_id" not in scope["state"]:  # not answered (and logged) by the app's handler
                error = internal_error(exc, method, path)
                if not state["sent"]:
                    await _send_error(send_tracked, error)
        finally:
            user = scope["state"].get("user", "-")
            elapsed = (time.perf_counter() - started) * 1000
            query = scope.get("query_string", b"").decode("latin-1")
            client = scope.get("client") or ("-", 0)
            line = (f"{client[0]} {method} {one_line(path)}{'?' + one_line(query) if query else ''} "
                    f"{state['status']} {elapsed:.1f}ms user={user}")
            if self.access_stream is not None:  # the server's log: one cheap write per request
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
                self.access_stream.write(f"{stamp}Z access {line}\n")
                self.access_stream.flush()
            else:
                access.info("%s", line)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, state: dict[str, Any]) -> None:
        path = scope.get("path", "")
        if self.limiter is not None and path not in UNFAULTED:
            retry_after = self.limiter.take()
            if retry_after is not None:
                await _send_error(send, ApiError(429, "rate-limited", "too many requests",
                                                 hint=f"retry after {retry_after} s",
                                                 headers={"Retry-After": str(retry_after)}))
                return
        if self.dice is not None and path not in UNFAULTED:
            status, wait, cut = self.dice.draw()
            if wait:
                await asyncio.sleep(wait)
            if status == 500:
                await _send_error(send, ApiError(500, "fault-injected", "injected fault (serve --faults)",
                                                 hint="retry the request", error_id="fault"))
                return
            if status == 503:
                await _send_error(send, ApiError(503, "unavailable", "injected fault (serve --faults)",
                                                 hint="retry after 1 s", headers={"Retry-After": "1"}))
                return
            state["cut"] = cut
        await self.app(scope, _limited(scope, receive, state), send)


class _Cut(Exception):
    """The response of a committed write is dropped on purpose (serve --faults cut)."""


async def _cut(send: Send) -> None:
    """Close the connection without a byte of the response (uvicorn keeps its transport on the
    bound ``send``; elsewhere, e.g. an in-process test transport, nothing is sent at all)."""
    owner = getattr(send, "__self__", None)
    transport = getattr(owner, "transport", None)
    if transport is not None:
        transport.abort()
        await asyncio.sleep(0)  # let the server see the connection lost before the app returns


def _limited(scope: Scope, receive: Receive, state: dict[str, Any]) -> Receive:
    """At most MAX_BODY_BYTES of body: a larger Content-Length is refused at once; a chunked body
    is cut short when it grows past it, and the answer becomes a 413 (see ``send_tracked``)."""
    headers = dict(scope.get("headers") or [])
    length = headers.get(b"content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise BodyTooLarge
    seen = 0

    async def receive_limited() -> Message:
        nonlocal seen
        if state.get("too_large"):
            return {"type": "http.request", "body": b"", "more_body": False}
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                state["too_large"] = True
                return {"type": "http.request", "body": b"", "more_body": False}
        return message

    return receive_limited


async def _send_error(send: Send, error: ApiError) -> None:
    body = error.body()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
