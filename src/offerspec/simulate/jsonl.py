"""``simulate --batch`` to JSON lines, fast: the same bytes as ``write_jsonl(run_batch(...))``.

A row is split into its *situation* (offer, plan, country, direct link, holdings, seats,
renewals: every cell but the date, email and IP) and its date. A batch has few
situations and many dates, so each distinct situation is parsed and checked once, and
a row then costs its date, its simulation and its text. Email and IP change nothing in
the result (they are only checked), so each distinct value is checked once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from operator import itemgetter
from typing import TextIO, TypeVar

from offerspec.diagnostics import OfferspecError
from offerspec.load.files import gc_paused
from offerspec.render.safe import escape_json
from offerspec.simulate.batch import CELL_CACHE_SIZE, RowParser, RowResult, read_header
from offerspec.simulate.checkout import simulate_checkout
from offerspec.simulate.index import CatalogIndex
from offerspec.simulate.inputs import check_email, check_ip
from offerspec.simulate.types import Checkout, Outcome

ROW_MEMO_SIZE = 65_536
ROW_MEMO_CHARS = 32_000_000  # a row with 1000 renewals renders to ~300 kB: bound the text too
CHUNK_LINES = 4096
_P = TypeVar("_P")
_Contact = tuple[int, Callable[[str], str], set[str]]
# A row's text after '{"line": N, ', its error, and whether its email and IP are checked.
_Memo = tuple[str, OfferspecError | None, bool]
_CONTACT_CHECKS: dict[str, Callable[[str], str]] = {"email": check_email, "ip": check_ip}
_NOT_DATED = ("date", *_CONTACT_CHECKS)


def _error_text(error: OfferspecError) -> str:
    """A row error's JSON line after ``{"line": N, ``, as ``result_dict`` would encode it."""
    return escape_json(json.dumps({"error": error.message, "hint": error.hint},
                                  ensure_ascii=False))[1:] + "\n"


class _Situation:
    """A row without its date, email and IP: parsed once, and the texts of its dates so far.

    ``fixed`` is the row's text when an error comes before the date (so no date, email or
    IP changes it); ``error`` one that comes after the date (country, then the member's
    cells), with ``contact`` saying whether email and IP are checked before it counts.
    """

    __slots__ = ("contact", "error", "fixed", "request", "texts")

    def __init__(self, fixed: _Memo | None, error: OfferspecError | None, contact: bool,
                 request: Checkout | None) -> None:
        self.fixed = fixed
        self.error = error
        self.contact = contact
        self.request = request
        self.texts: dict[str, _Memo] = {}


_NO_DAY = date(2000, 1, 1)  # stands in for the row's date while the situation is parsed


def _situation(parser: RowParser, cells: list[str], contact: tuple[int, ...]) -> _Situation:
    """Parse a row's cells but its date, in the order ``RowParser.checkout`` checks them."""
    try:
        offer, plan = parser.ids(cells)
    except OfferspecError as exc:
        return _Situation((_error_text(exc), exc, False), None, False, None)
    country = parser.cell(cells, "country")
    try:
        country = parser.country(country) if country else ""
    except OfferspecError as exc:
        return _Situation(None, exc, False, None)
    blank = list(cells)
    for position in contact:  # email and IP are checked on their own, per row
        blank[position] = ""
    try:
        request = parser.tail(blank, offer, plan, _NO_DAY, country)
    except OfferspecError as exc:
        return _Situation(None, exc, bool(contact), None)
    return _Situation(None, None, bool(contact), request)


def _dated(parser: RowParser, index: CatalogIndex, encoder: _Encoder, situation: _Situation,
           text: str) -> _Memo:
    """The text of a situation's row on the day written ``text``."""
    try:
        day = parser.day(text.strip()) if text.strip() else parser.default_date
    except OfferspecError as exc:
        return _error_text(exc), exc, False
    error = situation.error
    if error is None:
        request = situation.request
        assert request is not None
        try:
            return encoder.text(simulate_checkout(index, Checkout(
                request.offer, request.plan, day, request.member, request.renewals))), \
                None, situation.contact
        except OfferspecError as exc:
            error = exc
    return _error_text(error), error, situation.contact


