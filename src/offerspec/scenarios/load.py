"""Finding and reading scenario files: located errors exactly like catalog files."""

from __future__ import annotations

import os
import types
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from offerspec.check.schema import did_you_mean, error_to_diagnostic
from offerspec.diagnostics import Diagnostic, OfferspecError, docs_url
from offerspec.geo import country_codes
from offerspec.load.files import Document, load_document
from offerspec.load.yaml12 import Path as YamlPath
from offerspec.scenarios.model import Scenario, ScenarioFile, ScenarioFileShape, ScenarioName
from offerspec.simulate.checkout import REFUSAL_CODES
from offerspec.simulate.index import CatalogIndex, unknown_id
from offerspec.simulate.signup import email_domain, parse_ip
from offerspec.spellings import country_hint

SCENARIO_SUFFIXES = (".scenarios.yaml", ".scenarios.yml")
_NAME: TypeAdapter[str] = TypeAdapter(ScenarioName)
# load_document's hints name a catalog's top-level keys; a scenario file starts with `scenarios:`.
_FILE_HINTS = {"empty-file": f"start the file with `scenarios:` (see {docs_url('simulator.md')}), "
                             "or delete it",
               "top-level-not-mapping": f"start the file with `scenarios:` (see {docs_url('simulator.md')})"}


@dataclass(frozen=True, slots=True)
class LoadedScenario:
    scenario: Scenario
    file: str
    line: int


