"""Batch checkouts from CSV: one checkout per row, one result (or located error) per row."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TextIO, TypeVar

from offerspec.check.schema import did_you_mean
from offerspec.diagnostics import OfferspecError
from offerspec.render.safe import escape_json
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
from offerspec.simulate.serialize import charge_dict, entitlement_dict, outcome_dict
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


def check_header(header: list[str] | None, name: str, line: int = 1) -> list[str]:
    if not header:
        raise OfferspecError(f"{name}: the file is empty",
                             hint=f"the first row names the columns: {', '.join(COLUMNS)}")
    columns = [c.strip() for c in header]
    for column in columns:
        if column not in COLUMNS:
            raise OfferspecError(f"{name}:{line}: unknown column '{column}'",
                                 hint=did_you_mean(column, COLUMNS) or (
                                     f"columns: {', '.join(COLUMNS)}" if column
                                     else "a column has no name: a trailing comma?"))
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:  # only one of the copies would be read: say so rather than guess
        raise OfferspecError(f"{name}:{line}: column(s) named twice: {', '.join(repeated)}",
                             hint="keep one column of each name")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise OfferspecError(f"{name}:{line}: missing column(s) {', '.join(missing)}",
                             hint=f"columns: {', '.join(COLUMNS)}")
    return columns


def read_header(reader: Iterator[list[str]], name: str) -> list[str]:
    """The checked column names: the first row that is not blank (blank lines are skipped
    everywhere in a batch, before the header too)."""
    header = next((cells for cells in _rows(reader, name) if any(cells)), None)
    return check_header(header, name, getattr(reader, "line_num", 1))


CELL_CACHE_SIZE = 65_536
_T = TypeVar("_T")


def _cached(cache: dict[str, _T | OfferspecError], text: str, parse: Callable[[str], _T]) -> _T:
    """``parse(text)``, or the error it raises, remembered per distinct text (up to a size cap)."""
    value = cache.get(text)
    if value is None:
        try:
            value = parse(text)
        except OfferspecError as exc:
            value = exc
        if len(cache) >= CELL_CACHE_SIZE:
            cache.clear()
        cache[text] = value
    if isinstance(value, OfferspecError):
        raise value.with_traceback(None)
    return value


class RowParser:
    """Turns CSV rows into checkouts. Cells repeat a lot in a batch (the same dates,
    countries and plans), so each distinct cell is parsed once and remembered."""

    def __init__(self, columns: list[str], index: CatalogIndex, default_date: date) -> None:
        self.index = index
        self.default_date = default_date
        self.width = len(columns)
        self.position = {name: columns.index(name) if name in columns else None for name in COLUMNS}
        self._dates: dict[str, date | OfferspecError] = {}
        self._countries: dict[str, str | OfferspecError] = {}
        self._ids: dict[tuple[str, str], OfferspecError | None] = {}
        self.quoted: dict[str, str] = {}  # JSON string literals, for the batch's output

    def cell(self, cells: list[str], column: str) -> str:
        position = self.position[column]
        return cells[position].strip() if position is not None else ""

    def day(self, text: str) -> date:
        return _cached(self._dates, text, parse_date)

    def country(self, text: str) -> str:
        return _cached(self._countries, text, parse_country)

    def check_ids(self, offer: str, plan: str) -> None:
        key = (offer, plan)
        if key not in self._ids:
            try:
                self.index.offer(offer)
                self.index.plan(plan)
                error = None
            except OfferspecError as exc:
                error = exc
            if len(self._ids) >= CELL_CACHE_SIZE:
                self._ids.clear()
            self._ids[key] = error
        error = self._ids[key]
        if error is not None:
            raise error.with_traceback(None)

    def ids(self, cells: list[str]) -> tuple[str, str]:
        """The row's offer and plan, both given and known."""
        offer, plan = self.cell(cells, "offer"), self.cell(cells, "plan")
        if not offer or not plan:
            raise OfferspecError("offer and plan are required", hint="fill both columns")
        self.check_ids(offer, plan)
        return offer, plan

    def checkout(self, cells: list[str]) -> Checkout:
        """One row as a checkout; raises ``OfferspecError`` for a bad cell."""
        return self.tail(cells, *self.head(cells))

    def head(self, cells: list[str]) -> tuple[str, str, date, str]:
        """The cells checked before the member's email and IP: width, ids, date, country."""
        if len(cells) != self.width:
            raise OfferspecError(f"expected {self.width} cells, found {len(cells)}",
                                 hint="quote cells that contain commas")
        cell = self.cell
        offer, plan = self.ids(cells)
        text = cell(cells, "date")
        day = self.day(text) if text else self.default_date
        country = cell(cells, "country")
        return offer, plan, day, self.country(country) if country else ""

    def tail(self, cells: list[str], offer: str, plan: str, day: date, country: str) -> Checkout:
        """The rest of the row (email, IP, direct link, holdings, seats, renewals), in that order."""
        cell = self.cell
        email, ip = cell(cells, "email"), cell(cells, "ip")
        holdings, seats, direct = cell(cells, "holdings"), cell(cells, "seats_used"), \
            cell(cells, "direct_link")
        renewals = cell(cells, "renewals")
        if country or email or ip or holdings or seats or direct:
            member = Member(
                country=country or None,
                email=check_email(email) if email else None,
                ip=check_ip(ip) if ip else None,
                direct_link=parse_bool(direct, "direct_link"),
                holdings=tuple(parse_holding(h, self.index) for h in holdings.replace(";", " ").split()),
                seats_used=parse_count(seats, "seats_used", MAX_SEATS))
        else:
            member = _ANONYMOUS
        return Checkout(offer, plan, day, member,
                        parse_count(renewals, "renewals", MAX_RENEWALS) if renewals else 0)