def simulate_jsonl(handle: Iterable[str], name: str, index: CatalogIndex, default_date: date, out: TextIO,
                   *, memo_size: int = ROW_MEMO_SIZE) -> Iterator[RowResult]:
    """``write_jsonl(run_batch(...))``, byte for byte, fast: simulates every CSV row of
    ``handle`` and writes its JSON line to ``out``; yields the invalid rows (as found).

    Each distinct situation is parsed once; each (situation, date) is simulated and
    encoded once and its text (all but the line number) remembered. The memo is cleared
    when it holds ``memo_size`` rows (or ``ROW_MEMO_CHARS`` of text): bounded, and exact
    since nothing in it is stale. Lines are written in chunks.
    """
    reader = csv.reader(handle)
    columns = read_header(reader, name)
    parser = RowParser(columns, index, default_date)
    encoder = _Encoder(parser.quoted)
    width = len(columns)
    # (position, check, the distinct valid values seen): email and IP, in the order checked
    contact: list[_Contact] = [(columns.index(c), check, set[str]())
                               for c, check in _CONTACT_CHECKS.items() if c in columns]
    contact_at = tuple(position for position, _, _ in contact)
    # offer and plan are required columns, so the key has two cells at least: a tuple
    situation_of = itemgetter(*[i for i, c in enumerate(columns) if c not in _NOT_DATED])
    date_at = columns.index("date") if "date" in columns else None
    situations: dict[object, _Situation] = {}
    memo_rows = memo_chars = 0
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
                    wrong = OfferspecError(f"expected {width} cells, found {len(cells)}",
                                           hint="quote cells that contain commas")
                    hit: _Memo = (_error_text(wrong), wrong, False)
                else:
                    key = situation_of(cells)
                    situation = situations.get(key)
                    if situation is None:
                        if len(situations) >= CELL_CACHE_SIZE:
                            situations.clear()  # and the texts they hold
                            memo_rows = memo_chars = 0
                        situation = situations[key] = _situation(parser, cells, contact_at)
                    fixed = situation.fixed
                    if fixed is not None:
                        hit = fixed
                    else:
                        day_text = cells[date_at] if date_at is not None else ""
                        dated = situation.texts.get(day_text)
                        if dated is None:
                            dated = _dated(parser, index, encoder, situation, day_text)
                            memo_rows += 1
                            memo_chars += len(dated[0])
                            if memo_rows > memo_size or memo_chars > ROW_MEMO_CHARS:
                                for each in situations.values():
                                    each.texts.clear()
                                memo_rows, memo_chars = 1, len(dated[0])
                            situation.texts[day_text] = dated
                        hit = dated
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


def _quote(text: str, quoted: dict[str, str]) -> str:
    """``json.dumps(text, ensure_ascii=False)`` (render.safe-escaped), remembered per text."""
    hit = quoted.get(text)
    if hit is None:
        if len(quoted) >= CELL_CACHE_SIZE:
            quoted.clear()
        hit = quoted[text] = escape_json(json.dumps(text, ensure_ascii=False))
    return hit


class _Encoder:
    """``json.dumps(outcome_dict(outcome), ensure_ascii=False)`` without its opening brace, plus
    a newline: the same bytes, written out directly (the batch tests compare them).

    The parts of a line that do not depend on its dates (ids, currency, keys) are joined
    once per plan and product and remembered.
    """

    def __init__(self, quoted: dict[str, str]) -> None:
        self.quoted = quoted
        self._entitlement: dict[tuple[str, str], tuple[str, str]] = {}
        self._charge: dict[tuple[str, str], str] = {}
        self._request: dict[tuple[str, str], str] = {}

    @staticmethod
    def _remember(cache: dict[tuple[str, str], _P], key: tuple[str, str], value: _P) -> _P:
        if len(cache) >= CELL_CACHE_SIZE:
            cache.clear()
        cache[key] = value
        return value

    def text(self, outcome: Outcome) -> str:
        quoted = self.quoted
        parts: list[str] = []
        for e in outcome.entitlements:
            pair = self._entitlement.get((e.product, e.plan))
            if pair is None:
                pair = self._remember(self._entitlement, (e.product, e.plan), (
                    f'{{"product": {_quote(e.product, quoted)}, "start": "',
                    f', "plan": {_quote(e.plan, quoted)}, "trial_end": '))
            end = "null" if e.end is None else f'"{e.end.isoformat()}"'
            trial_end = "null" if e.trial_end is None else f'"{e.trial_end.isoformat()}"'
            note = "null" if e.note is None else _quote(e.note, quoted)
            parts.append(f'{pair[0]}{e.start.isoformat()}", "end": {end}{pair[1]}{trial_end}, '
                         f'"period": {e.period}, "note": {note}}}')
        entitlements = ", ".join(parts)
        parts.clear()
        for c in outcome.charges:
            tail = self._charge.get((c.currency, c.plan))
            if tail is None:
                tail = self._remember(self._charge, (c.currency, c.plan),
                                      f', "currency": {_quote(c.currency, quoted)}, '
                                      f'"plan": {_quote(c.plan, quoted)}, "period": ')
            parts.append(f'{{"date": "{c.date.isoformat()}", "amount": {c.amount}{tail}{c.period}}}')
        charges = ", ".join(parts)
        request = outcome.checkout
        ids = self._request.get((request.offer, request.plan))
        if ids is None:
            ids = self._remember(self._request, (request.offer, request.plan),
                                 f'"offer": {_quote(request.offer, quoted)}, '
                                 f'"plan": {_quote(request.plan, quoted)}, "date": "')
        head = '"accepted": true, ' if outcome.accepted else '"accepted": false, '
        if outcome.reasons:
            reasons = ", ".join(_quote(r.message, quoted) for r in outcome.reasons)
            codes = ", ".join(_quote(r.code, quoted) for r in outcome.reasons)
            head = f'{head}"reasons": [{reasons}], "reason_codes": [{codes}], '
        else:
            head = f'{head}"reasons": [], "reason_codes": [], '
        notes = ", ".join(_quote(n, quoted) for n in outcome.notes) if outcome.notes else ""
        return (f'{head}{ids}{request.date.isoformat()}", "entitlements": [{entitlements}], '
                f'"charges": [{charges}], "notes": [{notes}]}}\n')
