"""Scenario results as test-runner text and as JUnit XML for CI."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from offerspec.scenarios.run import ScenarioResult


def render_results(results: list[ScenarioResult]) -> str:
    lines: list[str] = []
    for result in results:
        where = f"{result.loaded.file}:{result.loaded.line}"
        lines.append(f"{'PASS' if result.passed else 'FAIL'} {where} {result.name}")
        if result.error:
            lines.append(f"    error: {result.error}")
        lines.extend(f"    {line}" for line in result.diff)
    passed = sum(1 for r in results if r.passed)
    lines.append(f"{passed} passed, {len(results) - passed} failed")
    return "\n".join(lines) + "\n"


def junit_xml(results: list[ScenarioResult]) -> str:
    failures = sum(1 for r in results if not r.passed)
    suite = ET.Element("testsuite", name="offerspec scenarios", tests=str(len(results)),
                       failures=str(failures), errors="0", skipped="0")
    for result in results:
        case = ET.SubElement(suite, "testcase", classname=result.loaded.file, name=result.name,
                             file=result.loaded.file, line=str(result.loaded.line))
        if not result.passed:
            failure = ET.SubElement(case, "failure",
                                    message=result.error or "outcome differs from the expectation")
            failure.text = "\n".join(result.diff) or result.error or ""
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
