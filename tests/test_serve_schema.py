"""schemathesis against /openapi.json of a real server: no 500, and every response conforms to
the document (its status codes, content types and schemas). Bounded and seeded for CI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
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


def _operations(base: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


# schemathesis drives hypothesis directly, one property test per operation: its pytest plugin
# reaches into pytest's private node attributes and broke on pytest 9.2.
def test_api_conforms_to_its_openapi_document(fuzzed: ServerProcess) -> None:
    operations = _operations(fuzzed.base)
    assert len(operations) >= 15, [op.label for op in operations]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            case.call_and_validate(base_url=fuzzed.base, headers=WRITE, checks=CHECKS)

        try:
            conforms()
        except Exception as error:  # name the operation the failure came from
            raise AssertionError(f"{operation.label}: {error}") from error


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
