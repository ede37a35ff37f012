"""Strategies for the other files offerspec reads: scenario files, batch CSV, saved plan files
and offerspec.toml — generated from their documented fields, and mutated."""

from __future__ import annotations

import copy
import csv
import io
import json
from typing import Any

import yaml
from hypothesis import strategies as st

from fuzz.catalogs import HARDEN_BREAKS, as_block_yaml, dates
from fuzz.mutations import (
    ODD_VALUES,
    ROOT,
    _paths,  # one walk of a parsed document's paths
    data_mutation,
    text_mutation,
)

EXAMPLES = ROOT / "examples" / "offers"
SCENARIOS = (EXAMPLES / "checkout.scenarios.yaml").read_text(encoding="utf-8")
OFFERS = ["subscribe", "try-digital", "support-us", "institutions", "subscribe-europe", "nope"]
PLANS = ["monthly-digital", "annual-digital", "annual-digital-print", "monthly-digital-trial",
         "monthly-donation", "lifetime-digital", "print-weekender-offline", "campus-site-licence",
         "newsroom-team", "no-such-plan"]
PRODUCTS = ["digital-access", "print-edition", "newsroom-supporter", "ghost"]
# A digit Python's isdigit() accepts and int() refuses ("²") is helper harden's batch-cell class:
# no digits but ASCII ones in generated text.
_cell_chars = st.characters(codec="utf-8", exclude_characters=HARDEN_BREAKS,
                            exclude_categories=("No", "Nd", "Nl", "Cs"))
weird = st.one_of(st.sampled_from([x for x in ODD_VALUES if not any(
    c.isdigit() and not c.isascii() for c in x)]), st.text(_cell_chars, max_size=12))


