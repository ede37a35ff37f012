"""The JSON Schema of catalog files, generated from the models (one source of truth)."""

from __future__ import annotations

import json
from typing import Any

SCHEMA_ID = "https://offerspec.dev/schemas/offerspec.schema.json"
SCHEMA_FILE = "schemas/offerspec.schema.json"


def catalog_schema() -> dict[str, Any]:
    from offerspec.model import CatalogFile

    schema = CatalogFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def schema_json() -> str:
    return json.dumps(catalog_schema(), indent=2, sort_keys=True) + "\n"
