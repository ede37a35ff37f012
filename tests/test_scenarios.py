from __future__ import annotations

import shutil
import textwrap
import xml.etree.ElementTree as ET

import pytest

from conftest import EXAMPLES


def test_bundled_scenarios_pass(run) -> None:
    result = run("test", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "9 passed, 0 failed"
    assert all(line.startswith("PASS ") for line in result.stdout.splitlines()[:-1])


@pytest.fixture
def catalog_dir(tmp_path):
    for name in ("products.yaml", "subscribe.yaml", "support.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path


def scenarios(folder, text: str, name: str = "my.scenarios.yaml"):
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


PASSING = """
scenarios:
  - name: annual digital
    checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22}
    expect:
      accepted: true
      entitlements:
        - {product: digital-access, start: 2026-11-22, end: 2027-11-22}
"""


def test_failure_shows_a_diff_and_exits_1(run, catalog_dir, tmp_path) -> None:
    scenarios(catalog_dir, PASSING + """
  - name: wrong end and charge
    checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22}
    expect:
      accepted: true
      entitlements:
        - {product: digital-access, start: 2026-11-22, end: 2027-11-21}
      charges: []
""")
    junit = tmp_path / "out" / "junit.xml"
    result = run("test", str(catalog_dir), "--junit-xml", str(junit))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("PASS ") and lines[0].endswith("my.scenarios.yaml:2 annual digital")
    assert lines[1].endswith("my.scenarios.yaml:9 wrong end and charge") and lines[1].startswith("FAIL ")
    assert "    -  - product: digital-access, start: 2026-11-22, end: 2027-11-21" in lines
    assert "    +  - product: digital-access, start: 2026-11-22, end: 2027-11-22" in lines
    assert "    -charges: []" in lines
    assert "    +  - date: 2026-11-22, amount: 9900, currency: USD" in lines
    assert lines[-1] == "1 passed, 1 failed"
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None and "end: 2027-11-21" in (failure.text or "")


def test_junit_xml_is_valid_whatever_the_scenario_name(run, catalog_dir, tmp_path) -> None:
    scenarios(catalog_dir, r"""
scenarios:
  - name: "a bell \x07, a non-character \uFFFE and <&>]]>"
    checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22}
    expect: {accepted: false}
""")
    junit = tmp_path / "junit.xml"
    assert run("test", str(catalog_dir), "--junit-xml", str(junit)).exit_code == 1
    case = ET.parse(junit).getroot().find("testsuite/testcase")  # expat refuses invalid XML
    assert case is not None and case.get("name") == "a bell \ufffd, a non-character \ufffd and <&>]]>"
    failure = case.find("failure")
    assert failure is not None and "+accepted: true" in (failure.text or "")


def test_only_written_fields_are_compared(run, catalog_dir) -> None:
    scenarios(catalog_dir, """
        scenarios:
          - name: just the refusal
            checkout: {offer: subscribe, plan: lifetime-digital, date: 2026-11-22}
            expect: {reasons: [plan-not-in-offer]}
          - name: indefinite pinned with end null
            checkout: {offer: support-us, plan: lifetime-digital, date: 2026-11-22}
            expect:
              entitlements: [{product: digital-access, start: 2026-11-22, end: null, plan: lifetime-digital}]
        """)
    result = run("test", str(catalog_dir))
    assert result.exit_code == 0, result.output


def test_scenario_file_named_alone_uses_its_folders_catalog(run, catalog_dir) -> None:
    path = scenarios(catalog_dir, PASSING)
    result = run("test", str(path))
    assert result.exit_code == 0, result.output
    assert "1 passed, 0 failed" in result.stdout


@pytest.mark.parametrize(("text", "expected"), [
    ("""
     scenarios:
       - name: a
         checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22, contry: US}
         expect: {acepted: true}
     """, ["my.scenarios.yaml:3:74: error[unknown-field]: unknown field 'contry'",
           "  hint: did you mean 'country'?",
           "my.scenarios.yaml:4:14: error[unknown-field]: unknown field 'acepted'",
           "  hint: did you mean 'accepted'?"]),
    ("""
     scenarios:
       - name: a
         checkout: {offer: subscibe, plan: anual-digital, date: 2026-11-22,
                    holdings: [{product: digital}]}
         expect: {reasons: [country-not-alowed]}
     """, ["my.scenarios.yaml:3:23: error[scenario]: unknown offer 'subscibe'",
           "  hint: did you mean 'subscribe'?",
           "my.scenarios.yaml:3:39: error[scenario]: unknown plan 'anual-digital'",
           "  hint: did you mean 'annual-digital'?",
           "my.scenarios.yaml:4:37: error[scenario]: unknown product 'digital'",
           "my.scenarios.yaml:5:24: error[scenario]: unknown refusal reason 'country-not-alowed'",
           "  hint: did you mean 'country-not-allowed'?"]),
    ("""
     scenarios:
       - name: a
         checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22}
         signup: {email: a@example.edu, date: 2026-11-22}
         expect: {accepted: yes}
     """, ["my.scenarios.yaml:5:24: error[schema]: accepted must be true or false, got 'yes'"]),
    ("""
     scenarios:
       - name: a
         checkout: {offer: subscribe, plan: annual-digital}
         expect: {accepted: true}
     """, ["my.scenarios.yaml:3:15: error[schema]: missing required field 'date'"]),
    ("""
     scenarios:
       - name: a
         checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22}
         signup: {email: a@example.edu, date: 2026-11-22}
         expect: {accepted: true}
     """, ["my.scenarios.yaml:2:5: error[scenario]: a scenario has exactly one of `checkout:` or `signup:`"]),
    ("""
     scenarios:
       - name: a
         checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22}
         expect: {accepted: true}
       - name: a
         signup: {email: nobody, date: 2026-11-22}
         expect: {accepted: true, reasons: [seats-full]}
     """, ["my.scenarios.yaml:5:11: error[scenario]: duplicate scenario name 'a' (first at line 2)",
           "my.scenarios.yaml:6:21: error[scenario]: invalid email address 'nobody'",
           "my.scenarios.yaml:7:39: error[scenario]: `reasons` is for checkouts"]),
    ("""
     scenarios:
       - name: a
         checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22}
         expect:
           accepted: true
           reasons: [seats-full]
           entitlements: [{product: digital-access, start: 2026-11-22, plan: anual-digital}]
           charges: [{date: 2026-11-22, amount: 9900, currency: USD, plan: ghost}]
     """, ["my.scenarios.yaml:6:16: error[scenario]: `reasons` lists refusals but `accepted` is true",
           "my.scenarios.yaml:7:73: error[scenario]: unknown plan 'anual-digital'",
           "  hint: did you mean 'annual-digital'?",
           "my.scenarios.yaml:8:71: error[scenario]: unknown plan 'ghost'"]),
    ("""
     scenarios:
       - name: a
         checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22, country: GB}
         expect:
           accepted: false
           charges: [{date: 2026-11-22, amount: 9900, currency: USD}]
     """, ["my.scenarios.yaml:6:16: error[scenario]: `charges` is not empty but `accepted` is false",
           "  hint: a member who gets nothing has `charges: []`"]),
    ("""
     scenarios:
       - name: a
         checkout: {offer: subscribe, plan: annual-digital, date: 2026-02-30, country: uk}
         expect: {accepted: true}
     """, ["my.scenarios.yaml:3:62: error[schema]: date 2026-02-30 is not a day of the calendar: "
           "February 2026 has 28 days"]),
    ("""
     scenarios:
       - name: a
         checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22, country: UK}
         expect: {accepted: true}
     """, ["my.scenarios.yaml:3:83: error[scenario]: unknown country code 'UK'",
           "  hint: did you mean 'GB'?"]),
    ("scenarios: [\n", ["my.scenarios.yaml:2:1: error[yaml-syntax]"]),
])
def test_scenario_file_errors_are_located(run, catalog_dir, text: str, expected: list[str]) -> None:
    scenarios(catalog_dir, textwrap.dedent(text).lstrip("\n"))
    result = run("test", str(catalog_dir))
    assert result.exit_code == 1
    lines = [line.replace(str(catalog_dir) + "/", "") for line in result.stderr.splitlines()]
    for want in expected:
        assert any(line.startswith(want) for line in lines), (want, lines)


def test_no_scenario_files_passes_with_a_note(run, catalog_dir, tmp_path) -> None:
    # A new catalog repository has none yet: its pre-commit hook must pass.
    junit = tmp_path / "junit.xml"
    result = run("test", str(catalog_dir), "--junit-xml", str(junit))
    assert result.exit_code == 0, result.output
    assert result.stdout == "0 passed, 0 failed\n"
    assert result.stderr.startswith("note: no scenario files found (looked for *.scenarios.yaml)")
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "0"


def test_an_invalid_scenario_file_does_not_stop_the_others(run, catalog_dir, tmp_path) -> None:
    scenarios(catalog_dir, PASSING, "good.scenarios.yaml")
    scenarios(catalog_dir, "scenarios:\n  - name: broken\n    checkout: {offer: subscribe}\n",
              "bad.scenarios.yaml")
    junit = tmp_path / "junit.xml"
    result = run("test", str(catalog_dir), "--junit-xml", str(junit))
    assert result.exit_code == 1
    lines = [line.replace(str(catalog_dir) + "/", "") for line in result.stdout.splitlines()]
    assert lines[0].startswith("ERROR bad.scenarios.yaml:2 ")
    assert lines[1] == "PASS good.scenarios.yaml:2 annual digital"
    assert lines[-1] == "1 passed, 0 failed, 1 errored"
    assert "bad.scenarios.yaml:3:15: error[schema]: missing required field 'plan'" in \
        result.stderr.replace(str(catalog_dir) + "/", "")
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("errors"), suite.get("failures")) == ("2", "1", "0")


def test_the_documented_scenario_example_passes(run, tmp_path) -> None:
    from conftest import ROOT

    for path in EXAMPLES.glob("*.yaml"):
        if not path.name.endswith(".scenarios.yaml"):
            shutil.copy(path, tmp_path / path.name)
    doc = (ROOT / "docs" / "simulator.md").read_text()
    start = doc.index("```yaml\nscenarios:") + len("```yaml\n")
    (tmp_path / "doc.scenarios.yaml").write_text(doc[start:doc.index("```", start)])
    result = run("test", str(tmp_path))
    assert result.exit_code == 0, result.output


def test_a_scenario_that_cannot_be_simulated_fails_with_the_reason(run, catalog_dir) -> None:
    scenarios(catalog_dir, """
        scenarios:
          - name: past the calendar
            checkout: {offer: subscribe, plan: annual-digital, date: 9999-06-01}
            expect: {accepted: true}
        """)
    result = run("test", str(catalog_dir))
    assert result.exit_code == 1
    assert "    error: 9999-06-01 + 1 year(s) is after 9999-12-31" in result.stdout.splitlines()


def _stderr_lines(result, folder) -> list[str]:
    return [line.replace(str(folder) + "/", "") for line in result.stderr.splitlines()]


BROKEN_THEN_VALID = """
scenarios:
  - name: a
    checkout: {offer: subscribe, plan: annual-digital}
    expect: {accepted: true}
  - just a string
  - name: a
    checkout: {offer: subscibe, plan: annual-digital, date: 2026-11-22, country: XX}
    expect: {accepted: false, charges: [{date: 2026-11-22, amount: 1, currency: USD}]}
  - name: b
    signup: {email: nobody, date: 2026-11-22}
    expect: {plans: [ghost]}
  - name: b
    signup: {date: 2026-11-22}
    expect: {plans: []}
extra: 1
"""


def test_a_broken_scenario_hides_no_other_problem(run, catalog_dir, tmp_path) -> None:
    """Schema errors of broken scenarios, every check of the valid ones and duplicate names
    over all named scenarios, sorted by line, in one run; and nothing runs."""
    scenarios(catalog_dir, BROKEN_THEN_VALID)
    junit = tmp_path / "junit.xml"
    result = run("test", str(catalog_dir), "--junit-xml", str(junit))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "0 passed, 0 failed, 1 errored"
    assert _stderr_lines(result, catalog_dir) == [
        "my.scenarios.yaml:3:15: error[schema]: missing required field 'date'",
        "  hint: add `date:`",
        "my.scenarios.yaml:5:5: error[schema]: entry of scenarios must be a mapping, got 'just a string'",
        "  hint: write a mapping: `key: value` lines, indented under it",
        "my.scenarios.yaml:6:11: error[scenario]: duplicate scenario name 'a' (first at line 2)",
        "  hint: give each scenario its own name",
        "my.scenarios.yaml:7:23: error[scenario]: unknown offer 'subscibe'",
        "  hint: did you mean 'subscribe'?",
        "my.scenarios.yaml:7:82: error[scenario]: unknown country code 'XX'",
        "  hint: use an uppercase ISO 3166-1 alpha-2 code, e.g. US",
        "my.scenarios.yaml:8:40: error[scenario]: `charges` is not empty but `accepted` is false",
        "  hint: a member who gets nothing has `charges: []`",
        "my.scenarios.yaml:10:21: error[scenario]: invalid email address 'nobody'",
        "  hint: write it as name@domain, e.g. ada@example.edu",
        "my.scenarios.yaml:11:22: error[scenario]: unknown plan 'ghost'",
        "  hint: known plans: annual-digital, annual-digital-print, lifetime-digital, monthly-digital, "
        "monthly-digital-trial, monthly-donation, print-weekender-offline",
        "my.scenarios.yaml:12:11: error[scenario]: duplicate scenario name 'b' (first at line 9)",
        "  hint: give each scenario its own name",
        "my.scenarios.yaml:13:13: error[scenario]: a signup needs an email or an ip",
        "my.scenarios.yaml:15:1: error[unknown-field]: unknown field 'extra'",
        "  hint: allowed fields: scenarios",
        "11 errors, 0 warnings",
    ]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "1" and suite.get("tests") == "1"


def test_an_invalid_name_is_not_compared_for_duplicates(run, catalog_dir) -> None:
    long = "x" * 201
    scenarios(catalog_dir, f"""
        scenarios:
          - {{name: "", expect: {{accepted: true}}}}
          - {{name: "", expect: {{accepted: true}}}}
          - {{name: 3, expect: {{accepted: true}}}}
          - {{name: 3, expect: {{accepted: true}}}}
          - {{name: {long}, expect: {{accepted: true}}}}
          - {{name: {long}, expect: {{accepted: true}}}}
        """)
    result = run("test", str(catalog_dir))
    assert result.exit_code == 1
    assert not any("duplicate" in line for line in result.stderr.splitlines()), result.stderr


def test_a_file_with_any_problem_loads_no_scenario(catalog_dir) -> None:
    """The library contract: a caller that runs what was loaded never runs a broken file."""
    from offerspec.api import check_catalog
    from offerspec.scenarios import load_scenarios
    from offerspec.simulate import index_for

    good = scenarios(catalog_dir, PASSING, "good.scenarios.yaml")
    bad = scenarios(catalog_dir, PASSING.replace("subscribe", "subscibe"), "bad.scenarios.yaml")
    catalog, _ = check_catalog([str(catalog_dir)])
    assert catalog is not None
    loaded, problems = load_scenarios([bad, good], index_for(catalog))
    assert [(item.file, item.scenario.name) for item in loaded] == [(str(good), "annual digital")]
    assert [(d.line, d.col, d.message) for d in problems] == [(3, 23, "unknown offer 'subscibe'")]


START = "  hint: start the file with `scenarios:` (see https://github.com/offerspec/offerspec/blob/v0.1.0/docs/simulator.md)"
CHECKOUT = "checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22}"


@pytest.mark.parametrize(("text", "expected"), [
    ("", ["my.scenarios.yaml:1:1: error[empty-file]: the file is empty", START + ", or delete it"]),
    ("~\n", ["my.scenarios.yaml:1:1: error[empty-file]: the file holds an empty document",
             START + ", or delete it"]),
    ("- name: a\n", ["my.scenarios.yaml:1:1: error[top-level-not-mapping]: the top level must be a "
                     "mapping, found a list", START]),
    ("just text\n", ["my.scenarios.yaml:1:1: error[top-level-not-mapping]: the top level must be a "
                     "mapping, found str", START]),
    ("name: a\n", ["my.scenarios.yaml:1:1: error[schema]: missing required field 'scenarios'",
                   "  hint: add `scenarios:`",
                   "my.scenarios.yaml:1:1: error[unknown-field]: unknown field 'name'",
                   "  hint: allowed fields: scenarios"]),
    ("scenarios:\n", ["my.scenarios.yaml:1:11: error[schema]: scenarios must be a list, got null"]),
    ("scenarios: []\n", ["my.scenarios.yaml:1:12: error[schema]: scenarios lists no scenario",
                         "  hint: add a scenario, or delete the file"]),
    ("scenarios: {name: a}\n",
     ["my.scenarios.yaml:1:12: error[schema]: scenarios must be a list, got a mapping"]),
    ("scenarios: [a, ~, [b]]\n",
     ["my.scenarios.yaml:1:13: error[schema]: entry of scenarios must be a mapping, got 'a'",
      "my.scenarios.yaml:1:16: error[schema]: entry of scenarios must be a mapping, got null",
      "my.scenarios.yaml:1:19: error[schema]: entry of scenarios must be a mapping, got a list"]),
    ("scenarios:\n  - {name: [a], checkout: [b], expect: ~}\n  - {name: 3, signup: 5, expect: {}}\n",
     ["my.scenarios.yaml:2:12: error[schema]: name must be text, got a list",
      "my.scenarios.yaml:2:27: error[schema]: checkout must be a mapping, got a list",
      "my.scenarios.yaml:2:40: error[schema]: expect must be a mapping, got null",
      "my.scenarios.yaml:3:12: error[schema]: name must be text, got 3",
      "  hint: quote it",
      "my.scenarios.yaml:3:23: error[schema]: signup must be a mapping, got 5",
      "my.scenarios.yaml:3:34: error[scenario]: expect at least one of accepted, reasons, plans, "
      "entitlements, charges"]),
    ("scenarios:\n  - name: a\n    checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22,"
     " holdings: {product: x}}\n    expect: {accepted: 1, reasons: seats-full, entitlements: [~],"
     " charges: {a: 1}}\n",
     ["my.scenarios.yaml:3:84: error[schema]: holdings must be a list, got a mapping",
      "my.scenarios.yaml:4:24: error[schema]: accepted must be true or false, got 1",
      "  hint: write true or false (yes/no/on/off are text in YAML 1.2)",
      "my.scenarios.yaml:4:36: error[schema]: reasons must be a list, got 'seats-full'",
      "  hint: write a list, even of one entry: [seats-full]",
      "my.scenarios.yaml:4:63: error[schema]: entry of entitlements must be a mapping, got null",
      "my.scenarios.yaml:4:76: error[schema]: charges must be a list, got a mapping"]),
    (f"scenarios:\n  - name: a\n    {CHECKOUT}\n    checkout: {{}}\n    expect: {{accepted: true}}\n",
     ["my.scenarios.yaml:3:5: error[duplicate-key]: duplicate key 'checkout' (defined again at line 4)",
      "  hint: remove one of the two; YAML does not merge them",
      "my.scenarios.yaml:4:5: error[duplicate-key]: duplicate key 'checkout' (first defined at line 3)",
      "  hint: remove one of the two; YAML does not merge them"]),
])
def test_malformed_scenario_files_are_reported_not_crashed_on(run, catalog_dir, text: str,
                                                              expected: list[str]) -> None:
    scenarios(catalog_dir, text)
    result = run("test", str(catalog_dir))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "0 passed, 0 failed, 1 errored"
    errors = sum(1 for line in expected if not line.startswith("  hint:"))
    summary = f"{errors} error{'' if errors == 1 else 's'}, 0 warnings"
    lines = _stderr_lines(result, catalog_dir)
    # The errors as expected; the hints expected among the hints; every schema error has one.
    assert [line for line in lines if not line.startswith("  hint:")] == \
        [line for line in expected if not line.startswith("  hint:")] + [summary]
    assert {line for line in expected if line.startswith("  hint:")} <= set(lines)
    for i, line in enumerate(lines[:-1]):
        if "error[schema]" in line:
            assert lines[i + 1].startswith("  hint: "), line


def test_an_expectation_written_as_null_is_an_error_at_its_key(run, catalog_dir) -> None:
    # Left out, a key is not checked; written as null it would silently pin nothing.
    scenarios(catalog_dir, """
        scenarios:
          - name: null pins nothing
            checkout: {offer: subscribe, plan: annual-digital, date: 2026-11-22}
            expect:
              accepted: null
              charges: null
        """)
    result = run("test", str(catalog_dir))
    assert result.exit_code == 1
    assert result.stderr == (
        "my.scenarios.yaml:5:17: error[scenario]: accepted: null expects nothing: write the "
        "expected value, or leave the key out\n"
        "my.scenarios.yaml:6:16: error[scenario]: charges: null expects nothing: write the "
        "expected value, or leave the key out\n"
        "2 errors, 0 warnings\n").replace("my.scenarios.yaml", str(catalog_dir / "my.scenarios.yaml"))
