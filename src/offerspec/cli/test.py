"""``offerspec test``: run the scenario files kept beside the catalog."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click

from offerspec.cli.options import catalog_paths, env_option, resolve_paths, strict_option
from offerspec.diagnostics import (
    Diagnostic,
    DiagnosticsError,
    docs_url,
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

    Exit 0 when every scenario passes (or there are no scenario files: a note says so), 1 when
    any fails or a file is invalid (that file is one errored case; the others still run).
    """
    from offerspec.api import check_catalog
    from offerspec.cli.validate import write_atomically
    from offerspec.scenarios import load_scenarios, run_scenarios, split_paths
    from offerspec.scenarios.report import junit_xml, render_results
    from offerspec.simulate import index_for

    catalog_paths_, files = split_paths(resolve_paths(paths, env))
    if not files:
        # A new catalog repository has none yet: the pre-commit hook must not fail there.
        click.echo("note: no scenario files found (looked for *.scenarios.yaml): nothing to test; "
                   f"add e.g. checkout.scenarios.yaml beside the catalog (see {docs_url('simulator.md')})",
                   err=True)
        click.echo("0 passed, 0 failed")
        if junit:
            write_atomically(Path(junit), junit_xml([]))
        return
    catalog, diagnostics = check_catalog(catalog_paths_, strict=strict)
    if catalog is None:
        _refuse(diagnostics, junit)
    loaded, problems = load_scenarios(files, index_for(catalog))
    problems = sort_diagnostics(problems)
    # One invalid file is one errored test case: the other files' scenarios still run.
    broken = [d for d in problems if d.is_error]
    if problems:
        from offerspec.render.diagnostics import render_text

        click.echo(render_text(problems), nl=False, err=True)
    results = run_scenarios(catalog, loaded)
    click.echo(render_results(results, broken), nl=False)
    if junit:
        write_atomically(Path(junit), junit_xml(results, broken))
    if broken or not all(r.passed for r in results):
        raise SystemExit(1)


def _refuse(diagnostics: list[Diagnostic], junit: str | None) -> NoReturn:
    """Nothing can run: the report says why (CI reads it), then the located errors, exit 1."""
    if junit:
        from offerspec.cli.validate import write_atomically
        from offerspec.scenarios.report import junit_xml_errors

        write_atomically(Path(junit), junit_xml_errors(diagnostics))
    raise DiagnosticsError(diagnostics)
