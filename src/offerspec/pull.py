"""Live objects back into the catalog language (``pull``) and plans as CSV (``export``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

import yaml

from offerspec.load.yaml12 import resolve_plain
from offerspec.model import MODEL_BY_KIND, data_fields
from offerspec.schema import SCHEMA_ID
from offerspec.store.base import Snapshot

PLANS_PER_FILE = 500
MODELINE = "# yaml-language-server: $schema={schema}\n"


def _default(kind: str, name: str, data: dict[str, Any]) -> Any:
    """The value the catalog language fills in when ``name`` is omitted."""
    if kind == "plans" and name == "grants":
        return [] if data.get("is_donation") else [data["product"]]
    if kind == "plans" and name == "auto_renew":
        return data.get("interval") is not None
    info = MODEL_BY_KIND[kind].model_fields[name]
    if info.default_factory is not None:
        return info.default_factory()  # type: ignore[call-arg]
    return info.default


def to_source(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """An object as a catalog author would write it: model field order, defaults left out."""
    out: dict[str, Any] = {}
    for name in data_fields(kind):
        if name not in data:
            continue
        value = data[name]
        if name != "id" and (value is None or value == _default(kind, name, data)):
            continue
        out[name] = value
    return out


class _Dumper(yaml.SafeDumper):
    """Block mappings; lists of scalars on one line (``countries: [DE, FR]``)."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(v, dict | list) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # PyYAML quotes what YAML 1.1 would misread; the catalog loader reads YAML 1.2, where
    # e.g. 1e3 is a number (1.1 says string): quote whatever 1.2 would not read back as text.
    if type(resolve_plain(data)) is not str:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="'")
    return yaml.SafeDumper.represent_str(dumper, data)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def _dump(document: dict[str, list[dict[str, Any]]], schema: str) -> str:
    # PyYAML quotes every string YAML 1.1 would misread (NO, 1:30, 0750, dates): safe for 1.2 too.
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)
    return MODELINE.format(schema=schema) + "# Pulled from the live store by offerspec pull.\n" + body


def pull_files(snapshot: Snapshot, *, schema: str = SCHEMA_ID) -> dict[str, str]:
    """file name -> YAML text for every active live object."""
    def active(kind: str) -> list[dict[str, Any]]:
        return [o.data for _, o in sorted(snapshot.objects.get(kind, {}).items())
                if o.status == "active"]

    files: dict[str, str] = {}
    products = active("products")
    if products:
        files["products.yaml"] = _dump({"products": [to_source("products", p) for p in products]},
                                       schema)
    by_product: dict[str, list[dict[str, Any]]] = {}
    for plan in active("plans"):
        by_product.setdefault(plan["product"], []).append(plan)
    for product, plans in sorted(by_product.items()):
        for n, start in enumerate(range(0, len(plans), PLANS_PER_FILE), start=1):
            name = f"plans-{product}.yaml" if n == 1 else f"plans-{product}-{n}.yaml"
            chunk = plans[start:start + PLANS_PER_FILE]
            files[name] = _dump({"plans": [to_source("plans", p) for p in chunk]}, schema)
    offers = active("offers")
    if offers:
        files["offers.yaml"] = _dump({"offers": [to_source("offers", o) for o in offers]}, schema)
    return files


CSV_LEAD = ("id", "generation", "status")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def plans_csv(snapshot: Snapshot, *, include_archived: bool = False) -> str:
    """Every plan field, one plan a row; amounts in integer minor units, lists joined by ';'."""
    columns = [*CSV_LEAD, *(f for f in data_fields("plans") if f not in CSV_LEAD)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    rows: Iterable[Any] = sorted(snapshot.objects.get("plans", {}).items())
    for _, obj in rows:
        if obj.status != "active" and not include_archived:
            continue
        data = {**obj.data, "generation": obj.generation}
        writer.writerow([_cell(data.get(c)) for c in columns])
    return buffer.getvalue()
