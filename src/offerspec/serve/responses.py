"""What every route answers with: JSON bodies, the JSON error shape, the documented errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from starlette.responses import Response

from offerspec.serve.errors import ApiError, ErrorResponse

JSON = "application/json"
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


def documented_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: _ERRORS[s] for s in (401, 429, 500, 503, *statuses)}


def json_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=JSON, headers=headers)


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)


Authorize = Callable[..., str]
"""``authorize(request, write=False, public=False) -> token name`` (raises ApiError 401/403)."""
