"""The catalog language: products, plans and offers as strict pydantic models.

These models are the one source of truth for the file format: they validate
the YAML (strictly: no float, string or bool where an integer is expected),
and ``schemas/offerspec.schema.json`` is generated from them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

MAX_AMOUNT = 99_999_999_999
"""Largest amount in minor units (999,999,999.99 in a two-decimal currency)."""

MAX_TRIAL_DAYS = 730
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _parse_date(value: Any) -> Any:
    # YAML 1.2 has no date type: dates arrive as text and only YYYY-MM-DD is accepted.
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


Slug = Annotated[str, Field(pattern=SLUG_PATTERN, min_length=1, max_length=64)]
Text = Annotated[str, Field(max_length=10_000)]
# A name shown to people: blank text ("  ") is no name at all.
DisplayName = Annotated[str, Field(min_length=1, max_length=255, pattern=r"\S")]
Status = Literal["active", "archived"]
Metadata = dict[Annotated[str, Field(min_length=1, max_length=40)], Annotated[str, Field(max_length=500)]]
IsoDate = Annotated[date, BeforeValidator(_parse_date)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_default=False)


RenamedFrom = Annotated[list[Slug], Field(
    default_factory=list, exclude=True, max_length=100,
    description="Ids this object had before (a rename: same object, same subscribers); "
                "a declaration, not stored data")]
"""A declaration about the id, not part of the object: left out of its canonical data (hashes,
the store, plans), like Terraform's ``moved`` blocks (docs/catalog.md, "Renaming an object")."""

DECLARATIONS = frozenset({"renamed_from"})
"""Fields a catalog file may write that are not the object's data (never stored)."""


class Product(_Strict):
    """A unit of access, e.g. "Digital Access"."""

    id: Slug
    renamed_from: RenamedFrom
    name: DisplayName
    description: Text | None = None
    status: Status = "active"
    metadata: Metadata = Field(default_factory=dict)


Interval = Literal["day", "week", "month", "year"]


class Plan(_Strict):
    """One purchasable option: what it grants, for how long, at what price."""

    id: Slug
    renamed_from: RenamedFrom
    nickname: Annotated[DisplayName, Field(description="Display name shown to members")]
    name_internal: Annotated[str, Field(max_length=255)] | None = None
    description: Text | None = None
    product: Slug = Field(description="Parent product id")
    grants: list[Slug] | None = Field(
        default=None,
        description="Products whose entitlements the plan creates; default [product] ([] for a donation)",
    )
    amount: Annotated[int, Field(ge=0, le=MAX_AMOUNT,
                                 description="Price in integer minor units (cents)")]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")]
    interval: Interval | None = Field(default=None, description="Omitted = indefinite")
    interval_count: Annotated[int, Field(ge=1, le=1000)] = 1
    auto_renew: bool | None = Field(
        default=None, description="Default: true when the plan has an interval, else false")
    trial_period_days: Annotated[int, Field(ge=0, le=MAX_TRIAL_DAYS)] = 0
    revenue_recognition: Literal["time", "shipment"] = "time"
    renewal_strategy: Literal["regular", "digital", "agency", "single_shipment"] = "regular"
    shipments_per_interval: Annotated[int, Field(ge=0, le=10_000)] | None = None
    available_online: bool = Field(default=True,
                                   description="false = offline plan, reachable by direct link only")
    is_hidden: bool = False
    refundable: bool = False
    type: Literal["regular", "membership"] = "regular"
    member_seat_capacity: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    group_owner_plan: Slug | None = None
    countries: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(
        default_factory=list, description="ISO 3166-1 alpha-2; empty = everywhere")
    ip_addresses: list[str] = Field(default_factory=list,
                                    description="CIDR ranges for auto-subscription")
    domains: list[str] = Field(default_factory=list,
                               description="Email domains for auto-subscription")
    is_donation: bool = False
    allow_send_invoice: bool = False
    auto_uncollectible_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    invoice_upcoming_notification: Annotated[int, Field(ge=0, le=365)] | None = Field(
        default=None, description="Days before renewal to notify")
    apple_product_id: Annotated[str, Field(max_length=255)] | None = None
    gift_description: Text | None = None
    image: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=2048)] | None = None
    agency_id: Annotated[str, Field(max_length=255)] | None = None
    agency_remit_rate: Annotated[int | float, Field(ge=0, le=100)] | None = Field(
        default=None, description="Percentage (0-100) remitted to the agency")
    expires_at: IsoDate | None = Field(default=None, description="Last day the plan can be bought")
    segment: Annotated[str, Field(max_length=255)] | None = None
    status: Status = "active"
    metadata: Metadata = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fill_derived_defaults(self) -> Plan:
        # Defaults that depend on other fields; model_fields_set still says what was written.
        # Writing through __dict__ keeps them out of model_fields_set.
        if self.grants is None:
            self.__dict__["grants"] = [] if self.is_donation else [self.product]
        if self.auto_renew is None:
            self.__dict__["auto_renew"] = self.interval is not None
        return self


class Offer(_Strict):
    """A named, ordered set of plans shown to a member ("choose a plan")."""

    id: Slug
    renamed_from: RenamedFrom
    name: DisplayName
    description: Text | None = None
    plans: list[Slug] = Field(description="Ordered, non-empty, no repeats")
    status: Status = "active"
    metadata: Metadata = Field(default_factory=dict)


class CatalogFile(_Strict):
    """One catalog file: any of the three top-level lists."""

    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"title": "offerspec catalog file"},
    )

    products: list[Product] = Field(default_factory=list)
    plans: list[Plan] = Field(default_factory=list)
    offers: list[Offer] = Field(default_factory=list)


KINDS: tuple[str, ...] = ("products", "plans", "offers")
MODEL_BY_KIND: dict[str, type[Product] | type[Plan] | type[Offer]] = {
    "products": Product, "plans": Plan, "offers": Offer,
}


def data_fields(kind: str) -> tuple[str, ...]:
    """The fields of ``kind`` that are the object's data (stored, compared), in model order."""
    return tuple(name for name in MODEL_BY_KIND[kind].model_fields if name not in DECLARATIONS)