_ANONYMOUS = Member()


def _rows(reader: Iterator[list[str]], name: str) -> Iterator[list[str]]:
    """The reader's rows; a malformed file (e.g. a NUL byte) is an input error, not a bug."""
    try:
        yield from reader
    except csv.Error as exc:
        line = getattr(reader, "line_num", 0)
        raise OfferspecError(f"{name}:{line}: unreadable CSV: {exc}",
                             hint="save the file as plain UTF-8 CSV") from None


def run_batch(handle: TextIO, name: str, index: CatalogIndex, default_date: date) -> Iterator[RowResult]:
    """Simulate every row of a CSV file; bad rows become errors, the others outcomes."""
    reader = csv.reader(handle)
    parser = RowParser(read_header(reader, name), index, default_date)
    line = reader.line_num
    for cells in _rows(reader, name):
        start, line = line + 1, reader.line_num
        if not any(cells):
            continue  # blank lines separate groups of rows
        try:
            yield RowResult(start, simulate_checkout(index, parser.checkout(cells)))
        except OfferspecError as exc:
            yield RowResult(start, error=exc)


def result_dict(result: RowResult) -> dict[str, Any]:
    if result.outcome is not None:
        return {"line": result.line, **outcome_dict(result.outcome)}
    assert result.error is not None
    return {"line": result.line, "error": result.error.message, "hint": result.error.hint}


class JsonLines:
    """One JSON object per row, as ``result_dict`` gives it, written fast.

    Accepted checkouts by members holding nothing share their entitlements and charges
    (see ``simulate_checkout``), so that part is encoded once and reused; the rest of the
    line is the row's own line number, ids and date.
    """

    def __init__(self) -> None:
        self._bodies: dict[int, tuple[object, str]] = {}
        self._quoted: dict[str, str] = {}

    def _quote(self, text: str) -> str:
        quoted = self._quoted.get(text)
        if quoted is None:
            quoted = self._quoted[text] = escape_json(json.dumps(text, ensure_ascii=False))
        return quoted

    def line(self, result: RowResult) -> str:
        outcome = result.outcome
        if outcome is None or not outcome.accepted or outcome.checkout.member.holdings:
            return escape_json(json.dumps(result_dict(result), ensure_ascii=False))
        shared = outcome.entitlements, outcome.charges, outcome.notes
        hit = self._bodies.get(id(outcome.entitlements))
        if hit is None or hit[0] != shared:
            body = escape_json(json.dumps(
                {"entitlements": [entitlement_dict(e) for e in outcome.entitlements],
                 "charges": [charge_dict(c) for c in outcome.charges],
                 "notes": list(outcome.notes)}, ensure_ascii=False))[1:-1]
            if len(self._bodies) >= 100_000:
                self._bodies.clear()
            # The shared tuples are kept in the value, so their id cannot be reused meanwhile.
            hit = self._bodies[id(outcome.entitlements)] = (shared, body)
        request = outcome.checkout
        return (f'{{"line": {result.line}, "accepted": true, "reasons": [], "reason_codes": [], '
                f'"offer": {self._quote(request.offer)}, "plan": {self._quote(request.plan)}, '
                f'"date": "{request.date.isoformat()}", {hit[1]}}}')


def write_jsonl(results: Iterable[RowResult], out: TextIO) -> Iterator[RowResult]:
    encoder = JsonLines()
    write = out.write
    for result in results:
        write(encoder.line(result) + "\n")
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
    from offerspec.render.safe import csv_row

    out.write(csv_row(CSV_OUTPUT_COLUMNS))
    for result in results:
        out.write(csv_row(_csv_row(result)))
        yield result
