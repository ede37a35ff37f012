"""Rows read from a store are untrusted: checked at the boundary, any backend.

A damaged value (wrong type, invalid or too deeply nested JSON, text that is not UTF-8) is a
``DamagedStore`` error naming the table and row, with a hint — never a crash further on.
"""

from __future__ import annotations

import json
from typing import Any

from offerspec.diagnostics import OfferspecError

REPAIR_HINT = ("restore the store from a backup, or repair or delete that row with a database "
               "tool (offerspec never writes such a value); offerspec history and show tell "
               "what offerspec wrote")


class DamagedStore(OfferspecError):
    """A row of the store holds something offerspec never writes."""


def damaged(url: str, table: str, row: str, why: str) -> DamagedStore:
    return DamagedStore(f"{url}: the store is damaged: {table} row {row}: {why}", hint=REPAIR_HINT)


class RowReader:
    """Checks the values of one table's rows; ``row`` names the row in messages."""

    def __init__(self, url: str, table: str) -> None:
        self.url = url
        self.table = table

    def fail(self, row: str, why: str) -> DamagedStore:
        return damaged(self.url, self.table, row, why)

    def integer(self, value: Any, row: str, column: str) -> int:
        if type(value) is not int:
            raise self.fail(row, f"{column} is {_shown(value)}, not an integer")
        return value

    def text(self, value: Any, row: str, column: str) -> str:
        if type(value) is not str:
            raise self.fail(row, f"{column} is {_shown(value)}, not text")
        return value

    def optional_text(self, value: Any, row: str, column: str) -> str | None:
        return None if value is None else self.text(value, row, column)

    def json_value(self, value: Any, row: str, column: str) -> Any:
        text = self.text(value, row, column)
        try:
            return json.loads(text)
        except RecursionError:
            raise self.fail(row, f"{column} holds JSON nested too deeply") from None
        except ValueError as exc:
            raise self.fail(row, f"{column} is not valid JSON ({exc})") from None

    def json_object(self, value: Any, row: str, column: str) -> dict[str, Any]:
        loaded = self.json_value(value, row, column)
        if not isinstance(loaded, dict):
            raise self.fail(row, f"{column} is a JSON {type(loaded).__name__}, not an object")
        return loaded

    def json_list(self, value: Any, row: str, column: str) -> list[Any]:
        loaded = self.json_value(value, row, column)
        if not isinstance(loaded, list):
            raise self.fail(row, f"{column} is a JSON {type(loaded).__name__}, not a list")
        return loaded

    def string_map(self, value: Any, row: str, column: str) -> dict[str, str]:
        loaded = self.json_object(value, row, column)
        if not all(isinstance(v, str) for v in loaded.values()):
            raise self.fail(row, f"{column} must map names to strings")
        return loaded


def _shown(value: Any) -> str:
    if value is None:
        return "NULL"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
