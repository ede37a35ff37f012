"""The object routes, alike for plans, products and offers: list, get, create, update, delete."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request, Response

from offerspec.diagnostics import OfferspecError
from offerspec.platform import REQUEST_MODELS, RESPONSE_MODELS, sent_fields, singular
from offerspec.serve.errors import ApiError, not_found
from offerspec.serve.idempotency import MAX_KEY_LENGTH, Saved, fingerprint
from offerspec.serve.lists import ListMeta, list_response
from offerspec.serve.responses import (
    JSON,
    Active,
    Authorize,
    documented_errors,
    error_response,
    json_response,
)
from offerspec.serve.state import ServeConfig, ServerState
from offerspec.serve.writes import Request as WriteRequest
from offerspec.serve.writes import Writer
from offerspec.store.base import StoreLocked


def object_routes(app: FastAPI, server: ServerState, config: ServeConfig, kind: str,
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
        **documented_errors(422)})(lister)

    async def get_object(request: Request, id: int) -> Response:
        authorize(request, public=True)
        view = server.view
        if view.get(kind, id) is None:
            raise not_found(kind, id)
        rendered = view.rendered(kind, id)
        return json_response(rendered.body, headers={"ETag": rendered.etag})

    app.get(f"/{kind}/{{id}}", summary=f"Get a {one}", response_model=None,
            responses={**ok, **documented_errors(404, 422)})(get_object)

    async def write(request: Request, user: str, run: Callable[[Writer], Any], status: int,
                    ) -> Response:
        try:
            view, number = await server.write(run)
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
        path = request.url.path

        async def run() -> Response:
            return await write(request, user, lambda writer: writer.create(
                kind, fields, WriteRequest(user, "POST", path, lock_timeout)), 201)

        return await _idempotent(server, request, user, run)

    create_object.__annotations__["body"] = request_model
    app.post(f"/{kind}", summary=f"Create a {one}", status_code=201, response_model=None, responses={
        201: {"model": response_model, "description": f"The new {one}"},
        **documented_errors(403, 409, 422)})(create_object)

    async def update_object(request: Request, id: int, body: Any) -> Response:
        user = authorize(request, write=True)
        fields = sent_fields(body)
        if_match = request.headers.get("if-match")
        return await write(request, user, lambda writer: writer.update(
            kind, id, fields, if_match, WriteRequest(user, "PUT", request.url.path, lock_timeout)), 200)

    update_object.__annotations__["body"] = request_model
    app.put(f"/{kind}/{{id}}", summary=f"Update a {one}", response_model=None,
            responses={**ok, **documented_errors(403, 404, 409, 412, 422)})(update_object)

    async def delete_object(request: Request, id: int) -> Response:
        user = authorize(request, write=True)
        if_match = request.headers.get("if-match")
        try:
            view = await server.write(lambda writer: writer.delete(
                kind, id, if_match, WriteRequest(user, "DELETE", request.url.path, lock_timeout)))
        except StoreLocked as exc:
            raise ApiError(503, "store-locked", exc.message, hint="retry in a moment",
                           headers={"Retry-After": "2"}) from exc
        server.publish(view)
        return Response(status_code=204)

    app.delete(f"/{kind}/{{id}}", summary=f"Delete a {one}", status_code=204, response_model=None,
               responses={204: {"description": "Deleted"}, **documented_errors(403, 404, 409, 412, 422)},
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


