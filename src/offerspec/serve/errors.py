"""JSON errors, the one shape every failure takes (docs/platform-api.md, "Requests and responses")."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from offerspec.platform import Problem


class ProblemOut(BaseModel):
    path: str
    code: str
    message: str
    hint: str | None = None


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str
    hint: str | None = None
    problems: list[ProblemOut] = []
    error_id: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    """An answer other than success; raised anywhere in a handler, rendered as JSON."""

    def __init__(self, status: int, code: str, message: str, *, hint: str | None = None,
                 problems: list[Problem] | None = None, headers: dict[str, str] | None = None,
                 error_id: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.problems = problems or []
        self.headers = headers or {}
        self.error_id = error_id

    def body(self) -> bytes:
        error: dict[str, Any] = {"status": self.status, "code": self.code,
                                 "message": self.message, "hint": self.hint,
                                 "problems": [p.to_json() for p in self.problems]}
        if self.error_id is not None:
            error["error_id"] = self.error_id
        # ASCII-escaped JSON: no control character from a request reaches a client's screen raw.
        return json.dumps({"error": error}).encode()


def not_found(kind: str, ident: object) -> ApiError:
    singular = kind.removesuffix("s")
    return ApiError(404, "not-found", f"no {singular} has id {ident}",
                    hint=f"list them with GET /{kind}")
