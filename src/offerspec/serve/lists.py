"""``GET /plans`` (products, offers): a page of objects ordered by id, and a next link."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, create_model

from offerspec.serve.view import View

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500


class ListMeta(BaseModel):
    page: int
    per_page: int
    total: int
    next: str | None

    @staticmethod
    def model_for(kind: str, item: type[BaseModel]) -> type[BaseModel]:
        """The list response's schema: ``{"data": [item, ...], "meta": ListMeta}``."""
        name = f"{kind.capitalize()}List"
        model: type[BaseModel] = create_model(name, data=(list[item], ...), meta=(ListMeta, ...))  # type: ignore[valid-type]
        return model


def list_response(view: View, kind: str, page: int, per_page: int, *, active: str | None = None,
                  product_id: int | None = None) -> bytes:
    numbers = view.numbers(kind, active=active, product_id=product_id)
    start = (page - 1) * per_page
    chosen = numbers[start:start + per_page]
    nxt = None
    if start + per_page < len(numbers):
        query: dict[str, Any] = {"page": page + 1, "per_page": per_page}
        if active is not None:
            query["active"] = active
        if product_id is not None:
            query["product_id"] = product_id
        nxt = f"/{kind}?{urlencode(query)}"
    meta = json.dumps({"page": page, "per_page": per_page, "total": len(numbers), "next": nxt})
    items = b",".join(view.rendered(kind, n).body for n in chosen)
    return b'{"data":[' + items + b'],"meta":' + meta.encode() + b"}"
