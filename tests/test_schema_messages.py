"""Every schema problem reads like offerspec's own message, with a hint: no pydantic wording.

A sweep over every field of every kind with values of every wrong shape and range.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import Result

from offerspec.model import MODEL_BY_KIND

VALID = {
    "products": {"id": "p", "name": "P"},
    "plans": {"id": "a", "nickname": "A", "product": "p", "amount": 100, "currency": "USD",
              "interval": "month"},
    "offers": {"id": "o", "name": "O", "plans": ["a"]},
}
BAD_VALUES = [-1, 0, 10**12, 1.5, "", " ", "x" * 10_001, "Not A Slug", True, [1], [""], {"k": 1},
              {"": "v"}, {"k" * 41: "v"}, "2026-02-30", "ftp://x", None]
PYDANTIC_WORDING = ("input should", "string should", "value error", "validation error",
                    "should have", "should be")


def _catalog(kind: str, field: str, value: object) -> str:
    objects = {k: [dict(v)] for k, v in VALID.items()}
    objects[kind][0][field] = value
    return json.dumps(objects)


@pytest.mark.parametrize("kind", sorted(MODEL_BY_KIND))
def test_every_schema_message_is_offerspecs_own_with_a_hint(
        kind: str, run: Callable[..., Result], tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    checked = 0
    for field in MODEL_BY_KIND[kind].model_fields:
        for value in BAD_VALUES:
            (tmp_path / "catalog.yaml").write_text(_catalog(kind, field, value))
            result = run("validate", "--format", "json")
            for diag in json.loads(result.stdout)["diagnostics"]:
                if diag["code"] not in ("schema", "unknown-field"):
                    continue
                checked += 1
                where = (field, value, diag["message"])
                assert diag["hint"], where
                assert not any(w in diag["message"].lower() for w in PYDANTIC_WORDING), where
    assert checked > 20
