"""Batch checkouts from CSV: one checkout per row, one result (or located error) per row."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any, TextIO, TypeVar

from offerspec.check.schema import did_you_mean
from offerspec.diagnostics import OfferspecError
from offerspec.load.files import gc_paused
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
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:  # only one of the copies would be read: say so rather than guess
        raise OfferspecError(f"{name}:1: column(s) named twice: {', '.join(repeated)}",
                             hint="keep one column of each name")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise OfferspecError(f"{name}:1: missing column(s) {', '.join(missing)}",
                             hint=f"columns: {', '.join(COLUMNS)}")
    return columns


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

    def _cell(self, cells: list[str], column: str) -> str:
        position = self.position[column]
        return cells[position].strip() if position is not None else ""

    def _date(self, text: str) -> date:
        return _cached(self._dates, text, parse_date)

    def _country(self, text: str) -> str:
        return _cached(self._countries, text, parse_country)

    def _check_ids(self, offer: str, plan: str) -> None:
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

    def checkout(self, cells: list[str]) -> Checkout:
        """One row as a checkout; raises ``OfferspecError`` for a bad cell."""
        return self.tail(cells, *self.head(cells))

    def head(self, cells: list[str]) -> tuple[str, str, date, str]:
        """The cells checked before the member's email and IP: width, ids, date, country."""
        if len(cells) != self.width:
            raise OfferspecError(f"expected {self.width} cells, found {len(cells)}",
                                 hint="quote cells that contain commas")
        cell = self._cell
        offer, plan = cell(cells, "offer"), cell(cells, "plan")
        if not offer or not plan:
            raise OfferspecError("offer and plan are required", hint="fill both columns")
        self._check_ids(offer, plan)
        text = cell(cells, "date")
        day = self._date(text) if text else self.default_date
        country = cell(cells, "country")
        return offer, plan, day, self._country(country) if country else ""

    def tail(self, cells: list[str], offer: str, plan: str, day: date, country: str) -> Checkout:
        """The rest of the row (email, IP, direct link, holdings, seats, renewals), in that order."""
        cell = self._cell
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
    header = next(_rows(reader, name), None)
    parser = RowParser(check_header(header, name), index, default_date)
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
            quoted = self._quoted[text] = json.dumps(text, ensure_ascii=False)
        return quoted

    def line(self, result: RowResult) -> str:
        outcome = result.outcome
        if outcome is None or not outcome.accepted or outcome.checkout.member.holdings:
            return json.dumps(result_dict(result), ensure_ascii=False)
        shared = outcome.entitlements, outcome.charges, outcome.notes
        hit = self._bodies.get(id(outcome.entitlements))
        if hit is None or hit[0] != shared:
            body = json.dumps({"entitlements": [entitlement_dict(e) for e in outcome.entitlements],
                               "charges": [charge_dict(c) for c in outcome.charges],
                               "notes": list(outcome.notes)}, ensure_ascii=False)[1:-1]
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


ROW_MEMO_SIZE = 65_536
ROW_MEMO_CHARS = 32_000_000  # a row with 1000 renewals renders to ~300 kB: bound the text too
CHUNK_LINES = 4096
_Contact = tuple[int, Callable[[str], str], set[str]]
_Memo = tuple[str, OfferspecError | None, bool]
_CONTACT_CHECKS: dict[str, Callable[[str], str]] = {"email": check_email, "ip": check_ip}


def _error_text(error: OfferspecError) -> str:
    """A row error's JSON line after ``{"line": N, ``, as ``result_dict`` would encode it."""
    return json.dumps({"error": error.message, "hint": error.hint}, ensure_ascii=False)[1:] + "\n"


