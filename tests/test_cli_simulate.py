from __future__ import annotations

import json

import pytest

from conftest import EXAMPLES

EX = str(EXAMPLES)


def test_checkout_json_shape_and_exit_0(run) -> None:
    result = run("simulate", EX, "--offer", "subscribe", "--plan", "annual-digital-print",
                 "--date", "2026-11-22", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["accepted"] is True and data["reasons"] == []
    assert [(e["product"], e["start"], e["end"], e["plan"], e["trial_end"])
            for e in data["entitlements"]] == [
        ("digital-access", "2026-11-22", "2027-11-22", "annual-digital-print", None),
        ("print-edition", "2026-11-22", "2027-11-22", "annual-digital-print", None)]
    assert [(c["date"], c["amount"], c["currency"])
            for c in data["charges"]] == [("2026-11-22", 14900, "USD")]


def test_checkout_text(run) -> None:
    result = run("simulate", EX, "--offer", "subscribe", "--plan", "annual-digital-print",
                 "--date", "2026-11-22")
    assert result.stdout == (
        "accepted: plan annual-digital-print in offer subscribe on 2026-11-22\n"
        "entitlements:\n"
        "  digital-access       2026-11-22 → 2027-11-22  (plan annual-digital-print)\n"
        "  print-edition        2026-11-22 → 2027-11-22  (plan annual-digital-print)\n"
        "charges:\n"
        "  2026-11-22      149.00 USD\n")


def test_refused_checkout_exits_4_with_every_reason(run) -> None:
    result = run("simulate", EX, "--offer", "try-digital", "--plan", "monthly-digital-trial",
                 "--date", "2026-11-22", "--country", "no", "--format", "json")
    assert result.exit_code == 4
    data = json.loads(result.stdout)
    assert data["accepted"] is False and data["reason_codes"] == ["country-not-allowed"]
    assert data["reasons"] == ["plan 'monthly-digital-trial' is sold only in CA, US; the member is in NO"]


def test_holding_note_and_renewals(run) -> None:
    result = run("simulate", EX, "--offer", "subscribe", "--plan", "monthly-digital", "--date", "2026-01-31",
                 "--holding", "digital-access:2026-12-31", "--renewals", "2", "--format", "json")
    data = json.loads(result.stdout)
    assert "already held (until 2026-12-31)" in data["entitlements"][0]["note"]
    assert [c["date"] for c in data["charges"]] == ["2026-01-31", "2026-02-28", "2026-03-31"]


BUY = ["--offer", "subscribe", "--plan", "annual-digital"]


@pytest.mark.parametrize(("args", "message"), [
    ([*BUY, "--date", "2026-02-30"],
     "invalid date '2026-02-30': not a day of the calendar (February 2026 has 28 days)"),
    ([*BUY, "--date", "2026-13-01"], "(there is no month 13)\n  hint: write a day that exists"),
    ([*BUY, "--country", "uk"], "unknown country code 'uk'\n  hint: did you mean 'GB'?"),
    ([*BUY, "--country", "DEU"], "hint: did you mean 'DE'?"),
    ([*BUY, "--date", "22/11/2026"], "invalid date"),
    (["--offer", "subscibe", "--plan", "annual-digital"], "did you mean 'subscribe'?"),
    (["--offer", "subscribe", "--plan", "anual-digital"], "did you mean 'annual-digital'?"),
    ([*BUY, "--country", "XX"], "unknown country code 'XX'"),
    ([*BUY, "--holding", "digital"], "unknown product 'digital'"),
    ([*BUY, "--holding", "digital-access:soon"],
     "error: invalid end date 'soon' in holding 'digital-access:soon'\n  hint: write dates as"),
    (["--signup", "--ip", "1.2.3"], "invalid IP address '1.2.3'"),
])
def test_invalid_input_exits_1_with_a_message(run, args: list[str], message: str) -> None:
    result = run("simulate", EX, *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["--plan", "annual-digital"], "--plan needs --offer"),
    ([], "nothing to simulate"),
    (["--signup"], "--signup needs --email or --ip"),
    (["--signup", "--email", "a@example.edu", "--offer", "subscribe"], "--signup does not take"),
    (["--batch", "x.csv", "--offer", "subscribe"], "--batch takes the checkouts from the file"),
    (["--batch", "x.csv", "--format", "json"], "--format does not apply"),
    ([*BUY, "--output-format", "csv"], "--output-format is for --batch only"),
    ([*BUY, "--store", "sqlite:///x.db"], "--store is read only with --from-store"),
    ([*BUY, "--from-store"], "--from-store reads the catalog from the store, not from PATH"),
])
def test_options_that_mean_nothing_together_are_usage_errors(run, args: list[str],
                                                             message: str) -> None:
    result = run("simulate", EX, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "hint: " in result.stderr


def test_invalid_catalog_exits_1_with_located_errors(run, write) -> None:
    folder = write(bad="plans:\n  - id: x\n")
    result = run("simulate", str(folder), "--offer", "a", "--plan", "x")
    assert result.exit_code == 1
    assert "bad.yaml:2:5: error[schema]: missing required field" in result.stderr


def test_offer_view_text_and_json(run) -> None:
    result = run("simulate", EX, "--offer", "subscribe-europe", "--country", "GB", "--date", "2026-11-22")
    assert result.exit_code == 0
    assert "  1. Quarterly Digital (GBP) (quarterly-digital-gbp): 24.00 GBP every 3 months\n" in result.stdout
    assert "country-not-allowed" in result.stdout
    data = json.loads(run("simulate", EX, "--offer", "subscribe", "--format", "json").stdout)
    assert [p["plan"] for p in data["plans"]] == ["monthly-digital", "annual-digital", "annual-digital-print"]
    assert data["plans"][0]["price"] == "9.99 USD" and data["plans"][0]["amount"] == 999
    trial = run("simulate", EX, "--offer", "try-digital", "--country", "US", "--date", "2026-11-22")
    assert trial.exit_code == 0
    assert "30-day free trial" in trial.stdout


def test_offer_view_with_nothing_shown_exits_4(run) -> None:
    result = run("simulate", EX, "--offer", "institutions", "--seats-used", "500")
    assert result.exit_code == 4
    assert "seats-full" in result.stdout


def test_signup_cli(run) -> None:
    result = run("simulate", EX, "--signup", "--email", "ada@example.edu", "--date", "2026-11-22",
                 "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["plans"] == ["campus-site-licence"] and data["charges"] == []
    assert data["entitlements"][0]["end"] == "2027-11-22"
    text = run("simulate", EX, "--signup", "--ip", "2001:db8:100::1", "--date", "2026-11-22")
    assert "auto-subscribed to campus-site-licence (by IP in 2001:db8:100::/48)" in text.stdout
    none = run("simulate", EX, "--signup", "--email", "ada@cs.example.edu")
    assert none.exit_code == 4 and "no auto-subscription" in none.stdout


CSV = (
    "offer,plan,date,country,direct_link,holdings,seats_used,renewals\n"
    "subscribe,annual-digital-print,2026-11-22,,,,,\n"
    "try-digital,monthly-digital-trial,2026-11-22,gb,,,,\n"
    "\n"
    "subscribe,nope,2026-11-22,,,,,\n"
    "subscribe,monthly-digital,2026-01-31,,no,digital-access:2026-02-01;print-edition,,2\n"
    "subscribe,monthly-digital,2026-02-30,,,,,\n"
    "subscribe,monthly-digital\n"
)


def test_batch_json_lines_with_located_row_errors(run, tmp_path) -> None:
    path = tmp_path / "checkouts.csv"
    path.write_text(CSV)
    result = run("simulate", EX, "--batch", str(path))
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in rows] == [2, 3, 5, 6, 7, 8]
    assert rows[0]["accepted"] is True and len(rows[0]["entitlements"]) == 2
    assert rows[1]["reason_codes"] == ["country-not-allowed"]
    assert rows[2]["error"] == "unknown plan 'nope'"
    assert [c["date"] for c in rows[3]["charges"]] == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert rows[3]["entitlements"][0]["note"] is not None
    assert f"{path}:5: error: unknown plan 'nope'" in result.stderr
    assert f"{path}:7: error: invalid date '2026-02-30'" in result.stderr
    assert f"{path}:8: error: expected 8 cells, found 2" in result.stderr
    assert "3 invalid row(s)" in result.stderr


def test_batch_csv_output_all_valid_exits_0(run, tmp_path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("offer,plan,date\nsubscribe,annual-digital,2026-11-22\nsupport-us,lifetime-digital,2026-11-22\n")
    result = run("simulate", EX, "--batch", str(path), "--output-format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "line,offer,plan,date,accepted,reason_codes,entitlements,charges,error",
        "2,subscribe,annual-digital,2026-11-22,true,,"
        "digital-access 2026-11-22..2027-11-22,2026-11-22 9900 USD,",
        "3,support-us,lifetime-digital,2026-11-22,true,,digital-access 2026-11-22..,2026-11-22 49900 USD,",
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("", "the file is empty"),
    ("offer,plam\n", "unknown column 'plam'"),
    ("offer,date\n", "missing column(s) plan"),
    ("offer,plan,plan\nsubscribe,annual-digital,monthly-digital\n", "bad.csv:1: column(s) named twice: plan"),
    ("offer,plan, date,date\n", "column(s) named twice: date"),
    ("\n\noffer,plam\n", "bad.csv:3: unknown column 'plam'"),
    ("offer,plan,\n", "hint: a column has no name: a trailing comma?"),
])
def test_batch_bad_header_exits_1(run, tmp_path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    result = run("simulate", EX, "--batch", str(path))
    assert result.exit_code == 1 and message in result.stderr


@pytest.mark.parametrize("output_format", ["jsonl", "csv"])
def test_batch_skips_blank_lines_before_the_header(run, tmp_path, output_format: str) -> None:
    path = tmp_path / "late.csv"
    path.write_text("\n,,\noffer,plan,date\nsubscribe,annual-digital,2026-11-22\nsubscribe,nope,2026-11-22\n")
    result = run("simulate", EX, "--batch", str(path), "--output-format", output_format)
    assert result.exit_code == 1
    assert f"{path}:5: error: unknown plan 'nope'" in result.stderr
    assert "2027-11-22" in result.stdout


def test_batch_missing_file(run) -> None:
    result = run("simulate", EX, "--batch", "/nonexistent/x.csv")
    assert result.exit_code == 1 and "cannot read" in result.stderr


def test_fast_json_lines_equal_the_plain_encoding(tmp_path) -> None:
    import io
    from datetime import date

    from offerspec import load_catalog
    from offerspec.simulate import index_for
    from offerspec.simulate.batch import result_dict, run_batch, write_jsonl

    catalog, _ = load_catalog([EXAMPLES])
    assert catalog is not None
    text = CSV + "subscribe,annual-digital-print,2026-11-22,,,,,\n" * 2 \
        + "subscribe,annual-digital-print,2026-11-22,,,,,1\n"
    results = list(run_batch(io.StringIO(text), "x.csv", index_for(catalog), date(2026, 1, 1)))
    out = io.StringIO()
    list(write_jsonl(results, out))
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [
        json.loads(json.dumps(result_dict(r))) for r in results]


def test_batch_malformed_csv_is_an_input_error(run, tmp_path) -> None:
    path = tmp_path / "big.csv"
    path.write_text('offer,plan\nsubscribe,"' + "x" * 200_000 + '"\n')
    result = run("simulate", EX, "--batch", str(path))
    assert result.exit_code == 1
    assert f"{path}:2: unreadable CSV: field larger than field limit" in result.stderr


def test_scenario_signup_has_no_country(run, tmp_path) -> None:
    (tmp_path / "s.scenarios.yaml").write_text(
        "scenarios:\n  - name: s\n    signup: {email: a@example.edu, date: 2026-01-01, country: US}\n"
        "    expect: {accepted: true}\n")
    for path in EXAMPLES.glob("*.yaml"):
        if not path.name.endswith(".scenarios.yaml"):
            (tmp_path / path.name).write_text(path.read_text())
    result = run("test", str(tmp_path))
    assert result.exit_code == 1 and "unknown field 'country'" in result.stderr


def test_offer_view_shows_a_non_renewing_plan_as_one_time(run, write) -> None:
    folder = write(catalog="""
        products:
          - id: digital
            name: Digital Access
        plans:
          - id: yearly-once
            nickname: Yearly Once
            product: digital
            amount: 9900
            currency: USD
            interval: year
            auto_renew: false
          - id: yearly
            nickname: Yearly
            product: digital
            amount: 9900
            currency: USD
            interval: year
        offers:
          - id: subscribe
            name: Subscribe
            plans: [yearly-once, yearly]
        """)
    args = ("simulate", str(folder), "--offer", "subscribe", "--date", "2026-11-22")
    text = run(*args).stdout.splitlines()
    assert text[1] == "  1. Yearly Once (yearly-once): 99.00 USD one-time, for 1 year"
    assert text[2] == "  2. Yearly (yearly): 99.00 USD every year"
    plans = json.loads(run(*args, "--format", "json").stdout)["plans"]
    assert [(p["auto_renew"], p["billing"]) for p in plans] == [
        (False, "one-time, for 1 year"), (True, "every year")]
