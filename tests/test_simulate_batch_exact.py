"""The fast batch path writes exactly what per-row ``checkout()`` results serialize to."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date

import pytest

from conftest import EXAMPLES
from offerspec import load_catalog
from offerspec.catalog import Catalog
from offerspec.diagnostics import OfferspecError
from offerspec.simulate import Checkout, Member, checkout, index_for
from offerspec.simulate.batch import COLUMNS, run_batch, write_jsonl
from offerspec.simulate.inputs import (
    check_email,
    check_ip,
    parse_bool,
    parse_count,
    parse_country,
    parse_date,
    parse_holding,
)
from offerspec.simulate.jsonl import simulate_jsonl
from offerspec.simulate.serialize import outcome_dict

DEFAULT = date(2026, 1, 1)
CELLS: dict[str, list[str]] = {
    "offer": ["subscribe", "try-digital", "subscribe-europe", "support-us", "institutions",
              " subscribe ", "nope", ""],
    "plan": ["annual-digital-print", "monthly-digital", "monthly-digital-trial", "annual-digital-eur",
             "quarterly-digital-gbp", "monthly-donation", "lifetime-digital", "campus-site-licence",
             "print-weekender-offline", "annual-digital", "plam", ""],
    "date": ["2026-11-22", "2026-01-31", "2024-02-29", "2026-02-30", "", "9999-12-01", "22/11/2026",
             " 2027-03-31", "2026-06-30", "2026-07-01"],
    "country": ["US", "gb", "CA", "NO", "DE", "", "XX", " fr "],
    "email": ["", "ada@example.edu", "bob@cs.example.edu", "not-an-email", "é@exämple.org"],
    "ip": ["", "192.0.2.10", "2001:db8::1", "300.1.1.1"],
    "direct_link": ["", "true", "no", "1", "maybe"],
    "holdings": ["", "digital-access", "digital-access:2027-06-01", "print-edition;digital-access",
                 "digital-access:2026-02-01 print-edition", "ghost", "digital-access:2026-13-01"],
    "seats_used": ["", "0", "3", "9999999", "-1", "lots"],
    "renewals": ["", "0", "2", "24", "1001", "x"],
}


def generated_csv(rows: int, columns: list[str], seed: int) -> str:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for _ in range(rows):
        roll = rng.random()
        if roll < 0.02:
            out.write("\n")  # blank line: skipped
        elif roll < 0.04:
            writer.writerow(["subscribe"])  # wrong width
        elif roll < 0.05:
            writer.writerow(["" for _ in columns])  # all-empty: skipped
        else:
            row = [rng.choice(CELLS[c][:3]) if rng.random() < 0.6 else rng.choice(CELLS[c])
                   for c in columns]
            if rng.random() < 0.03 and "email" in columns:
                row[columns.index("email")] = "multi\nline@example.edu"  # a quoted cell over two lines
            writer.writerow(row)
    return out.getvalue()


def reference_lines(text: str, catalog: Catalog) -> list[str]:
    """Each row parsed on its own, simulated with ``checkout()``, serialized with ``json.dumps``."""
    index = index_for(catalog)
    reader = csv.reader(io.StringIO(text))
    columns = [c.strip() for c in next(reader)]
    lines: list[str] = []
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cells):
            continue
        try:
            result = {"line": start, **outcome_dict(checkout(catalog, _checkout(cells, columns, index)))}
        except OfferspecError as exc:
            result = {"line": start, "error": exc.message, "hint": exc.hint}
        lines.append(json.dumps(result, ensure_ascii=False))
    return lines


def _checkout(cells: list[str], columns: list[str], index: object) -> Checkout:
    if len(cells) != len(columns):
        raise OfferspecError(f"expected {len(columns)} cells, found {len(cells)}",
                             hint="quote cells that contain commas")
    get = {c: cells[columns.index(c)].strip() if c in columns else "" for c in COLUMNS}
    if not get["offer"] or not get["plan"]:
        raise OfferspecError("offer and plan are required", hint="fill both columns")
    index.offer(get["offer"])  # type: ignore[attr-defined]
    index.plan(get["plan"])  # type: ignore[attr-defined]
    day = parse_date(get["date"]) if get["date"] else DEFAULT
    member = Member(
        country=parse_country(get["country"]) if get["country"] else None,
        email=check_email(get["email"]) if get["email"] else None,
        ip=check_ip(get["ip"]) if get["ip"] else None,
        direct_link=parse_bool(get["direct_link"], "direct_link"),
        holdings=tuple(parse_holding(h, index) for h in get["holdings"].replace(";", " ").split()),  # type: ignore[arg-type]
        seats_used=parse_count(get["seats_used"], "seats_used", 10_000_000))
    renewals = parse_count(get["renewals"], "renewals", 1000) if get["renewals"] else 0
    return Checkout(get["offer"], get["plan"], day, member, renewals)


HEADERS = [
    list(COLUMNS),
    ["plan", "renewals", "holdings", "offer", "date", "country", "direct_link"],
    ["offer", "plan", "email", "ip"],
    ["offer", "plan"],
]


def restricted(catalog: Catalog) -> Catalog:
    """The examples with an archived offer and plan, and hidden, expiring, offline and
    country-restricted plans, so every refusal shows up in the batch (the store may hold this)."""
    objects = {kind: list(table.values()) for kind, table in catalog.objects().items()}
    changes = {"try-digital": {"status": "archived"}, "annual-digital": {"status": "archived"},
               "monthly-digital": {"is_hidden": True, "expires_at": "2026-06-30"},
               "annual-digital-print": {"available_online": False},
               "lifetime-digital": {"countries": ["US"]}}
    return Catalog.from_objects({kind: [{**obj, **changes.get(obj["id"], {})} for obj in items]
                                 for kind, items in objects.items()})


@pytest.mark.parametrize("columns", HEADERS, ids=["all", "shuffled", "email-ip", "ids-only"])
@pytest.mark.parametrize("restrict", [False, True], ids=["examples", "restricted"])
def test_batch_output_is_byte_identical_to_per_row_checkouts(columns: list[str], restrict: bool) -> None:
    catalog, _ = load_catalog([EXAMPLES])
    assert catalog is not None
    if restrict:
        catalog = restricted(catalog)
    text = generated_csv(3000, columns, seed=len(columns))
    expected = reference_lines(text, catalog)
    fast = io.StringIO()
    errors = list(simulate_jsonl(io.StringIO(text), "x.csv", index_for(catalog), DEFAULT, fast,
                                 memo_size=64))  # a small memo, so it fills and is cleared
    assert fast.getvalue() == "".join(f"{line}\n" for line in expected)
    assert [e.line for e in errors] == [json.loads(x)["line"] for x in expected if '"error"' in x[:40]]
    plain = io.StringIO()
    list(write_jsonl(run_batch(io.StringIO(text), "x.csv", index_for(catalog), DEFAULT), plain))
    assert plain.getvalue() == fast.getvalue()
