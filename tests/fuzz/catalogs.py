"""Strategies for valid catalogs (products, plans, offers with every field of docs/catalog.md),
and the ways of writing one as YAML files.

``catalogs()`` draws a catalog that passes every rule by construction: the cross-field rules
(trials, renewals, donations, memberships, shipments, agencies, group owners, disjoint IP ranges,
unique domains and App Store ids, offers of purchasable plans) are kept while drawing.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import strategies as st

from offerspec.model import MAX_AMOUNT

Doc = dict[str, list[dict[str, Any]]]
Files = dict[str, str]

# Characters YAML counts as line breaks besides LF/CR (U+0085, U+2028, U+2029): line counting
# and pull of them are helper "harden"'s class (issue 12), left out here until it lands.
HARDEN_BREAKS = "\x85\u2028\u2029"
# Text as people and hostile data write it: any printable character, controls (ESC, CR, tab,
# bidi overrides), a few words YAML 1.1 would read as something else.
_chars = st.characters(codec="utf-8", exclude_characters=HARDEN_BREAKS + "\x00")
_tricky = st.sampled_from(["NO", "yes", "on", "~", "null", "0750", "1e3", "0x1F", "1:30", "-", "#x",
                           "a: b", "- x", "'q'", '"q"', "&a", "*a", "!!str", "%", "@x", "`x`",
                           "=SUM(A1)", "M\x1b[2K\rFAKE", "a\tb", "\u202eabc", "ü", "日本", "😀",
                           "  lead", "trail  ", "2024-02-30", ".inf", "<<"])
text = st.one_of(_tricky, st.text(_chars, max_size=40))
names = st.one_of(_tricky, st.text(_chars, min_size=1, max_size=60)).filter(
    lambda s: len(s) <= 255 and s.strip() != "" and any(not c.isspace() for c in s))
slugs = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,23}\Z")
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "KWD", "NOK", "CHF", "BHD", "CLP", "ISK"]
COUNTRIES = ["US", "CA", "GB", "NO", "DE", "FR", "JP", "BR", "IN", "ZA", "AU", "NZ"]
INTERVALS = ["day", "week", "month", "year"]
amounts = st.one_of(st.sampled_from([0, 1, 99, 999, 9900, MAX_AMOUNT, MAX_AMOUNT - 1]),
                    st.integers(0, MAX_AMOUNT))
metadata = st.dictionaries(
    st.text(_chars, min_size=1, max_size=40).filter(lambda k: not k.startswith("offerspec_")),
    st.text(_chars, max_size=80), max_size=3)
dates = st.dates().map(lambda d: d.isoformat())


def _optional(draw: st.DrawFn, obj: dict[str, Any], key: str, strategy: st.SearchStrategy[Any]) -> None:
    if draw(st.booleans()):
        obj[key] = draw(strategy)


@st.composite
def _plan(draw: st.DrawFn, index: int, ident: str, products: list[str],
          owners: list[str]) -> dict[str, Any]:
    product = draw(st.sampled_from(products))
    plan: dict[str, Any] = {"id": ident, "nickname": draw(names), "product": product,
                            "amount": draw(amounts), "currency": draw(st.sampled_from(CURRENCIES))}
    for key in ("name_internal", "description", "gift_description", "segment"):
        _optional(draw, plan, key, text)
    interval = draw(st.sampled_from([None, *INTERVALS]))
    if interval is not None:
        plan["interval"] = interval
        _optional(draw, plan, "interval_count", st.integers(1, 1000))
        _optional(draw, plan, "auto_renew", st.booleans())
    elif draw(st.booleans()):
        plan["auto_renew"] = False
    renews = interval is not None and plan.get("auto_renew", True)
    if renews and plan["amount"] > 0:
        _optional(draw, plan, "trial_period_days", st.integers(0, 730))
    if renews:
        _optional(draw, plan, "invoice_upcoming_notification", st.integers(0, 365))
    if interval is not None and draw(st.booleans()):
        plan["revenue_recognition"] = "shipment"
        plan["shipments_per_interval"] = draw(st.integers(1, 10_000))
    if draw(st.booleans()):
        plan["agency_id"] = draw(text)
        _optional(draw, plan, "renewal_strategy", st.sampled_from(["agency", "digital"]))
        _optional(draw, plan, "agency_remit_rate", st.one_of(
            st.integers(0, 100), st.floats(0, 100, allow_nan=False, allow_infinity=False)))
    if draw(st.booleans()):
        plan["is_donation"] = True
        _optional(draw, plan, "grants", st.just([]))
    else:
        _optional(draw, plan, "grants", st.lists(st.sampled_from(products), min_size=1, unique=True))
    if draw(st.booleans()):
        plan["type"] = "membership"
        plan["member_seat_capacity"] = draw(st.integers(1, 10_000_000))
    if owners and draw(st.booleans()):
        plan["group_owner_plan"] = draw(st.sampled_from(owners))
    _optional(draw, plan, "countries", st.lists(st.sampled_from(COUNTRIES), unique=True))
    # Disjoint ranges and domains of their own: no two active plans share one.
    _optional(draw, plan, "ip_addresses", st.sampled_from(
        [[f"10.{index}.0.0/16"], [f"2001:db8:{index:x}::/48", f"192.0.{index}.0/24"]]))
    _optional(draw, plan, "domains", st.just([f"p{index}.example.org"]))
    _optional(draw, plan, "apple_product_id", st.just(f"com.example.{index}"))
    for key in ("available_online", "is_hidden", "refundable", "allow_send_invoice"):
        _optional(draw, plan, key, st.booleans())
    _optional(draw, plan, "auto_uncollectible_days", st.integers(1, 3650))
    _optional(draw, plan, "image", slugs.map(lambda s: f"https://cdn.example.com/{s}.png"))
    _optional(draw, plan, "expires_at", dates)
    _optional(draw, plan, "status", st.sampled_from(["active", "archived"]))
    _optional(draw, plan, "metadata", metadata)
    return plan


@st.composite
def catalogs(draw: st.DrawFn, max_plans: int = 6, pool: tuple[str, ...] = ()) -> Doc:
    """A catalog that passes every rule (warnings aside); ids drawn from ``pool`` when given
    (catalogs drawn from one pool share ids: applied in turn, they update and replace)."""
    id_strategy = st.sampled_from(pool) if pool else slugs
    ids = draw(st.lists(id_strategy, min_size=1, max_size=2 * max_plans + 6, unique=True))
    n_products = draw(st.integers(1, min(3, len(ids))))
    product_ids, plan_ids = ids[:n_products], ids[n_products:n_products + max_plans]
    products = []
    for ident in product_ids:
        product: dict[str, Any] = {"id": ident, "name": draw(names)}
        _optional(draw, product, "description", text)
        _optional(draw, product, "metadata", metadata)
        products.append(product)
    plans: list[dict[str, Any]] = []
    for index, ident in enumerate(plan_ids):
        owners = [p["id"] for p in plans if p.get("type") == "membership"
                  and p.get("status", "active") == "active"]
        plans.append(draw(_plan(index, ident, product_ids, owners)))
    sellable = [p["id"] for p in plans if p.get("status", "active") == "active"
                and p.get("available_online", True) and not p.get("is_hidden", False)]
    offers = []
    offer_ids = [i for i in ids if i not in product_ids and i not in plan_ids]
    for ident in offer_ids[:3] if sellable else []:
        if draw(st.booleans()):
            offer: dict[str, Any] = {"id": ident, "name": draw(names),
                                     "plans": draw(st.lists(st.sampled_from(sellable), min_size=1,
                                                            unique=True))}
            _optional(draw, offer, "description", text)
            _optional(draw, offer, "metadata", metadata)
            offers.append(offer)
    return {"products": products, "plans": plans, "offers": offers}


# -- writing a catalog as files ------------------------------------------------------------------

def _block(value: Any, indent: int) -> list[str]:
    """Block-style YAML with every string double-quoted as JSON (one reading in YAML 1.1 and 1.2)."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines += [f"{pad}{_scalar(key)}:", *_block(item, indent + 2)]
            else:
                lines.append(f"{pad}{_scalar(key)}: {_scalar(item)}")
        return lines
    if isinstance(value, list) and value:
        lines = []
        for item in value:
            inner = _block(item, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines += inner[1:]
        return lines
    return [pad + _scalar(value)]


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    if not isinstance(value, (str, int, float, bool)):
        value = str(value)  # a date PyYAML read from a seed file
    return _yaml_printable(json.dumps(value, ensure_ascii=False))


# JSON writes DEL, the C1 controls and U+FFFE/U+FFFF raw; YAML allows them only escaped.
_NOT_PRINTABLE = {c: f"\\u{c:04x}" for c in [0x7F, *range(0x80, 0xA0), 0xFFFE, 0xFFFF]}


def _yaml_printable(text: str) -> str:
    return text.translate(_NOT_PRINTABLE)


def as_block_yaml(doc: dict[str, Any]) -> str:
    return "\n".join(_block(doc, 0)) + "\n"


def as_json(doc: dict[str, Any], ascii_only: bool) -> str:
    """JSON, a YAML 1.2 document. ``ascii_only`` escapes every non-ASCII character, the astral
    ones as YAML's ``\\UXXXXXXXX``: libyaml refuses JSON's surrogate pairs (``\\ud83d\\ude00``)."""
    body = _yaml_printable(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n"
    if not ascii_only:
        return body
    return "".join(c if ord(c) < 0x80 else f"\\u{ord(c):04x}" if ord(c) < 0x10000
                   else f"\\U{ord(c):08x}" for c in body)


def as_pyyaml(doc: dict[str, Any], flow: bool, unicode: bool) -> str:
    return yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=unicode, sort_keys=False,
                          width=80)


@st.composite
def split_into_files(draw: st.DrawFn, doc: Doc, exact: bool = True) -> Files:
    """The catalog's objects spread over one to three files, each written one way.

    ``exact``: only the writers whose reading is certain (every string quoted); else PyYAML's
    writer too (plain scalars that YAML 1.2 may read as another type)."""
    n_files = draw(st.integers(1, 3))
    parts: list[dict[str, list[dict[str, Any]]]] = [{} for _ in range(n_files)]
    for kind in ("products", "plans", "offers"):
        for obj in doc[kind]:
            parts[draw(st.integers(0, n_files - 1))].setdefault(kind, []).append(obj)
    files: Files = {}
    for i, drawn in enumerate(parts):
        part = drawn or {"plans": []}  # an explicit empty list is a deliberate, valid file
        writers = ["block", "json", "json-ascii"] + ([] if exact else ["pyyaml", "pyyaml-flow"])
        writer = draw(st.sampled_from(writers))
        if writer == "block":
            body = as_block_yaml(part)
        elif writer.startswith("json"):
            body = as_json(part, ascii_only=writer == "json-ascii")
        else:
            body = as_pyyaml(part, flow=writer == "pyyaml-flow", unicode=draw(st.booleans()))
        if draw(st.booleans()):
            body = "# yaml-language-server: $schema=../schemas/offerspec.schema.json\n" + body
        if draw(st.integers(0, 9)) == 0:
            body = body.replace("\n", "\r\n")
        files[f"part{i}.{draw(st.sampled_from(['yaml', 'yml']))}"] = body
    return files
