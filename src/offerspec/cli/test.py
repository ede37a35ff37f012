"""``offerspec test``: run the scenario files kept beside the catalog."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click

from offerspec.cli.options import catalog_paths, env_option, resolve_paths, strict_option
from offerspec.diagnostics import (
    Diagnostic,
    DiagnosticsError,
    OfferspecError,
    has_errors,
    sort_diagnostics,
)


@click.command()
@catalog_paths
@click.option("--junit-xml", "junit", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write the results as JUnit XML (for CI).")
@strict_option
@env_option
def test(paths: tuple[str, ...], junit: str | None, strict: bool, env: str | None) -> None:
    """Run *.scenarios.yaml files: each scenario's checkout or signup against its expectation.

    \b
    offerspec test                             # the scenario files beside the catalog
    offerspec test catalog/ --junit-xml scenarios.xml
    offerspec test --env production            # [environments.production]'s catalog

    Exit 0 when every scenario passes, 1 when any fails or a file is invalid.
    """
    from offerspec.api import check_catalog
    from offerspec.cli.validate import write_atomically
    from offerspec.scenarios import load_scenarios, run_scenarios, split_paths
    from offerspec.scenarios.report import junit_xml, render_results
    from offerspec.simulate import index_for

    catalog_paths_, files = split_paths(resolve_paths(paths, env))
    if not files:
        raise OfferspecError("no scenario files found (looked for *.scenarios.yaml)",
                             hint="add e.g. checkout.scenarios.yaml beside the catalog "
                                  "(see docs/simulator.md)")
    catalog, diagnostics = check_catalog(catalog_paths_, strict=strict)
    if catalog is None:
        _refuse(diagnostics, junit)
    loaded, problems = load_scenarios(files, index_for(catalog))
    problems = sort_diagnostics(problems)
    if has_errors(problems):
        _refuse(problems, junit)
    results = run_scenarios(catalog, loaded)
    click.echo(render_results(results), nl=False)
    if junit:
        write_atomically(Path(junit), junit_xml(results))
    if not all(r.passed for r in results):
        raise SystemExit(1)


def _refuse(diagnostics: list[Diagnostic], junit: str | None) -> NoReturn:
    """Nothing can run: the report says why (CI reads it), then the located errors, exit 1."""
    if junit:
        from offerspec.cli.validate import write_atomically
        from offerspec.scenarios.report import junit_xml_errors

        write_atomically(Path(junit), junit_xml_errors(diagnostics))
    raise DiagnosticsError(diagnostics)
