"""uvicorn's HTTP protocol with JSON for the one answer it makes itself: a request it cannot
parse (400). Everything else is answered by the app, in JSON already."""

from __future__ import annotations

from typing import Any

from offerspec.serve.errors import ApiError


def _bad_request(message: str) -> bytes:
    body = ApiError(400, "bad-request", f"not an HTTP request this server can read: {message}",
                    hint="send HTTP/1.1").body()
    return (b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)


def json_protocol(http: str) -> Any:
    """The protocol class for ``uvicorn.Config(http=...)``: httptools' or h11's, JSON on a 400."""
    if http == "httptools":
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    else:
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base  # type: ignore[assignment]

    class JsonErrors(Base):
        def send_400_response(self, msg: str) -> None:
            self.transport.write(_bad_request(msg))
            self.transport.close()

    return JsonErrors
