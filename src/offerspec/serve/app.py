"""The ASGI app: the platform's REST API over a store (docs/serve.md, docs/platform-api.md)."""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal, TextIO

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from offerspec import __version__
from offerspec.diagnostics import OfferspecError
from offerspec.platform import REQUEST_MODELS, RESPONSE_MODELS, Problem, sent_fields, singular
from offerspec.serve.errors import ApiError, ErrorResponse, not_found
from offerspec.serve.faults import FaultDice, RateLimiter
from offerspec.serve.idempotency import MAX_KEY_LENGTH, Saved, fingerprint
from offerspec.serve.lists import ListMeta, list_response
from offerspec.serve.middleware import Outer, internal_error
from offerspec.serve.simulation import (
    CheckoutIn,
    CheckoutOut,
    OfferViewOut,
    SignupIn,
    SignupOut,
    run_checkout,
    run_offer_view,
    run_signup,
)
from offerspec.serve.state import ServeConfig, ServerState
from offerspec.serve.writes import Request as WriteRequest
from offerspec.store.base import StoreLocked

JSON = "application/json"
log = logging.getLogger("offerspec.serve")
Active = Literal["active", "archived"]
_ERROR_TEXTS = {
    401: "No token, or an unknown one", 403: "The token may not do this",
    404: "No such object", 409: "Conflicts with the live catalog", 412: "If-Match is stale",
    422: "The request breaks the catalog's rules (problems list each one)",
    429: "Rate limited (serve --rate-limit): see Retry-After",
    500: "Internal error (error_id)",
    503: "Unavailable (the store is locked, or serve --faults)"}
_ERRORS: dict[int, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text} for status, text in _ERROR_TEXTS.items()}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: _ERRORS[s] for s in (401, 429, 500, 503, *statuses)}


def json_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)


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
                     config.store_url, server.view.revision)
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

    @app.get("/healthz", responses=_errors())
    async def healthz(request: Request) -> dict[str, Any]:
        authorize(request, public=True)
        return {"status": "ok", "revision": server.view.revision}

    # Routes are matched in order: the ones a site calls most come first.
    _site_routes(app, server, authorize)
    for kind in ("plans", "offers", "products"):
        _object_routes(app, server, config, kind, authorize)
    return Outer(app, dice=FaultDice(config.faults) if config.faults else None,
                 limiter=RateLimiter(config.rate_limit) if config.rate_limit else None,
                 access_stream=access_stream)


Authorize = Callable[..., str]


def _object_routes(app: FastAPI, server: ServerState, config: ServeConfig, kind: str,
                   authorize: Authorize) -> None:
    one = singular(kind)
    response_model = RESPONSE_MODELS[kind]
    request_model = REQUEST_MODELS[kind]
    ok: dict[int | str, dict[str, Any]] = {200: {"model": response_model, "description": f"The {one}"}}
    lock_timeout = config.lock_timeout

    async def list_objects(request: Request, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
                           per_page: Annotated[int, Query(ge=1, le=500)] = 50,
                           active: Active | None = None,
                           product_id: Annotated[int | None, Query(ge=1)] = None) -> Response:
        authorize(request, public=True)
        return json_response(list_response(server.view, kind, page, per_page, active=active,
                                           product_id=product_id))

    if kind != "plans":  # only plans have product_id
        async def list_kind(request: Request, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
                            per_page: Annotated[int, Query(ge=1, le=500)] = 50,
                            active: Active | None = None) -> Response:
            return await list_objects(request, page, per_page, active, None)
        lister: Callable[..., Awaitable[Response]] = list_kind
    else:
        lister = list_objects
    app.get(f"/{kind}", summary=f"List {kind}", response_model=None, responses={
        200: {"model": ListMeta.model_for(kind, response_model), "description": f"A page of {kind}"},
        **_errors(422)})(lister)

    async def get_object(request: Request, id: int) -> Response:
        authorize(request, public=True)
        view = server.view
        if view.get(kind, id) is None:
            raise not_found(kind, id)
        rendered = view.rendered(kind, id)
        return json_response(rendered.body, headers={"ETag": rendered.etag})

    app.get(f"/{kind}/{{id}}", summary=f"Get a {one}", response_model=None,
            responses={**ok, **_errors(404, 422)})(get_object)

    async def write(request: Request, user: str, run: Callable[[], Any], status: int) -> Response:
        try:
            view, number = await server.in_store_thread(run)
        except StoreLocked as exc:
            raise ApiError(503, "store-locked", exc.message, hint="retry in a moment",
                           headers={"Retry-After": "2"}) from exc
        except OfferspecError as exc:
            raise ApiError(409, "refused", exc.message, hint=exc.hint) from exc
        server.publish(view)
        rendered = view.rendered(kind, number)
        headers = {"ETag": rendered.etag}
        if status == 201:
            headers["Location"] = f"/{kind}/{number}"
        return json_response(rendered.body, status, headers)

    async def create_object(request: Request, body: Any) -> Response:
        user = authorize(request, write=True)
        fields = sent_fields(body)
        assert server.writer is not None
        writer = server.writer
        path = request.url.path

        async def run() -> Response:
            return await write(request, user, lambda: writer.create(
                kind, fields, WriteRequest(user, "POST", path, lock_timeout)), 201)

        return await _idempotent(server, request, user, run)

    create_object.__annotations__["body"] = request_model
    app.post(f"/{kind}", summary=f"Create a {one}", status_code=201, response_model=None, responses={
        201: {"model": response_model, "description": f"The new {one}"},
        **_errors(403, 409, 422)})(create_object)

    async def update_object(request: Request, id: int, body: Any) -> Response:
        user = authorize(request, write=True)
        fields = sent_fields(body)
        assert server.writer is not None
        writer = server.writer
        if_match = request.headers.get("if-match")
        return await write(request, user, lambda: writer.update(
            kind, id, fields, if_match, WriteRequest(user, "PUT", request.url.path, lock_timeout)), 200)

    update_object.__annotations__["body"] = request_model
    app.put(f"/{kind}/{{id}}", summary=f"Update a {one}", response_model=None,
            responses={**ok, **_errors(403, 404, 409, 412, 422)})(update_object)

    async def delete_object(request: Request, id: int) -> Response:
        user = authorize(request, write=True)
        assert server.writer is not None
        writer = server.writer
        if_match = request.headers.get("if-match")
        try:
            view = await server.in_store_thread(lambda: writer.delete(
                kind, id, if_match, WriteRequest(user, "DELETE", request.url.path, lock_timeout)))
        except StoreLocked as exc:
            raise ApiError(503, "store-locked", exc.message, hint="retry in a moment",
                           headers={"Retry-After": "2"}) from exc
        server.publish(view)
        return Response(status_code=204)

    app.delete(f"/{kind}/{{id}}", summary=f"Delete a {one}", status_code=204, response_model=None,
               responses={204: {"description": "Deleted"}, **_errors(403, 404, 409, 412, 422)},
               )(delete_object)


