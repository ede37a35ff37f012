"""The ASGI app: the platform's REST API over a store (docs/serve.md, docs/platform-api.md)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TextIO

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from offerspec import __version__
from offerspec.platform import Problem
from offerspec.serve.errors import ApiError
from offerspec.serve.faults import FaultDice, RateLimiter
from offerspec.serve.middleware import Outer, internal_error
from offerspec.serve.responses import documented_errors, error_response
from offerspec.serve.routes_objects import object_routes
from offerspec.serve.routes_site import site_routes
from offerspec.serve.state import ServeConfig, ServerState

log = logging.getLogger("offerspec.serve")


def _validation_problems(exc: RequestValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc = [str(p) if not isinstance(p, int) else f"[{p}]" for p in error.get("loc", ())]
        where = loc[0] if loc else ""
        parts = loc[1:] if where in ("body", "query", "path", "header") else loc
        path = ".".join(parts).replace(".[", "[")
        if where in ("query", "path", "header"):
            path = f"{where}:{path}"
        code = "unknown-field" if error.get("type") == "extra_forbidden" else "schema"
        if error.get("type") == "json_invalid":
            path, code = "", "invalid-json"
        problems.append(Problem(path, code, str(error.get("msg", "invalid value")), None))
    return problems


def create_app(config: ServeConfig, *, state: ServerState | None = None,
               access_stream: TextIO | None = None) -> Any:
    """The app, wrapped in the outer layer (log, JSON errors, rate limit, faults).
    ``access_stream``: where access log lines go (default: the ``offerspec.serve.access`` logger)."""
    server = state or ServerState(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await server.start()
        if config.listen_url:
            log.info("listening on %s (store %s at revision %d)", config.listen_url,
                     server.view.snapshot.url, server.view.revision)
        try:
            yield
        finally:
            await server.stop()

    options: dict[str, Any] = {}
    if "telemetry" in inspect.signature(FastAPI).parameters:  # newer FastAPI: no OpenTelemetry hooks
        options["telemetry"] = {"tracing": False, "metrics": False, "logs": False}
    app = FastAPI(title="offerspec platform API", version=__version__, lifespan=lifespan,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None,
                  description="The subscription platform's plans REST API over an offerspec store "
                              "(docs/serve.md, docs/platform-api.md).", **options)
    app.state.server = server

    @app.exception_handler(ApiError)
    async def on_api_error(_: Request, exc: ApiError) -> Response:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, exc: RequestValidationError) -> Response:
        problems = _validation_problems(exc)
        first = problems[0] if problems else None
        return error_response(ApiError(
            422, "invalid", f"{len(problems)} problem(s) in the request"
            + (f", first: {first.path}: {first.message}" if first else ""),
            hint="see docs/platform-api.md for the fields and their types", problems=problems))

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> Response:
        error = internal_error(exc, request.method, request.url.path)
        request.state.error_id = error.error_id
        return error_response(error)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:  # a body that is not JSON text at all: like any bad body, 422
            return error_response(ApiError(422, "invalid-json", f"the request body is not JSON: {exc.detail}",
                                           hint="send UTF-8 JSON with Content-Type: application/json"))
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return error_response(ApiError(exc.status_code, code, str(exc.detail),
                                       headers=dict(exc.headers or {})))

    def authorize(request: Request, *, write: bool = False, public: bool = False) -> str:
        header = request.headers.get("authorization")
        if header is None and public and config.public_read:
            request.state.user = "public"
            return "public"
        if header is None:
            raise ApiError(401, "unauthorized", "no token: send Authorization: Bearer TOKEN",
                           hint="ask the server's operator for a token",
                           headers={"WWW-Authenticate": "Bearer"})
        scheme, _, presented = header.partition(" ")
        token = config.tokens.find(presented.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise ApiError(401, "unauthorized", "unknown token", hint="check the token you send",
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        request.state.user = token.name
        if write and not token.can_write:
            raise ApiError(403, "forbidden", f"token {token.name} may only read",
                           hint="writes need a token with the write role")
        return token.name

    @app.get("/healthz", responses=documented_errors())
    async def healthz(request: Request) -> dict[str, Any]:
        authorize(request, public=True)
        return {"status": "ok", "revision": server.view.revision}

    # Routes are matched in order: the ones a site calls most come first.
    site_routes(app, server, authorize)
    for kind in ("plans", "offers", "products"):
        object_routes(app, server, config, kind, authorize)
    return Outer(app, dice=FaultDice(config.faults) if config.faults else None,
                 limiter=RateLimiter(config.rate_limit) if config.rate_limit else None,
                 access_stream=access_stream)


