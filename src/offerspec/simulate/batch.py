"""Batch checkouts from CSV: one checkout per row, one result (or located error) per row."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TextIO

from offerspec.check.schema import did_you_mean
from offerspec.diagnostics import OfferspecError
from offerspec.simulate.checkout import simulate_checkout
from offerspec.simulate.index import CatalogIndex
from offerspec.simulate.inputs import (
    check_email,
    check_ip,
    parse_bool,
    parse_count,
    parse_country,
    parse_date,
    parse_holding,
)
from offerspec.simulate.serialize import outcome_dict
from offerspec.simulate.types import Checkout, Member, Outcome

COLUMNS: tuple[str, ...] = ("offer", "plan", "date", "country", "email", "ip", "direct_link",
                            "holdings", "seats_used", "renewals")
REQUIRED: tuple[str, ...] = ("offer", "plan")
MAX_RENEWALS = 1000
MAX_SEATS = 10_000_000


@dataclass(frozen=True, slots=True)
class RowResult:
    """A row's outcome, or why the row could not be simulated. ``line`` is 1-based."""

    line: int
    outcome: Outcome | None = None
    error: OfferspecError | None = None


def check_header(header: list[str] | None, name: str) -> list[str]:
    if not header:
        raise OfferspecError(f"{name}: the file is empty",
                             hint=f"the first row names the columns: {', '.join(COLUMNS)}")
    columns = [c.strip() for c in header]
    for column in columns:
        if column not in COLUMNS:
            raise OfferspecError(f"{name}:1: unknown column '{column}'",
                                 hint=did_you_mean(column, COLUMNS)
                                 or f"columns: {', '.join(COLUMNS)}")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise OfferspecError(f"{name}:1: missing column(s) {', '.join(missing)}",
                             hint=f"columns: {', '.join(COLUMNS)}")
    return columns


def row_checkout(row: dict[str, str], index: CatalogIndex, default_date: date) -> Checkout:
    """One CSV row as a checkout; raises ``OfferspecError`` for a bad cell."""
    def cell(column: str) -> str:
        return (row.get(column) or "").strip()

    offer, plan = cell("offer"), cell("plan")
    if not offer or not plan:
        raise OfferspecError("offer and plan are required", hint="fill both columns")
    index.offer(offer)
    index.plan(plan)
    day = parse_date(cell("date")) if cell("date") else default_date
    holdings = tuple(parse_holding(h, index) for h in cell("holdings").replace(";", " ").split())
    member = Member(
        country=parse_country(cell("country")) if cell("country") else None,
        email=check_email(cell("email")) if cell("email") else None,
        ip=check_ip(cell("ip")) if cell("ip") else None,
        direct_link=parse_bool(cell("direct_link"), "direct_link"),
        holdings=holdings,
        seats_used=parse_count(cell("seats_used"), "seats_used", MAX_SEATS),
    )
    return Checkout(offer, plan, day, member, parse_count(cell("renewals"), "renewals", MAX_RENEWALS))


def run_batch(handle: TextIO, name: str, index: CatalogIndex, default_date: date) -> Iterator[RowResult]:
    """Simulate every row of a CSV file; bad rows become errors, the others outcomes."""
    reader = csv.reader(handle)
    columns = check_header(next(reader, None), name)
    width = len(columns)
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank lines separate groups of rows
        try:
            if len(cells) != width:
                raise OfferspecError(f"expected {width} cells, found {len(cells)}",
                                     hint="quote cells that contain commas")
            request = row_checkout(dict(zip(columns, cells, strict=True)), index, default_date)
            yield RowResult(start, simulate_checkout(index, request))
        except OfferspecError as exc:
            yield RowResult(start, error=exc)


def result_dict(result: RowResult) -> dict[str, Any]:
    if result.outcome is not None:
        return {"line": result.line, **outcome_dict(result.outcome)}
    assert result.error is not None
    return {"line": result.line, "error": result.error.message, "hint": result.error.hint}


def write_jsonl(results: Iterable[RowResult], out: TextIO) -> Iterator[RowResult]:
    dumps = json.dumps
    for result in results:
        out.write(dumps(result_dict(result), ensure_ascii=False) + "\n")
        yield result


CSV_OUTPUT_COLUMNS = ("line", "offer", "plan", "date", "accepted", "reason_codes", "entitlements",
                      "charges", "error")


def _csv_row(result: RowResult) -> list[str]:
    outcome = result.outcome
    if outcome is None:
        assert result.error is not None
        return [str(result.line), "", "", "", "", "", "", "", result.error.message]
    request = outcome.checkout
    entitlements = "; ".join(
        f"{e.product} {e.start.isoformat()}..{e.end.isoformat() if e.end else ''}"
        for e in outcome.entitlements)
    charges = "; ".join(f"{c.date.isoformat()} {c.amount} {c.currency}" for c in outcome.charges)
    return [str(result.line), request.offer, request.plan, request.date.isoformat(),
            "true" if outcome.accepted else "false", " ".join(r.code for r in outcome.reasons),
            entitlements, charges, ""]


def write_csv(results: Iterable[RowResult], out: TextIO) -> Iterator[RowResult]:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_OUTPUT_COLUMNS)
    for result in results:
        writer.writerow(_csv_row(result))
        yield result
