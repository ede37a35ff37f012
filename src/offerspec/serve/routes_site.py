"""What a site reads: the offer view and the simulations (offerspec.serve.simulation)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from offerspec.diagnostics import OfferspecError
from offerspec.numbers import is_digits
from offerspec.serve.errors import ApiError, not_found
from offerspec.serve.responses import Authorize, documented_errors, json_response
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
from offerspec.serve.state import ServerState


class OfferViewQuery(BaseModel):
    """The member, as ``simulate --offer``'s options (validated in one go: many single query
    parameters cost FastAPI more than the simulation itself)."""

    model_config = ConfigDict(extra="ignore")  # e.g. a site's cache-busting parameter

    country: Annotated[str | None, Field(max_length=64)] = None
    direct_link: bool = False
    date: Annotated[str | None, Field(max_length=10, description="YYYY-MM-DD; default today (UTC)")] = None
    email: Annotated[str | None, Field(max_length=320)] = None
    ip: Annotated[str | None, Field(max_length=64)] = None
    seats_used: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    holding: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, description="PRODUCT or PRODUCT:YYYY-MM-DD (repeatable)")


def site_routes(app: FastAPI, server: ServerState, authorize: Authorize) -> None:
    from offerspec.simulate.inputs import parse_date

    async def view_offer(request: Request, id: str,
                         query: Annotated[OfferViewQuery, Query()]) -> Response:
        authorize(request, public=True)
        view = await server.simulator_view()
        offer_id = _offer_id(view, id)
        try:
            when = parse_date(query.date) if query.date else None
            holdings: list[tuple[str, Any]] = []
            for text in query.holding:
                product, _, end = text.partition(":")
                holdings.append((product, parse_date(end) if end else None))
        except OfferspecError as exc:
            raise ApiError(422, "simulate-input", exc.message, hint=exc.hint) from exc
        result = run_offer_view(view, offer_id, country=query.country, direct_link=query.direct_link,
                                day=when, email=query.email, ip=query.ip, seats_used=query.seats_used,
                                holdings=holdings)
        return json_response(json.dumps(result, ensure_ascii=False).encode())

    app.get("/offers/{id}/view", summary="The plans a member is shown in an offer",
            response_model=None, responses={200: {"model": OfferViewOut,
                                                  "description": "simulate --offer --format json"},
                                            **documented_errors(404, 422)})(view_offer)

    async def simulate_checkout(request: Request, body: CheckoutIn) -> Response:
        authorize(request, public=True)
        view = await server.simulator_view()
        return json_response(json.dumps(run_checkout(view, body), ensure_ascii=False).encode())

    app.post("/simulate/checkout", summary="Simulate a checkout", response_model=None, responses={
        200: {"model": CheckoutOut, "description": "simulate --offer --plan --format json"},
        **documented_errors(422)})(simulate_checkout)

    async def simulate_signup(request: Request, body: SignupIn) -> Response:
        authorize(request, public=True)
        view = await server.simulator_view()
        return json_response(json.dumps(run_signup(view, body), ensure_ascii=False).encode())

    app.post("/simulate/signup", summary="Simulate a signup's auto-subscription", response_model=None,
             responses={200: {"model": SignupOut, "description": "simulate --signup --format json"},
                        **documented_errors(422)},
             )(simulate_signup)


def _offer_id(view: Any, ident: str) -> str:
    """An offer by platform id (digits) or catalog id (``/offers/subscribe/view``)."""
    if is_digits(ident) and len(ident) < 19:
        stored = view.get("offers", int(ident))
        if stored is not None:
            return str(stored.id)
    elif view.snapshot.get("offers", ident) is not None:
        return ident
    raise not_found("offers", ident)
