"""Scenario results as test-runner text and as JUnit XML for CI."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from offerspec.diagnostics import Diagnostic
from offerspec.render.safe import text
from offerspec.scenarios.run import ScenarioResult

# Characters XML 1.0 cannot hold even escaped (a YAML name may contain "\x07" or "\uFFFE").
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _by_file(diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.is_error:
            by_file.setdefault(d.file, []).append(d)
    return by_file


def render_results(results: list[ScenarioResult], broken: list[Diagnostic] | None = None) -> str:
    """One line per scenario; one ERROR line per scenario file that could not be read."""
    lines: list[str] = []
    errored = _by_file(broken or [])
    for file, found in errored.items():
        lines.append(f"ERROR {file}:{found[0].line} {len(found)} error(s) in the file: "
                     "none of its scenarios ran")
    for result in results:
        where = f"{result.loaded.file}:{result.loaded.line}"
        lines.append(f"{'PASS' if result.passed else 'FAIL'} {where} {result.name}")
        if result.error:
            lines.append(f"    error: {result.error}")
        lines.extend(f"    {line}" for line in result.diff)
    passed = sum(1 for r in results if r.passed)
    summary = f"{passed} passed, {len(results) - passed} failed"
    lines.append(f"{summary}, {len(errored)} errored" if errored else summary)
    return text(lines)  # a scenario name with a line break cannot print a fake PASS line


def junit_xml(results: list[ScenarioResult], broken: list[Diagnostic] | None = None) -> str:
    failures = sum(1 for r in results if not r.passed)
    errored = _by_file(broken or [])
    suite = ET.Element("testsuite", name="offerspec scenarios", tests=str(len(results) + len(errored)),
                       failures=str(failures), errors=str(len(errored)), skipped="0")
    _errored_cases(suite, errored)
    for result in results:
        file = _xml_text(result.loaded.file)
        case = ET.SubElement(suite, "testcase", classname=file, name=_xml_text(result.name),
                             file=file, line=str(result.loaded.line))
        if not result.passed:
            failure = ET.SubElement(case, "failure", message=_xml_text(
                result.error or "outcome differs from the expectation"))
            failure.text = _xml_text("\n".join(result.diff) or result.error or "")
    return _document(suite)


def _document(suite: ET.Element) -> str:
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def junit_xml_errors(diagnostics: list[Diagnostic]) -> str:
    """JUnit XML for a run that could not start (an invalid catalog or scenario file): one
    errored test case per file, so a CI test report shows why instead of finding no report."""
    by_file = _by_file(diagnostics)
    suite = ET.Element("testsuite", name="offerspec scenarios", tests=str(len(by_file)),
                       failures="0", errors=str(len(by_file)), skipped="0")
    _errored_cases(suite, by_file)
    return _document(suite)


def _errored_cases(suite: ET.Element, by_file: dict[str, list[Diagnostic]]) -> None:
    """One errored test case per file that could not be used, with its errors."""
    from offerspec.render.diagnostics import render_text

    for file, found in by_file.items():
        name = _xml_text(file)
        case = ET.SubElement(suite, "testcase", classname=name, name=f"load {name}", file=name,
                             line=str(found[0].line))
        error = ET.SubElement(case, "error", message=_xml_text(
            f"{len(found)} error(s) in {file}: nothing was run"))
        error.text = _xml_text(render_text(found))