async def _idempotent(server: ServerState, request: Request, user: str,
                      run: Callable[[], Awaitable[Response]]) -> Response:
    key = request.headers.get("idempotency-key")
    if key is None:
        try:
            return await run()
        except ApiError as exc:
            return error_response(exc)
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiError(422, "invalid-idempotency-key",
                       f"an Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable characters",
                       hint="use a UUID per logical request")
    raw = await request.body()
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = raw
    entry, first = server.keys.begin(user, key, fingerprint(request.method, request.url.path, body))
    if not first:
        if entry.fingerprint != fingerprint(request.method, request.url.path, body):
            raise ApiError(422, "idempotency-key-reused",
                           "this Idempotency-Key was used with another request body",
                           hint="use a new key for a new request")
        saved = await entry.done
        if saved is None:  # the first one failed on the server's side: this one runs afresh
            return await _idempotent(server, request, user, run)
        return Response(saved.body, saved.status, media_type=JSON,
                        headers={**saved.headers, "Idempotent-Replayed": "true"})
    saved_response: Saved | None = None
    try:
        try:
            response = await run()
        except ApiError as exc:
            response = error_response(exc)
        if response.status_code < 500:
            headers = {k: v for k, v in response.headers.items()
                       if k.lower() in ("etag", "location", "retry-after")}
            saved_response = Saved(response.status_code, headers, bytes(response.body))
        return response
    finally:
        server.keys.finish(user, key, entry, saved_response)


def _site_routes(app: FastAPI, server: ServerState, authorize: Authorize) -> None:
    from offerspec.simulate.inputs import parse_date

    async def view_offer(request: Request, id: str, *, country: str | None = None,
                         direct_link: bool = False,
                         day: Annotated[str | None, Query(
                             alias="date", description="YYYY-MM-DD; default today (UTC)",
                             max_length=10)] = None,
                         email: Annotated[str | None, Query(max_length=320)] = None,
                         ip: Annotated[str | None, Query(max_length=64)] = None,
                         seats_used: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
                         holding: Annotated[list[str] | None, Query(
                             description="PRODUCT or PRODUCT:YYYY-MM-DD (repeatable)")] = None,
                         ) -> Response:
        authorize(request, public=True)
        view = await server.simulator_view()
        offer_id = _offer_id(view, id)
        try:
            when = parse_date(day) if day else None
            holdings: list[tuple[str, Any]] = []
            for text in holding or []:
                product, _, end = text.partition(":")
                holdings.append((product, parse_date(end) if end else None))
        except OfferspecError as exc:
            raise ApiError(422, "simulate-input", exc.message, hint=exc.hint) from exc
        result = run_offer_view(view, offer_id, country=country, direct_link=direct_link, day=when,
                                email=email, ip=ip, seats_used=seats_used, holdings=holdings)
        return json_response(json.dumps(result, ensure_ascii=False).encode())

    app.get("/offers/{id}/view", summary="The plans a member is shown in an offer",
            response_model=None, responses={200: {"model": OfferViewOut,
                                                  "description": "simulate --offer --format json"},
                                            **_errors(404, 422)})(view_offer)

    async def simulate_checkout(request: Request, body: CheckoutIn) -> Response:
        authorize(request, public=True)
        view = await server.simulator_view()
        return json_response(json.dumps(run_checkout(view, body), ensure_ascii=False).encode())

    app.post("/simulate/checkout", summary="Simulate a checkout", response_model=None, responses={
        200: {"model": CheckoutOut, "description": "simulate --offer --plan --format json"},
        **_errors(422)})(simulate_checkout)

    async def simulate_signup(request: Request, body: SignupIn) -> Response:
        authorize(request, public=True)
        view = await server.simulator_view()
        return json_response(json.dumps(run_signup(view, body), ensure_ascii=False).encode())

    app.post("/simulate/signup", summary="Simulate a signup's auto-subscription", response_model=None,
             responses={200: {"model": SignupOut, "description": "simulate --signup --format json"},
                        **_errors(422)},
             )(simulate_signup)


def _offer_id(view: Any, ident: str) -> str:
    """An offer by platform id (digits) or catalog id (``/offers/subscribe/view``)."""
    if ident.isdigit() and len(ident) < 19:
        stored = view.get("offers", int(ident))
        if stored is not None:
            return str(stored.id)
    elif view.snapshot.get("offers", ident) is not None:
        return ident
    raise not_found("offers", ident)