def simulate_jsonl(handle: TextIO, name: str, index: CatalogIndex, default_date: date, out: TextIO,
                   *, memo_size: int = ROW_MEMO_SIZE) -> Iterator[RowResult]:
    """``write_jsonl(run_batch(...))``, byte for byte, fast: simulates every CSV row of
    ``handle`` and writes its JSON line to ``out``; yields the invalid rows (as found).

    A row's line is a function of its cells, so each distinct row is parsed, simulated and
    encoded once and its text (all but the line number) remembered: batches repeat the
    same offers, plans, days and countries. Email and IP are only checked (they change
    nothing in the result), so they are left out of that key and checked on their own,
    each distinct value once. The memo is a plain dict cleared when it holds ``memo_size``
    rows (or ``ROW_MEMO_CHARS`` of text): bounded, and exact since nothing in it is stale.
    Lines are written in chunks.
    """
    reader = csv.reader(handle)
    header = next(_rows(reader, name), None)
    columns = check_header(header, name)
    parser = RowParser(columns, index, default_date)
    width = len(columns)
    # (position, check, the distinct valid values seen): email and IP, in the order checked
    contact: list[_Contact] = [(columns.index(c), check, set[str]())
                               for c, check in _CONTACT_CHECKS.items() if c in columns]
    key_of = itemgetter(*[i for i, c in enumerate(columns) if c not in _CONTACT_CHECKS])
    # key -> (text, error, email and IP to check): text is the line after '{"line": N, '
    memo: dict[object, _Memo] = {}
    memo_chars = 0
    pending: list[str] = []
    write = out.write
    line = reader.line_num
    try:
        with gc_paused():
            for cells in reader:
                start, line = line + 1, reader.line_num
                if not any(cells):
                    continue  # blank lines separate groups of rows
                if len(cells) != width:
                    error: OfferspecError | None = OfferspecError(
                        f"expected {width} cells, found {len(cells)}",
                        hint="quote cells that contain commas")
                    text = _error_text(error)  # type: ignore[arg-type]
                else:
                    key = key_of(cells)
                    hit = memo.get(key)
                    if hit is None:
                        hit = _simulate_row(parser, index, cells, contact)
                        memo_chars += len(hit[0])
                        if len(memo) >= memo_size or memo_chars > ROW_MEMO_CHARS:
                            memo.clear()
                            memo_chars = len(hit[0])
                        memo[key] = hit
                    text, error, check_contact = hit
                    if check_contact:
                        for position, check, valid in contact:
                            value = cells[position]
                            if value and value not in valid:
                                try:
                                    check(value.strip())
                                except OfferspecError as exc:
                                    error, text = exc, _error_text(exc)
                                    break
                                if len(valid) >= memo_size:
                                    valid.clear()
                                valid.add(value)
                if error is not None:
                    yield RowResult(start, error=error)
                pending.append(f'{{"line": {start}, {text}')
                if len(pending) >= CHUNK_LINES:
                    write("".join(pending))
                    pending.clear()
    except csv.Error as exc:
        raise OfferspecError(f"{name}:{reader.line_num}: unreadable CSV: {exc}",
                             hint="save the file as plain UTF-8 CSV") from None
    finally:
        write("".join(pending))


def _simulate_row(parser: RowParser, index: CatalogIndex, cells: list[str],
                  contact: list[_Contact]) -> _Memo:
    """A row's text after '{"line": N, ', its error, and whether its email and IP still need
    checking (they do unless the row failed before them). Email and IP are left blank here."""
    try:
        head = parser.head(cells)
    except OfferspecError as exc:
        return _error_text(exc), exc, False
    if contact:
        cells = list(cells)
        for position, _, _ in contact:
            cells[position] = ""
    try:
        outcome = simulate_checkout(index, parser.tail(cells, *head))
    except OfferspecError as exc:
        return _error_text(exc), exc, bool(contact)
    return _outcome_text(outcome, parser.quoted), None, bool(contact)


def _quote(text: str, quoted: dict[str, str]) -> str:
    """``json.dumps(text, ensure_ascii=False)``, remembered per distinct text."""
    hit = quoted.get(text)
    if hit is None:
        if len(quoted) >= CELL_CACHE_SIZE:
            quoted.clear()
        hit = quoted[text] = json.dumps(text, ensure_ascii=False)
    return hit


def _day(day: date | None) -> str:
    return f'"{day.isoformat()}"' if day is not None else "null"


def _outcome_text(outcome: Outcome, quoted: dict[str, str]) -> str:
    """``json.dumps(outcome_dict(outcome), ensure_ascii=False)`` without its opening brace, plus
    a newline: the same bytes, written out directly (the batch test compares them)."""
    request = outcome.checkout
    entitlements = ", ".join(
        f'{{"product": {_quote(e.product, quoted)}, "start": "{e.start.isoformat()}", '
        f'"end": {_day(e.end)}, "plan": {_quote(e.plan, quoted)}, "trial_end": {_day(e.trial_end)}, '
        f'"period": {e.period}, "note": {"null" if e.note is None else _quote(e.note, quoted)}}}'
        for e in outcome.entitlements)
    charges = ", ".join(
        f'{{"date": "{c.date.isoformat()}", "amount": {c.amount}, '
        f'"currency": {_quote(c.currency, quoted)}, "plan": {_quote(c.plan, quoted)}, '
        f'"period": {c.period}}}'
        for c in outcome.charges)
    reasons = ", ".join(_quote(r.message, quoted) for r in outcome.reasons)
    codes = ", ".join(_quote(r.code, quoted) for r in outcome.reasons)
    notes = ", ".join(_quote(n, quoted) for n in outcome.notes)
    return (f'"accepted": {"true" if outcome.accepted else "false"}, "reasons": [{reasons}], '
            f'"reason_codes": [{codes}], "offer": {_quote(request.offer, quoted)}, '
            f'"plan": {_quote(request.plan, quoted)}, "date": "{request.date.isoformat()}", '
            f'"entitlements": [{entitlements}], "charges": [{charges}], "notes": [{notes}]}}\n')


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
