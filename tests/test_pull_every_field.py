"""pull then plan is "No changes." with every field set and any text (YAML 1.2 read-back)."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from offerspec.api import check_catalog
from offerspec.pull import pull_files
from offerspec.store.base import LiveObject, Snapshot

EVERY_FIELD = """
products:
  - id: p
    name: "Ünïcødé – 日本"
    description: "NO"
    metadata: {"key": "2024-01-01", "yes": "on", "1e3": "-2E-5"}
  - id: q
    name: Q
plans:
  - id: full
    nickname: "Fullé: plan # not a comment"
    name_internal: "null"
    description: |
      two
      lines: yes
    product: p
    grants: [p, q]
    amount: 123456
    currency: EUR
    interval: week
    interval_count: 2
    auto_renew: true
    trial_period_days: 7
    revenue_recognition: shipment
    renewal_strategy: agency
    shipments_per_interval: 3
    available_online: true
    is_hidden: true
    refundable: true
    type: membership
    member_seat_capacity: 10
    countries: [DE, "NO"]
    ip_addresses: [10.0.0.0/8]
    domains: [example.org]
    allow_send_invoice: true
    auto_uncollectible_days: 5
    invoice_upcoming_notification: 0
    apple_product_id: "0123"
    gift_description: "~"
    image: https://cdn.example.com/a.png
    agency_id: "1e3"
    agency_remit_rate: 0.5
    expires_at: 2030-12-31
    segment: "true"
    metadata: {"ä": "ü", "n": "0x10", "e": "1e3"}
  - id: owned
    nickname: Owned
    product: q
    amount: 0
    currency: EUR
    interval: year
    type: membership
    member_seat_capacity: 3
    group_owner_plan: full
    is_hidden: true
offers:
  - id: o
    name: "O: 'quoted'"
    plans: [full]
    metadata: {a: b}
"""


def test_pull_round_trip_with_every_plan_field_set(run, tmp_path, store_url) -> None:
    from offerspec.model import data_fields

    cat = tmp_path / "cat"
    cat.mkdir()
    (cat / "all.yaml").write_text(textwrap.dedent(EVERY_FIELD), encoding="utf-8")
    unset = {f for f in data_fields("plans") if f"    {f}:" not in EVERY_FIELD}
    assert unset == {"id", "is_donation", "status"}  # id is "- id:"; the others: defaults
    url = store_url  # SQLite and PostgreSQL
    assert run("apply", str(cat), "--store", url, "--auto-approve").exit_code == 0
    out = tmp_path / "pulled"
    assert run("pull", "--out", str(out), "--store", url).exit_code == 0
    plan = run("plan", str(out), "--store", url, "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output
    assert "No changes." in plan.stdout


_CHARS = st.characters(blacklist_categories=("Cs", "Cc"))
_TEXT = st.one_of(
    st.text(_CHARS, max_size=30),
    # what YAML 1.1 (PyYAML's dumper) and 1.2 (the catalog loader) read differently
    st.from_regex(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", fullmatch=True),
    st.sampled_from(["1e3", "-2E-5", ".INF", "+.inf", ".NaN", "~", "null", "NO", "on", "0x10",
                     "0o17", "1:30", "2024-01-01", "True", "FALSE", "", " ", "#", "- x", "a: b"]),
)


@settings(max_examples=200, deadline=None)
@given(_TEXT, _TEXT)
def test_pulled_text_reads_back_as_the_same_text(name: str, value: str) -> None:
    import json

    name = name if name.strip() else "x"  # a blank name is a catalog error (blank-name rule)
    product = {"id": "p", "name": name, "description": value, "status": "active",
               "metadata": {"k": value, (value[:40] or "k2"): name}}
    text = json.dumps(product)
    snapshot = Snapshot("i", "u", 1, {"products": {"p": LiveObject("products", "p", 1, text,
                                                                   "")}})
    files = pull_files(snapshot)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "products.yaml").write_text(files["products.yaml"], encoding="utf-8")
        catalog, diagnostics = check_catalog([tmp])
    assert catalog is not None, (files["products.yaml"], diagnostics)
    assert catalog.objects()["products"]["p"] == product
