"""The scenario file format: strict pydantic models, like the catalog's.

An expected entitlement or charge is compared on the fields it writes, so
``end: null`` pins "never expires" while leaving ``end`` out does not compare it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from offerspec.model import IsoDate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


Id = Annotated[str, Field(min_length=1, max_length=64)]


class HoldingSpec(_Strict):
    product: Id
    end: IsoDate | None = None


class MemberSpec(_Strict):
    """Fields shared by checkouts and signups."""

    date: IsoDate = Field(description="Required: a scenario must not depend on today")
    email: Annotated[str, Field(max_length=320)] | None = None
    ip: Annotated[str, Field(max_length=64)] | None = None
    seats_used: Annotated[int, Field(ge=0)] = 0


class CheckoutSpec(MemberSpec):
    offer: Id
    plan: Id
    country: Annotated[str, Field(min_length=2, max_length=2)] | None = None
    direct_link: bool = False
    holdings: list[HoldingSpec] = Field(default_factory=list)
    renewals: Annotated[int, Field(ge=0, le=1000)] = 0


class SignupSpec(MemberSpec):
    @model_validator(mode="after")
    def _needs_email_or_ip(self) -> SignupSpec:
        if not self.email and not self.ip:
            raise ValueError("a signup needs an email or an ip")
        return self


class ExpectedEntitlement(_Strict):
    product: Id
    start: IsoDate
    end: IsoDate | None = None
    plan: Id | None = None
    trial_end: IsoDate | None = None
    period: Annotated[int, Field(ge=0)] = 0
    note: str | None = None


class ExpectedCharge(_Strict):
    date: IsoDate
    amount: Annotated[int, Field(ge=0)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    plan: Id | None = None
    period: Annotated[int, Field(ge=0)] = 0


class Expect(_Strict):
    accepted: bool | None = None
    reasons: list[str] | None = Field(default=None, description="Refusal codes, in order")
    plans: list[Id] | None = Field(default=None, description="Signup: plans auto-subscribed to")
    entitlements: list[ExpectedEntitlement] | None = None
    charges: list[ExpectedCharge] | None = None

    @field_validator("accepted", "reasons", "plans", "entitlements", "charges", mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        # Left out, a key is not checked; written as null, it would pin nothing: a mistake.
        if value is None:
            raise ValueError(f"{info.field_name}: null expects nothing: write the expected value, "
                             "or leave the key out")
        return value

    @model_validator(mode="after")
    def _expects_something(self) -> Expect:
        if not self.model_fields_set:
            raise ValueError("expect at least one of accepted, reasons, plans, entitlements, charges")
        return self


ScenarioName = Annotated[str, Field(min_length=1, max_length=200, strict=True)]


class Scenario(_Strict):
    name: ScenarioName
    description: str | None = None
    checkout: CheckoutSpec | None = None
    signup: SignupSpec | None = None
    expect: Expect

    @model_validator(mode="after")
    def _one_action(self) -> Scenario:
        if (self.checkout is None) == (self.signup is None):
            raise ValueError("a scenario has exactly one of `checkout:` or `signup:`")
        return self


class ScenarioFile(_Strict):
    scenarios: Annotated[list[Scenario], Field(min_length=1)]


class ScenarioFileShape(_Strict):
    """The top level alone: each scenario is then validated on its own, so that one broken
    scenario does not hide the problems of the others."""

    scenarios: Annotated[list[Any], Field(min_length=1)]
