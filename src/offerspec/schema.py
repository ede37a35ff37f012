"""The JSON Schemas of catalog and scenario files, generated from the models (one source of truth)."""

from __future__ import annotations

import json
from typing import Any

SCHEMA_ID = "https://offerspec.dev/schemas/offerspec.schema.json"
SCHEMA_FILE = "schemas/offerspec.schema.json"
SCENARIOS_SCHEMA_ID = "https://offerspec.dev/schemas/scenarios.schema.json"
SCENARIOS_SCHEMA_FILE = "schemas/scenarios.schema.json"
RAW_SCHEMAS = "https://raw.githubusercontent.com/offerspec/offerspec/v0.1.0/schemas"
"""The committed schemas of the tagged release, for a modeline in a repository without a copy."""


def catalog_schema() -> dict[str, Any]:
    from offerspec.model import CatalogFile

    schema = CatalogFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def scenarios_schema() -> dict[str, Any]:
    from offerspec.scenarios.model import ScenarioFile

    schema = ScenarioFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCENARIOS_SCHEMA_ID,
            **schema, "title": "offerspec scenario file"}


def schema_json(scenarios: bool = False) -> str:
    schema = scenarios_schema() if scenarios else catalog_schema()
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
