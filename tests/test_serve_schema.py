"""schemathesis against /openapi.json of a real server: no 500, and every response conforms to
the document (its status codes, content types and schemas). Bounded and seeded for CI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from servekit import WRITE, ServerProcess, applied_store, start_server, tokens_file

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory: Path = tmp_path_factory.mktemp("fuzzed")
    server = start_server(applied_store(directory), tokens_file(directory))
    try:
        yield server
    finally:
        assert server.stop() == 0, server.log
        assert "error_id=" not in server.log, server.log


@pytest.fixture(scope="module")
def api_schema(fuzzed: ServerProcess) -> Any:
    return schemathesis.openapi.from_url(f"{fuzzed.base}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case: Any, fuzzed: ServerProcess) -> None:
    case.call_and_validate(base_url=fuzzed.base, headers=WRITE, checks=CHECKS)


def test_the_document_is_openapi_3_1_with_every_endpoint(fuzzed: ServerProcess) -> None:
    import httpx

    document = httpx.get(f"{fuzzed.base}/openapi.json").json()
    assert document["openapi"].startswith("3.1.")
    paths = document["paths"]
    for kind in ("plans", "products", "offers"):
        assert set(paths[f"/{kind}"]) == {"get", "post"}
        assert set(paths[f"/{kind}/{{id}}"]) == {"get", "put", "delete"}
    assert {"/offers/{id}/view", "/simulate/checkout", "/simulate/signup", "/healthz"} <= set(paths)
    plan = document["components"]["schemas"]["PlatformPlan"]["properties"]
    assert plan["amount"]["type"] == "integer" and plan["id"]["type"] == "integer"
    error_422 = paths["/plans"]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
    assert error_422["$ref"].endswith("/ErrorResponse")