def split_paths(paths: Iterable[str]) -> tuple[list[str], list[Path]]:
    """(catalog paths, scenario files). Scenario files named alone use their folder's catalog."""
    catalog: list[str] = []
    scenario_files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            catalog.append(raw)
            scenario_files.extend(sorted(
                p for p in path.rglob("*") if p.is_file() and p.name.endswith(SCENARIO_SUFFIXES)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        elif path.is_file() and path.name.endswith(SCENARIO_SUFFIXES):
            scenario_files.append(path)
        elif path.is_file():
            catalog.append(raw)
        else:
            raise OfferspecError(f"{raw}: no such file or directory",
                                 hint="pass the catalog directory holding *.scenarios.yaml files")
    if not catalog:
        catalog = sorted({os.fspath(p.parent) for p in scenario_files})
    return catalog, list(dict.fromkeys(scenario_files))


def _model_fields(loc: tuple[str | int, ...]) -> tuple[str, ...]:
    """The fields allowed where ``loc`` points, for "did you mean" on an unknown field."""
    model: type[BaseModel] = ScenarioFile
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            break
        nested = _inner_model(field.annotation)
        if nested is None:
            break
        model = nested
    return tuple(model.model_fields)


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union, types.UnionType) or get_args(annotation):
        for arg in get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def _to_diagnostic(doc: Document, error: Any) -> Diagnostic:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    diag = error_to_diagnostic(doc, (), error, None)
    if error["type"] == "extra_forbidden":
        name = str(loc[-1])
        fields = _model_fields(loc)
        hint = did_you_mean(name, fields) or f"allowed fields: {', '.join(fields)}"
        return Diagnostic(diag.file, diag.line, diag.col, diag.code, diag.message, hint=hint)
    if error["type"] == "too_short" and loc == ("scenarios",):
        return Diagnostic(diag.file, diag.line, diag.col, diag.code, "scenarios lists no scenario",
                          hint="add a scenario, or delete the file")
    if error["type"] == "value_error":
        message = str(error.get("ctx", {}).get("error", error["msg"]))
        return Diagnostic(diag.file, diag.line, diag.col, "scenario", message)
    return diag


class _Checker:
    """Ids and values in scenarios that the schema cannot know: checked against the catalog."""

    def __init__(self, doc: Document, index: CatalogIndex) -> None:
        self.doc = doc
        self.index = index
        self.problems: list[Diagnostic] = []

    def problem(self, path: YamlPath, message: str, hint: str | None) -> None:
        line, col = self.doc.source_map.value(path)
        self.problems.append(Diagnostic(self.doc.path, line, col, "scenario", message, hint=hint))

    def known(self, path: YamlPath, kind: str, ident: str, choices: Collection[str]) -> None:
        if ident not in choices:
            error = unknown_id(kind, ident, choices)  # the simulator's own message and hint
            self.problem(path, error.message, error.hint)

    def value(self, path: YamlPath, check: Any, text: str) -> None:
        try:
            check(text)
        except OfferspecError as exc:
            self.problem(path, exc.message, exc.hint)

    def scenario(self, base: YamlPath, scenario: Scenario) -> None:
        spec = scenario.checkout or scenario.signup
        action = "checkout" if scenario.checkout else "signup"
        assert spec is not None
        if scenario.checkout is not None:
            self.known((*base, action, "offer"), "offer", scenario.checkout.offer, self.index.offers)
            self.known((*base, action, "plan"), "plan", scenario.checkout.plan, self.index.plans)
            for i, holding in enumerate(scenario.checkout.holdings):
                self.known((*base, action, "holdings", i, "product"), "product", holding.product,
                           self.index.products)
        country = scenario.checkout.country if scenario.checkout is not None else None
        if country is not None and country not in country_codes():
            self.problem((*base, action, "country"), f"unknown country code '{country}'",
                         country_hint(country, sorted(country_codes()))
                         or "use an uppercase ISO 3166-1 alpha-2 code, e.g. US")
        if spec.email is not None:
            self.value((*base, action, "email"), email_domain, spec.email)
        if spec.ip is not None:
            self.value((*base, action, "ip"), parse_ip, spec.ip)
        self.expectations(base, scenario)

    def expectations(self, base: YamlPath, scenario: Scenario) -> None:
        expect = scenario.expect
        where = (*base, "expect")
        if expect.reasons is not None:
            if scenario.signup is not None:
                self.problem((*where, "reasons"), "`reasons` is for checkouts",
                             "a signup expects `plans` (the plans auto-subscribed to)")
            for i, code in enumerate(expect.reasons):
                if code not in REFUSAL_CODES:
                    self.problem((*where, "reasons", i), f"unknown refusal reason '{code}'",
                                 did_you_mean(code, REFUSAL_CODES)
                                 or f"reasons: {', '.join(REFUSAL_CODES)}")
        if expect.plans is not None:
            if scenario.checkout is not None:
                self.problem((*where, "plans"), "`plans` is for signups",
                             "a checkout expects `accepted`, `entitlements` and `charges`")
            for i, plan in enumerate(expect.plans):
                self.known((*where, "plans", i), "plan", plan, self.index.plans)
        if expect.accepted and expect.reasons:  # an accepted checkout has no refusal reasons
            self.problem((*where, "reasons"), "`reasons` lists refusals but `accepted` is true",
                         "expect `accepted: false` with the reasons, or drop `reasons`")
        if expect.accepted is False:  # a refused checkout or signup creates and charges nothing
            for name in ("plans", "entitlements", "charges"):
                if getattr(expect, name):
                    self.problem((*where, name), f"`{name}` is not empty but `accepted` is false",
                                 f"a member who gets nothing has `{name}: []`")
        for i, entitlement in enumerate(expect.entitlements or ()):
            self.known((*where, "entitlements", i, "product"), "product", entitlement.product,
                       self.index.products)
            if entitlement.plan is not None:
                self.known((*where, "entitlements", i, "plan"), "plan", entitlement.plan,
                           self.index.plans)
        for i, charge in enumerate(expect.charges or ()):
            if charge.plan is not None:
                self.known((*where, "charges", i, "plan"), "plan", charge.plan, self.index.plans)


def _schema_problems(doc: Document, exc: ValidationError, base: YamlPath) -> list[Diagnostic]:
    return [_to_diagnostic(doc, {**e, "loc": (*base, *e["loc"])})
            for e in exc.errors(include_url=False)]


def _validate(doc: Document) -> tuple[list[tuple[YamlPath, Any, Scenario | None]], list[Diagnostic]]:
    """Each entry of ``scenarios`` (its path, raw value and model, or None when broken), and
    the schema problems of the top level and of every entry."""
    problems: list[Diagnostic] = []
    try:
        ScenarioFileShape.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(_schema_problems(doc, exc, ()))
    raw = doc.data.get("scenarios")
    entries: list[tuple[YamlPath, Any, Scenario | None]] = []
    for i, item in enumerate(raw if isinstance(raw, list) else ()):
        base: YamlPath = ("scenarios", i)
        try:
            entries.append((base, item, Scenario.model_validate(item)))
        except ValidationError as exc:
            problems.extend(_schema_problems(doc, exc, base))
            entries.append((base, item, None))
    return entries, problems


def _written_name(item: Any, scenario: Scenario | None) -> str | None:
    """The name of a scenario, broken or not, unless the name itself is invalid."""
    if scenario is not None:
        return scenario.name
    name = item.get("name") if isinstance(item, dict) else None
    try:
        return _NAME.validate_python(name)
    except ValidationError:  # reported by the schema already
        return None


def _check_names(checker: _Checker, entries: list[tuple[YamlPath, Any, Scenario | None]]) -> None:
    """Duplicate names over every named scenario, broken ones too (a fix must not reveal one)."""
    first_line: dict[str, int] = {}
    for base, item, scenario in entries:
        name = _written_name(item, scenario)
        if name is None:
            continue
        if name in first_line:
            checker.problem((*base, "name"), f"duplicate scenario name '{name}' "
                            f"(first at line {first_line[name]})", "give each scenario its own name")
        first_line.setdefault(name, checker.doc.source_map.value(base)[0])


def _load_file(doc: Document, index: CatalogIndex) -> tuple[list[LoadedScenario], list[Diagnostic]]:
    entries, problems = _validate(doc)
    checker = _Checker(doc, index)
    loaded: list[LoadedScenario] = []
    for base, _, scenario in entries:
        if scenario is not None:  # a broken scenario has no values to check
            checker.scenario(base, scenario)
            loaded.append(LoadedScenario(scenario, doc.path, doc.source_map.value(base)[0]))
    _check_names(checker, entries)
    problems.extend(checker.problems)
    return ([] if problems else loaded), problems


def _scenario_file_hint(diag: Diagnostic) -> Diagnostic:
    hint = _FILE_HINTS.get(diag.code)
    return diag if hint is None else replace(diag, hint=hint)


def load_scenarios(files: list[Path], index: CatalogIndex) -> tuple[list[LoadedScenario], list[Diagnostic]]:
    """Every problem of every file (schema, ids, duplicate names), and the scenarios of the
    files that have none: a file with any problem runs nothing."""
    loaded: list[LoadedScenario] = []
    diagnostics: list[Diagnostic] = []
    for path in files:
        doc, problems = load_document(path)
        diagnostics.extend(_scenario_file_hint(d) for d in problems)
        if doc is None:
            continue
        found, problems = _load_file(doc, index)
        loaded.extend(found)
        diagnostics.extend(problems)
    return loaded, diagnostics