def _maybe_weird(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(value, value, value, weird)


emails = st.sampled_from(["a@example.edu", "x@alumni.example.edu", "b@example-news.com",
                          "not-an-email", "@", "a@", "ü@exämple.org", "A@EXAMPLE.EDU"])
ips = st.sampled_from(["192.0.2.7", "2001:db8:100::1", "198.51.100.200", "10.0.0.1", "::1",
                       "999.1.1.1", "1.2.3", "::ffff:192.0.2.1", "fe80::1%eth0"])
countries = st.sampled_from(["US", "CA", "GB", "DE", "NO", "us", "XX", "USA", ""])
holdings = st.lists(st.fixed_dictionaries({"product": st.sampled_from(PRODUCTS)},
                                          optional={"end": dates}), max_size=3)


# -- scenario files -------------------------------------------------------------------------------

@st.composite
def _scenario(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        situation: dict[str, Any] = {"offer": draw(_maybe_weird(st.sampled_from(OFFERS))),
                                     "plan": draw(_maybe_weird(st.sampled_from(PLANS))),
                                     "date": draw(_maybe_weird(dates))}
        kind = "checkout"
        for key, strategy in (("country", countries), ("email", emails), ("ip", ips),
                              ("direct_link", st.booleans()), ("holdings", holdings),
                              ("seats_used", st.integers(0, 10**6)),
                              ("renewals", st.integers(0, 1000))):
            if draw(st.booleans()):
                situation[key] = draw(_maybe_weird(strategy))
    else:
        kind = "signup"
        situation = {"date": draw(dates)}
        for key, strategy in (("email", emails), ("ip", ips), ("seats_used", st.integers(0, 10))):
            if draw(st.booleans()):
                situation[key] = draw(strategy)
    expect: dict[str, Any] = {}
    if draw(st.booleans()):
        expect["accepted"] = draw(st.booleans())
    if draw(st.booleans()):
        expect["reasons"] = draw(st.lists(st.sampled_from(
            ["plan-not-in-offer", "country-not-allowed", "seats-full", "nonsense"]), max_size=2))
    if draw(st.booleans()):
        expect["charges"] = draw(st.lists(st.fixed_dictionaries(
            {"date": dates, "amount": st.integers(0, 10**12), "currency": st.sampled_from(["USD", "EUR"])}),
            max_size=2))
    if kind == "signup" and draw(st.booleans()):
        expect["plans"] = draw(st.lists(st.sampled_from(PLANS), max_size=2))
    name = draw(st.one_of(st.text(_cell_chars, min_size=1, max_size=30),
                          st.just("x\nPASS fake.scenarios.yaml:1 fake"), st.just("\x1b[2K\rPASS")))
    return {"name": name, kind: situation, "expect": expect}


@st.composite
def scenario_files(draw: st.DrawFn) -> str | bytes:
    """A scenario file for examples/offers: generated, or the shipped one mutated."""
    if draw(st.booleans()):
        body = as_block_yaml({"scenarios": draw(st.lists(_scenario(), min_size=0, max_size=4))})
    else:
        body = SCENARIOS
    for _ in range(draw(st.integers(0 if body is not SCENARIOS else 1, 2))):
        if draw(st.booleans()):
            return draw(text_mutation(body))
        body = as_block_yaml(draw(data_mutation(yaml.safe_load(body))))
    return body


# -- batch CSV ------------------------------------------------------------------------------------

# Left to helper harden (issue 12's exit-3 list): a non-ASCII digit in a batch cell; an
# offerspec.toml nested 1,000 deep or with a NUL byte.
HARDEN_BATCH = frozenset({"insert-text", "odd-value"})
HARDEN_TOML = frozenset({"deep", "insert-char", "replace-char", "bytes"})
COLUMNS = ["offer", "plan", "date", "country", "email", "ip", "direct_link", "holdings",
           "seats_used", "renewals"]


def _cell(draw: st.DrawFn, column: str) -> str:
    value: Any = {
        "offer": st.sampled_from(OFFERS), "plan": st.sampled_from(PLANS),
        "date": st.one_of(dates, st.just("")), "country": countries, "email": emails, "ip": ips,
        "direct_link": st.sampled_from(["true", "false", "yes", "no", "1", "0", "", "TRUE", "maybe"]),
        "holdings": st.sampled_from(["", "digital-access", "digital-access:2027-01-01",
                                     "print-edition;digital-access:2020-02-30", "ghost", ":", ";;"]),
        "seats_used": st.sampled_from(["0", "5", "-1", "1e3", "99999999999999999999", "", " 3"]),
        "renewals": st.sampled_from(["0", "12", "1000", "1001", "-1", "x", ""]),
    }.get(column, weird)
    return str(draw(_maybe_weird(value)))


@st.composite
def batch_csv(draw: st.DrawFn) -> str | bytes:
    """A batch of checkouts: the documented columns (some missing, repeated or unknown), rows of
    good and bad cells, ragged rows, blank lines, quoting, CRLF; sometimes broken text."""
    columns = draw(st.lists(st.sampled_from([*COLUMNS, "offer", "extra", "Plan", ""]), min_size=1,
                            max_size=8))
    if draw(st.integers(0, 3)):
        columns = ["offer", "plan", *[c for c in columns if c not in ("offer", "plan")]]
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        row = [_cell(draw, c) for c in columns]
        if draw(st.integers(0, 9)) == 0:
            row = row[:draw(st.integers(0, len(row)))] + draw(st.lists(weird, max_size=2))
        rows.append(row)
    out = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    writer = csv.writer(out, quoting=quoting, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(columns)
    for row in rows:
        writer.writerow(row)
        if draw(st.integers(0, 7)) == 0:
            out.write("\n")
    body = out.getvalue()
    if draw(st.integers(0, 5)) == 0:
        return draw(text_mutation(body, exclude=HARDEN_BATCH))
    return body


# -- saved plan files -----------------------------------------------------------------------------

# Mutations that keep every field's JSON type: the plan file's schema (types, ranges, depth) is
# helper harden's class (issue 12); these test what a well-typed but edited plan does.
def _same_type(draw: st.DrawFn, value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return draw(st.sampled_from([0, 1, value + 1, value - 1, 2**31, 10**11]))
    if isinstance(value, float):
        return draw(st.sampled_from([0.0, 1.0, 0.25, 0.999]))
    if isinstance(value, str):
        return draw(st.one_of(st.sampled_from(["", "x", value + "x", value.upper(), "plans",
                                                "offers", "products", "create", "update",
                                                "replace", "archive", "unarchive", "delete"]),
                              st.text(_cell_chars, max_size=10)))
    return value




@st.composite
def edited_plan(draw: st.DrawFn, plan: dict[str, Any]) -> str:
    """The JSON of a saved plan with one to three type-preserving edits: a value changed, a
    change dropped, duplicated or moved."""
    doc = copy.deepcopy(plan)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)[1:]))
        parent: Any = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        kind = draw(st.sampled_from(["value", "value", "value", "drop-change", "duplicate-change",
                                     "move-change"]))
        changes = doc.get("changes", [])
        if kind == "value":
            parent[last] = _same_type(draw, parent[last])
        elif changes and kind == "drop-change":
            del changes[draw(st.integers(0, len(changes) - 1))]
        elif changes and kind == "duplicate-change":
            changes.append(copy.deepcopy(draw(st.sampled_from(changes))))
        elif changes and kind == "move-change":
            changes.insert(0, changes.pop(draw(st.integers(0, len(changes) - 1))))
    return json.dumps(doc, ensure_ascii=draw(st.booleans()))


# -- offerspec.toml -------------------------------------------------------------------------------

def _toml_string(value: str) -> str:
    return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's


toml_values = st.one_of(
    st.sampled_from(['"catalog"', '"."', '["catalog", "."]', '"sqlite:///.offerspec/x.db"',
                     '"sqlite:///store.db"', '"postgresql://h/db"', '"https://x"', '"ftp://x"',
                     '"sqlite://"', '""', "1", "true", "1.5", "[]", "{}", '"missing-dir"',
                     '"sqlite:///no/such/dir/x.db"', '"../outside"', "2024-01-01", '"\\u00e9"',
                     '"\\u001b[2K"', "[1, 2]", '{store = "x"}']),
    st.text(_cell_chars, max_size=10).map(_toml_string))


@st.composite
def toml_files(draw: st.DrawFn) -> str | bytes:
    """offerspec.toml: the allowed keys (catalog, store, environments.NAME.{catalog,store}),
    unknown ones, wrong types, bad URLs, broken TOML."""
    keys = draw(st.lists(st.sampled_from(["catalog", "store", "stroe", "Catalog"]), max_size=3))
    lines = [f"{k} = {draw(toml_values)}" for k in keys]
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(["staging", "production", "prod uction", "ü", ""]))
        lines.append(f'[environments."{name}"]' if draw(st.booleans()) else f"[environments.{name}]")
        for key in draw(st.lists(st.sampled_from(["catalog", "store", "other"]), max_size=2)):
            lines.append(f"{key} = {draw(toml_values)}")
    if draw(st.integers(0, 5)) == 0:
        lines.append(draw(st.sampled_from(["[environments]", "environments = 1", "[[x]]", "a.b.c = 1",
                                           "= 1", "[unclosed", 'x = """', "store = 'a' 'b'"])))
    body = "\n".join(lines) + "\n"
    if draw(st.integers(0, 5)) == 0:
        return draw(text_mutation(body, exclude=HARDEN_TOML))
    return body


