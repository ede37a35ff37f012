"""The platform's objects (docs/platform-api.md) as pydantic models: what the server returns and
what a client sends. The HTTP store and ``offerspec serve`` share them.

Response models are plain (the server builds them from checked catalog objects). Request models
accept every attribute of the response (a client may send back what it read), every one
optional: a ``POST`` fills the catalog's defaults, a ``PUT`` keeps the values not sent. Their
types are the platform's; the catalog's own rules run after the mapping.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Active = Literal["active", "archived"]
PlatformId = Annotated[int, Field(ge=1, le=2**53)]
Metadata = dict[str, str]


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Entitlements(_Response):
    product_ids: list[int] = Field(description="Platform ids of the products the plan grants")


class PlatformProduct(_Response):
    id: int
    name: str
    description: str | None
    active: Active
    status: Active = Field(description="Alias for active (deprecated)")
    metadata: Metadata


class PlatformOffer(_Response):
    id: int
    name: str
    description: str | None
    active: Active
    status: Active = Field(description="Alias for active (deprecated)")
    plan_ids: list[int] = Field(description="The offer's plans, in order")
    metadata: Metadata


class PlatformPlan(_Response):
    """Every attribute of the platform's plan object, plus the catalog fields it does not list."""

    id: int
    active: Active
    status: Active = Field(description="Alias for active (deprecated)")
    product_id: int
    entitlements: Entitlements
    group_owner_plan_id: int | None
    amount: int = Field(description="Price in cents (integer minor units)")
    currency: str
    interval: Literal["day", "week", "month", "year"] | None
    interval_count: int
    auto_renew: bool
    nickname: str
    name_internal: str | None
    description: str | None
    trial_period_days: int
    renewal_strategy: Literal["regular", "digital", "agency", "single_shipment"]
    shipments_per_interval: int | None
    available_online: bool
    is_hidden: bool
    refundable: bool
    type: Literal["regular", "membership"]
    member_seat_capacity: int | None
    countries: list[str]
    ip_addresses: list[str]
    domains: list[str]
    is_donation: bool
    allow_send_invoice: bool
    auto_uncollectible_days: int | None
    invoice_upcoming_notification: int | None
    apple_product_id: str | None
    gift_description: str | None
    image: str | None
    agency_id: int | None
    agency_name: str | None
    agency_remit_rate: float | None
    expires_at: str | None = Field(description="YYYY-MM-DD")
    revenue_recognition: Literal["time", "shipment"]
    segment: str | None
    is_imported: bool
    old_provider_id: str | None
    metadata: Metadata


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class EntitlementsIn(_Request):
    product_ids: list[PlatformId]


class ProductIn(_Request):
    id: PlatformId | None = Field(default=None, description="Ignored on POST; must match the URL on PUT")
    name: str | None = None
    description: str | None = None
    active: Active | None = None
    status: Active | None = Field(default=None, description="Alias for active (deprecated)")
    metadata: Metadata | None = None


class OfferIn(_Request):
    id: PlatformId | None = Field(default=None, description="Ignored on POST; must match the URL on PUT")
    name: str | None = None
    description: str | None = None
    active: Active | None = None
    status: Active | None = Field(default=None, description="Alias for active (deprecated)")
    plan_ids: list[PlatformId] | None = None
    metadata: Metadata | None = None


class PlanIn(_Request):
    id: PlatformId | None = Field(default=None, description="Ignored on POST; must match the URL on PUT")
    active: Active | None = None
    status: Active | None = Field(default=None, description="Alias for active (deprecated)")
    product_id: PlatformId | None = None
    entitlements: EntitlementsIn | None = None
    group_owner_plan_id: PlatformId | None = None
    amount: int | None = None
    currency: str | None = None
    interval: Literal["day", "week", "month", "year"] | None = None
    interval_count: int | None = None
    auto_renew: bool | None = None
    nickname: str | None = None
    name_internal: str | None = None
    description: str | None = None
    trial_period_days: int | None = None
    renewal_strategy: Literal["regular", "digital", "agency", "single_shipment"] | None = None
    shipments_per_interval: int | None = None
    available_online: bool | None = None
    is_hidden: bool | None = None
    refundable: bool | None = None
    type: Literal["regular", "membership"] | None = None
    member_seat_capacity: int | None = None
    countries: list[str] | None = None
    ip_addresses: list[str] | None = None
    domains: list[str] | None = None
    is_donation: bool | None = None
    allow_send_invoice: bool | None = None
    auto_uncollectible_days: int | None = None
    invoice_upcoming_notification: int | None = None
    apple_product_id: str | None = None
    gift_description: str | None = None
    image: str | None = None
    agency_id: int | None = None
    agency_name: str | None = None
    agency_remit_rate: int | float | None = None
    expires_at: str | None = Field(default=None, description="YYYY-MM-DD")
    revenue_recognition: Literal["time", "shipment"] | None = None
    segment: str | None = None
    is_imported: Literal[False] | None = Field(default=None, description="Always false")
    old_provider_id: None = Field(default=None, description="Always null")
    metadata: Metadata | None = None


RESPONSE_MODELS: dict[str, type[BaseModel]] = {
    "products": PlatformProduct, "plans": PlatformPlan, "offers": PlatformOffer}
REQUEST_MODELS: dict[str, type[_Request]] = {"products": ProductIn, "plans": PlanIn, "offers": OfferIn}


def sent_fields(body: BaseModel) -> dict[str, Any]:
    """What the client wrote (``null`` included: it clears a field), nothing it left out."""
    return body.model_dump(exclude_unset=True)
